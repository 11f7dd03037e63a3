"""Stable error codes for templates, the outbox and the channels (the API and CLI show the same)."""

from enum import StrEnum


class MessagingError(StrEnum):
    TEMPLATE_NO_OPT_OUT = "contact.template_no_opt_out"
    TEMPLATE_NO_DISCLOSURE = "contact.template_no_debt_collector_disclosure"
    TEMPLATE_TOO_MANY_SEGMENTS = "contact.template_too_many_segments"
    TEMPLATE_NOT_LIMITED_CONTENT = "contact.template_not_limited_content"
    TEMPLATE_SYNTAX = "contact.template_syntax"
    TEMPLATE_NEEDS_SUBJECT = "contact.template_needs_subject"
    TEMPLATE_NOT_FOUND = "contact.template_not_found"
    PUBLIC_POST_FORBIDDEN = "contact.public_post_forbidden"
    NO_CONTACT_POINT = "contact.no_contact_point"
    WRONG_CONTACT_POINT = "contact.wrong_contact_point"
    ENVELOPE_REVEALS_DEBT = "contact.envelope_reveals_debt"
    UNSUBSCRIBE_LINK_INVALID = "contact.unsubscribe_link_invalid"
    WEBHOOK_SIGNATURE_INVALID = "contact.webhook_signature_invalid"
    PROVIDER_NOT_CONFIGURED = "contact.provider_not_configured"
    NOT_A_LETTER = "contact.not_a_letter"
