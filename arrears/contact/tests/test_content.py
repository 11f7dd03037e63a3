"""Content rules refuse bad templates at save time; SMS segments are counted as carriers count them;
templates render in a sandbox."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.contact.content import GSM7_BASIC, reveals_debt_collection, sms_size, template_problems
from arrears.contact.messaging import template_save
from arrears.contact.models import MessageTemplate
from arrears.contact.rendering import render
from arrears.core.errors import ArrearsError
from arrears.tenancy.models import Organization

GOOD_EMAIL = "Hello {{ debtor.first_name }}. This is from a debt collector. Opt out: {{ unsubscribe_url }}"
GOOD_SMS = "{{ organization.name }}: a message from a debt collector. Reply STOP to opt out."
GOOD_VOICEMAIL = (
    "Hello, this is {{ caller_name }} calling for {{ debtor.first_name }} from {{ business_name }}. "
    "Please call us back at {{ callback_number }}. Thank you."
)


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        pytest.param("", "GSM-7", 0, 0, id="empty"),
        pytest.param("a" * 160, "GSM-7", 160, 1, id="gsm7-160-fits-one"),
        pytest.param("a" * 161, "GSM-7", 161, 2, id="gsm7-161-two-of-153"),
        pytest.param("a" * 306, "GSM-7", 306, 2, id="gsm7-306-two"),
        pytest.param("a" * 307, "GSM-7", 307, 3, id="gsm7-307-three"),
        pytest.param("€" * 80, "GSM-7", 160, 1, id="gsm7-extension-counts-two"),
        pytest.param("{" * 81, "GSM-7", 162, 2, id="gsm7-extension-overflows"),
        pytest.param("é" * 160, "GSM-7", 160, 1, id="gsm7-basic-accent"),
        pytest.param("á" * 70, "UCS-2", 70, 1, id="ucs2-70-fits-one"),
        pytest.param("a" * 70 + "á", "UCS-2", 71, 2, id="ucs2-71-two-of-67"),
        pytest.param("😀" * 35, "UCS-2", 70, 1, id="ucs2-emoji-two-units"),
        pytest.param("😀" * 36, "UCS-2", 72, 2, id="ucs2-emoji-overflows"),
    ],
)
def test_sms_segments_follow_gsm_03_38(text, encoding, units, segments):
    size = sms_size(text)

    assert (size.encoding, size.units, size.segments) == (encoding, units, segments)


@given(st.text(alphabet=sorted(GSM7_BASIC), max_size=1000))
def test_a_gsm7_text_never_takes_more_segments_than_as_ucs2(text):
    gsm = sms_size(text)

    as_ucs2 = sms_size(text + "á")

    assert gsm.encoding == "GSM-7"
    assert gsm.segments <= as_ucs2.segments


def problems(channel, body, *, subject="s", third_party=True, rendered=None, limit=2):
    found = template_problems(
        channel=channel, subject=subject, body=body, rendered=rendered or body, third_party=third_party,
        segment_limit=limit,
    )  # fmt: skip
    return [p.code for p in found]


@pytest.mark.parametrize(
    ("channel", "body", "third_party", "expected"),
    [
        pytest.param("email", GOOD_EMAIL, True, [], id="email-ok"),
        pytest.param("email", "From a debt collector. Call us.", True, ["CONTACT_TEMPLATE_NO_OPT_OUT"],
                     id="1006.6(e)-email-without-unsubscribe-link"),
        pytest.param("sms", "From a debt collector. Call us.", True, ["CONTACT_TEMPLATE_NO_OPT_OUT"],
                     id="1006.6(e)-sms-without-stop"),
        pytest.param("sms", GOOD_SMS, True, [], id="sms-ok"),
        pytest.param("email", "Hello. Opt out: {{ unsubscribe_url }}", True,
                     ["CONTACT_TEMPLATE_NO_DEBT_COLLECTOR_DISCLOSURE"],
                     id="1006.18(e)-third-party-no-disclosure"),
        pytest.param("email", "Hello. Opt out: {{ unsubscribe_url }}", False, [],
                     id="1006.18(e)-first-party-exempt"),
        pytest.param("letter", "<p>Please call.</p>", True, ["CONTACT_TEMPLATE_NO_DEBT_COLLECTOR_DISCLOSURE"],
                     id="1006.18(e)-letter-no-disclosure"),
        pytest.param("voicemail", GOOD_VOICEMAIL, True, [], id="1006.2(j)-limited-content-ok"),
        pytest.param("voicemail", GOOD_VOICEMAIL + " It is about your debt.", True,
                     ["CONTACT_TEMPLATE_NOT_LIMITED_CONTENT"], id="1006.2(j)-mentions-debt"),
        pytest.param("voicemail", GOOD_VOICEMAIL + " {{ account.balance }}", True,
                     ["CONTACT_TEMPLATE_NOT_LIMITED_CONTENT"], id="1006.2(j)-shows-balance"),
        pytest.param("voicemail", "This is {{ business_name }}. Have a nice day.", True,
                     ["CONTACT_TEMPLATE_NOT_LIMITED_CONTENT"], id="1006.2(j)-no-callback"),
    ],
)  # fmt: skip
def test_content_rules(channel, body, third_party, expected):
    assert problems(channel, body, third_party=third_party) == expected


def test_an_sms_over_the_segment_limit_is_refused():
    rendered = "x" * 307 + " Reply STOP to opt out. debt collector"

    assert problems("sms", GOOD_SMS, rendered=rendered, limit=2) == ["CONTACT_TEMPLATE_TOO_MANY_SEGMENTS"]
    assert problems("sms", GOOD_SMS, rendered=rendered, limit=3) == []


@pytest.mark.parametrize(
    ("channel", "subject", "body", "code"),
    [
        pytest.param("email", "Hi", "From a debt collector.", "CONTACT_TEMPLATE_NO_OPT_OUT", id="no-opt-out"),
        pytest.param("sms", "", "Hi {{ debtor.first_name }}. Reply STOP to opt out.",
                     "CONTACT_TEMPLATE_NO_DEBT_COLLECTOR_DISCLOSURE", id="no-disclosure"),
        pytest.param("sms", "", "{% for i in '0123456789abcde' %}{{ account.creditor }} {% endfor %}"
                     "From a debt collector. Reply STOP to opt out.",
                     "CONTACT_TEMPLATE_TOO_MANY_SEGMENTS", id="too-many-segments"),
        pytest.param("voicemail", "", "Hi, this is about the debt you owe. Call {{ callback_number }}.",
                     "CONTACT_TEMPLATE_NOT_LIMITED_CONTENT", id="voicemail-not-limited"),
        pytest.param("email", "", GOOD_EMAIL, "CONTACT_TEMPLATE_NEEDS_SUBJECT", id="email-no-subject"),
        pytest.param("email", "Hi", "{% if %}", "CONTACT_TEMPLATE_SYNTAX", id="syntax-error"),
    ],
)  # fmt: skip
def test_template_save_refuses_a_template_that_breaks_a_rule(org, system, channel, subject, body, code):
    with pytest.raises(ArrearsError) as caught:
        template_save(organization=org, key="t", channel=channel, subject=subject, body=body, actor=system)

    assert caught.value.code == code
    assert not MessageTemplate.objects.exists()


def test_saving_again_adds_a_version_and_keeps_the_old_one(org, system):
    first = template_save(organization=org, key="t", channel="sms", body=GOOD_SMS, actor=system)

    second = template_save(organization=org, key="t", channel="sms", body=GOOD_SMS + " Thanks.", actor=system)

    first.refresh_from_db()
    assert (first.version, first.active, second.version, second.active) == (1, False, 2, True)


def test_a_first_party_business_needs_no_disclosure(org, system):
    Organization.objects.filter(pk=org.pk).update(collection_mode="first_party")
    org.refresh_from_db()

    template = template_save(
        organization=org,
        key="t",
        channel="sms",
        body="{{ organization.name }}: reply STOP to opt out.",
        actor=system,
    )

    assert template.version == 1


@pytest.mark.parametrize(
    "source",
    [
        pytest.param("{% load static %}x", id="no-load"),
        pytest.param('{% include "base.html" %}', id="no-include"),
        pytest.param("{% url 'login' %}", id="no-url"),
        pytest.param("{{ debtor.name|safe }}", id="no-safe-filter"),
        pytest.param("{% debug %}", id="no-debug"),
        pytest.param("{% now 'Y' %}", id="no-clock"),
    ],
)
def test_the_sandbox_refuses_tags_and_filters_outside_its_list(source):
    with pytest.raises(ArrearsError) as caught:
        render(source, {})

    assert caught.value.code == "CONTACT_TEMPLATE_SYNTAX"


def test_the_sandbox_sees_only_the_prepared_context_and_escapes_html():
    context = {"debtor": {"name": "<b>Jo</b>"}}

    assert render("{{ debtor.name }}{{ settings.SECRET_KEY }}{{ request }}", context, html=True) == (
        "&lt;b&gt;Jo&lt;/b&gt;"
    )


@pytest.mark.parametrize(
    ("text", "reveals"),
    [
        ("Acme Recovery", True),
        ("Debt Solutions LLC", True),
        ("ACME Collections", True),
        ("AR Services", False),
    ],
)
def test_envelope_words(text, reveals):
    assert reveals_debt_collection(text) is reveals


def test_the_disclosure_variable_counts_but_a_disclosure_that_never_renders_does_not(org, system):
    saved = template_save(
        organization=org, key="v", channel="sms", actor=system,
        body="{{ organization.name }}. {{ debt_collector_disclosure }} Reply STOP to opt out.",
    )  # fmt: skip

    with pytest.raises(ArrearsError) as caught:
        template_save(
            organization=org, key="h", channel="sms", actor=system,
            body="Hi. {% if nothing %}From a debt collector.{% endif %} Reply STOP to opt out.",
        )  # fmt: skip

    assert saved.version == 1
    assert caught.value.code == "CONTACT_TEMPLATE_NO_DEBT_COLLECTOR_DISCLOSURE"


@pytest.mark.parametrize(
    ("visibility", "allowed"), [("private", True), ("contacts", False), ("public", False)]
)
def test_a_messaging_channel_may_only_send_private_messages(visibility, allowed):
    from arrears.contact.channels.messaging import check_visibility

    class Channel:
        name = "social"

    Channel.visibility = visibility

    if allowed:
        check_visibility(Channel())  # type: ignore[arg-type]
    else:
        with pytest.raises(ArrearsError) as caught:
            check_visibility(Channel())  # type: ignore[arg-type]
        assert caught.value.code == "CONTACT_PUBLIC_POST_FORBIDDEN"
