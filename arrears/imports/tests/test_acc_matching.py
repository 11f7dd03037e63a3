"""Debtor matching rules (issue 4, "Debtor matching"): pure, no database."""

from datetime import date

import pytest

from arrears.imports.domain.matching import DebtorMatcher, NewDebtor, contact_keys, identity_keys


def keys(name="john smith", dob=None, nid="", phones=(), emails=(), addresses=()):
    return {
        "name_key": name,
        "identity": identity_keys(
            name_key=name,
            date_of_birth=dob,
            national_id_hash=nid,
            phones=phones,
            emails=emails,
            address_keys=addresses,
        ),
        "contacts": contact_keys(phones=phones, emails=emails, address_keys=addresses),
    }


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        pytest.param(keys(nid="h1"), keys(name="jane roe", nid="h1"), True, id="same-national-id-any-name"),
        pytest.param(
            keys(dob=date(1980, 1, 2)), keys(dob=date(1980, 1, 2)), True, id="same-name-and-birth-date"
        ),
        pytest.param(
            keys(phones=["+12125550142"]), keys(phones=["+12125550142"]), True, id="same-name-and-phone"
        ),
        pytest.param(keys(emails=["j@x.com"]), keys(emails=["j@x.com"]), True, id="same-name-and-email"),
        pytest.param(keys(addresses=["A1"]), keys(addresses=["A1"]), True, id="same-name-and-address"),
        pytest.param(keys(), keys(), False, id="same-name-alone-is-not-enough"),
        pytest.param(
            keys(dob=date(1980, 1, 2)), keys(dob=date(1980, 1, 3)), False, id="different-birth-dates"
        ),
        pytest.param(keys(nid="h1"), keys(nid="h2"), False, id="different-national-ids"),
        pytest.param(
            keys(phones=["+1"]),
            keys(name="mary smith", phones=["+1"]),
            False,
            id="shared-phone-different-person",
        ),
        pytest.param(
            keys(name="jon smith", addresses=["A1"]),
            keys(addresses=["A1"]),
            False,
            id="near-miss-jon-john-same-address-not-merged",
        ),
    ],
)
def test_rules(first, second, same):
    # given a matcher that has seen the first record
    matcher = DebtorMatcher()
    a = matcher.match(**first)

    # when the second arrives
    b = matcher.match(**second)

    # then they are one debtor exactly when a rule holds
    assert a.created
    assert (b.debtor == a.debtor) is same
    assert b.created is not same


def test_near_miss_becomes_a_merge_candidate():
    # given "Jon Smith" at an address
    matcher = DebtorMatcher()
    jon = matcher.match(**keys(name="jon smith", addresses=["A1"]))

    # when "John Smith" arrives at the same address
    john = matcher.match(**keys(name="john smith", addresses=["A1"]))

    # then they stay apart and the pair goes to review with its similarity
    assert john.debtor != jon.debtor
    assert [(other, round(score)) for other, score in john.candidates] == [(jon.debtor, 95)]


def test_a_different_name_at_the_same_address_is_not_a_candidate():
    matcher = DebtorMatcher()
    matcher.match(**keys(name="mary jones", addresses=["A1"]))

    john = matcher.match(**keys(name="john smith", addresses=["A1"]))

    assert john.candidates == []


def test_existing_debtors_win_and_the_lowest_id_is_chosen():
    # given two existing debtors sharing a key (an old duplicate), and a new debtor
    matcher = DebtorMatcher()
    matcher.know(9, name_key="john smith", identity=["id:h1"], contacts=())
    matcher.know(4, name_key="john smith", identity=["id:h1"], contacts=())

    # when a row with that national id arrives
    match = matcher.match(**keys(nid="h1"))

    # then it joins the oldest debtor
    assert (match.debtor, match.created) == (4, False)


def test_fallback_is_the_accounts_debtor_when_no_rule_matches():
    matcher = DebtorMatcher()

    match = matcher.match(**keys(name="jane doe-smith"), fallback=12)

    assert (match.debtor, match.created) == (12, False)


def test_new_debtors_are_numbered_in_file_order():
    matcher = DebtorMatcher()

    first = matcher.match(**keys(name="a"))
    second = matcher.match(**keys(name="b"))

    assert (first.debtor, second.debtor) == (NewDebtor(1), NewDebtor(2))
