"""Every audit event name, in one enum (STYLE.md: nobody types an event name twice).

A search for a member finds every place that writes it. The values are what the log stores and hashes,
so they never change once written; names built at run time from a status or a kind are listed here
too, and `Event(f"...")` refuses any other.
"""

from enum import StrEnum


class Event(StrEnum):
    # account
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_DEBTOR_ADDED = "account.debtor_added"
    ACCOUNT_NOTE_ADDED = "account.note_added"
    ACCOUNT_STATUS_CHANGED = "account.status_changed"
    ACCOUNT_ASSIGNED = "account.assigned"
    ACCOUNT_UPDATED_BY_IMPORT = "account.updated_by_import"
    # ach
    ACH_AUTHORIZED = "ach.authorized"
    ACH_FILE_CREATED = "ach.file_created"
    ACH_ORIGINATOR_SET = "ach.originator_set"
    ACH_RETURNED = "ach.returned"
    # api
    API_TOKEN_CREATED = "api.token_created"  # noqa: S105 (an event name, not a secret)
    API_TOKEN_REVOKED = "api.token_revoked"  # noqa: S105
    API_WEBHOOK_CREATED = "api.webhook_created"
    API_WEBHOOK_DISABLED = "api.webhook_disabled"
    API_WEBHOOK_REDELIVERED = "api.webhook_redelivered"
    API_WEBHOOK_SECRET_ROTATED = "api.webhook_secret_rotated"  # noqa: S105
    # bank_file
    BANK_FILE_IMPORTED = "bank_file.imported"
    # bank_line
    BANK_LINE_DISMISSED = "bank_line.dismissed"
    BANK_LINE_IGNORED = "bank_line.ignored"
    BANK_LINE_POSTED = "bank_line.posted"
    BANK_LINE_RESOLVED = "bank_line.resolved"
    BANK_LINE_REVIEW = "bank_line.review"
    # card
    CARD_CHECKOUT_EXPIRED = "card.checkout_expired"
    CARD_CHECKOUT_OPENED = "card.checkout_opened"
    CARD_CHECKOUT_PAID = "card.checkout_paid"
    # call_request
    CALL_REQUEST_ADDED = "call_request.added"
    CALL_REQUEST_CLOSED = "call_request.closed"
    # client
    CLIENT_CREATED = "client.created"
    CLIENT_TERMS_SET = "client.terms_set"
    # compliance
    COMPLIANCE_DECIDED = "compliance.decided"
    COMPLIANCE_HOLD_LIFTED = "compliance.hold_lifted"
    COMPLIANCE_HOLD_PLACED = "compliance.hold_placed"
    COMPLIANCE_OVERRIDDEN = "compliance.overridden"
    COMPLIANCE_POLICY_CHANGED = "compliance.policy_changed"
    COMPLIANCE_VALIDATION_NOTICE_PROVIDED = "compliance.validation_notice_provided"
    # consent
    CONSENT_CONSENT_GRANTED = "consent.consent.granted"
    CONSENT_CONSENT_REVOKED = "consent.consent.revoked"
    CONSENT_OPT_OUT_GRANTED = "consent.opt_out.granted"
    CONSENT_OPT_OUT_REVOKED = "consent.opt_out.revoked"
    # contact
    CONTACT_ATTEMPT_BLOCKED = "contact.attempt_blocked"
    CONTACT_ATTEMPT_RECORDED = "contact.attempt_recorded"
    CONTACT_INBOUND_MESSAGE = "contact.inbound_message"
    CONTACT_INBOUND_START = "contact.inbound_start"
    CONTACT_INBOUND_STOP = "contact.inbound_stop"
    CONTACT_LETTER_BATCH_COMPLETED = "contact.letter_batch_completed"
    CONTACT_LETTER_BATCH_CREATED = "contact.letter_batch_created"
    CONTACT_MESSAGE_BOUNCED = "contact.message_bounced"
    CONTACT_MESSAGE_CANCELLED = "contact.message_cancelled"
    CONTACT_MESSAGE_DELIVERED = "contact.message_delivered"
    CONTACT_MESSAGE_FAILED = "contact.message_failed"
    CONTACT_MESSAGE_HELD = "contact.message_held"
    CONTACT_MESSAGE_QUEUED = "contact.message_queued"
    CONTACT_MESSAGE_SENDING = "contact.message_sending"
    CONTACT_MESSAGE_SENT = "contact.message_sent"
    CONTACT_TASK_DONE = "contact.task_done"
    CONTACT_TEMPLATE_SAVED = "contact.template_saved"
    # contact_point
    CONTACT_POINT_ADDED = "contact_point.added"
    CONTACT_POINT_STATUS_CHANGED = "contact_point.status_changed"
    CONTACT_POINT_UPDATED = "contact_point.updated"
    # debtor
    DEBTOR_CREATED = "debtor.created"
    DEBTOR_ERASED = "debtor.erased"
    DEBTOR_MERGE_DISMISSED = "debtor.merge_dismissed"
    DEBTOR_MERGED = "debtor.merged"
    DEBTOR_NATIONAL_ID_VIEWED = "debtor.national_id_viewed"
    DEBTOR_PREFERENCES_SET = "debtor.preferences_set"
    DEBTOR_UNMERGED = "debtor.unmerged"
    # demo
    DEMO_DEBTORS_SEEDED = "demo.debtors_seeded"
    # document
    DOCUMENT_SHARED = "document.shared"
    DOCUMENT_ERASED = "document.erased"
    DOCUMENT_STORED = "document.stored"
    DOCUMENT_UNSHARED = "document.unshared"
    DOCUMENT_VIEWED = "document.viewed"
    # erasure
    ERASURE_REQUESTED = "erasure.requested"
    # evidence
    EVIDENCE_PACKET_GENERATED = "evidence.packet_generated"
    # exchange_rate
    EXCHANGE_RATE_SET = "exchange_rate.set"
    # fee
    FEE_LATE = "fee.late"
    # import
    IMPORT_COMPLETED = "import.completed"
    # interest
    INTEREST_ACCRUED = "interest.accrued"
    # ledger
    LEDGER_ADJUSTED_BY_IMPORT = "ledger.adjusted_by_import"
    LEDGER_INTEREST_ACCRUED = "ledger.interest_accrued"
    LEDGER_OPENING_BALANCE = "ledger.opening_balance"
    LEDGER_PAYMENT_POSTED = "ledger.payment_posted"
    LEDGER_POSTED = "ledger.posted"
    LEDGER_REVERSED = "ledger.reversed"
    LEDGER_WRITTEN_OFF = "ledger.written_off"
    # membership
    MEMBERSHIP_GRANTED = "membership.granted"
    USER_INVITATION_ACCEPTED = "user.invitation_accepted"
    USER_INVITED = "user.invited"
    MEMBERSHIP_TEAM_SET = "membership.team_set"
    # metro2
    METRO2_EXPORTED = "metro2.exported"
    # reports: scheduled reports and alert rules
    REPORT_SCHEDULE_SAVED = "report_schedule.saved"
    REPORT_SCHEDULE_PAUSED = "report_schedule.paused"
    REPORT_SCHEDULE_RESUMED = "report_schedule.resumed"
    REPORT_SCHEDULE_DELETED = "report_schedule.deleted"
    REPORT_SCHEDULE_SEND_REQUESTED = "report_schedule.send_requested"
    ALERT_RULE_SAVED = "alert_rule.saved"
    ALERT_RULE_PAUSED = "alert_rule.paused"
    ALERT_RULE_RESUMED = "alert_rule.resumed"
    ALERT_RULE_DELETED = "alert_rule.deleted"
    # organization
    ORGANIZATION_CREATED = "organization.created"
    ORGANIZATION_SETTINGS_CHANGED = "organization.settings_changed"
    ORGANIZATION_SSO_CONFIGURED = "organization.sso_configured"
    USER_SIGNED_IN_WITH_SSO = "user.signed_in_with_sso"
    # payment
    PAYMENT_CANCELLED = "payment.cancelled"
    PAYMENT_POSTDATED_NOTICE_DUE = "payment.postdated_notice_due"
    PAYMENT_POSTED = "payment.posted"
    PAYMENT_RETURN_FEE = "payment.return_fee"
    PAYMENT_REVERSED = "payment.reversed"
    PAYMENT_SCHEDULED = "payment.scheduled"
    # plan
    PLAN_ACTIVE = "plan.active"
    PLAN_BROKEN = "plan.broken"
    PLAN_CANCELLED = "plan.cancelled"
    PLAN_COMPLETED = "plan.completed"
    PLAN_CREATED = "plan.created"
    PLAN_DELINQUENT = "plan.delinquent"
    # portal
    PORTAL_CODE_SENT = "portal.code_sent"
    PORTAL_DISPUTE_FILED = "portal.dispute_filed"
    PORTAL_LIMITS_SET = "portal.limits_set"
    PORTAL_LOCKED = "portal.locked"
    PORTAL_SETTLEMENT_ACCEPTED = "portal.settlement_accepted"
    PORTAL_VERIFICATION_REQUESTED = "portal.verification_requested"
    PORTAL_VERIFIED = "portal.verified"
    # promise
    PROMISE_BROKEN = "promise.broken"
    PROMISE_CANCELLED = "promise.cancelled"
    PROMISE_CREATED = "promise.created"
    PROMISE_KEPT = "promise.kept"
    PROMISE_PENDING = "promise.pending"
    # remittance
    REMITTANCE_ISSUED = "remittance.issued"
    # scoring
    SCORING_MODEL_TRAINED = "scoring.model_trained"
    SCORING_QUEUE_LOCKED = "scoring.queue_locked"
    # settlement
    SETTLEMENT_APPROVED = "settlement.approved"
    SETTLEMENT_COMPLETED = "settlement.completed"
    SETTLEMENT_EXPIRED = "settlement.expired"
    SETTLEMENT_OFFERED = "settlement.offered"
    SETTLEMENT_REJECTED = "settlement.rejected"
    SETTLEMENT_WRITE_OFF = "settlement.write_off"
    # strategies (automation)
    STRATEGY_SAVED = "strategy.saved"
    EXPERIMENT_STARTED = "experiment.started"
    EXPERIMENT_STOPPED = "experiment.stopped"
    SCHEDULE_CHANGED = "schedule.changed"
    # team
    TEAM_CREATED = "team.created"
