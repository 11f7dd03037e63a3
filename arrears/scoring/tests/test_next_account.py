"""'Next account' locks the top of the queue to one collector: two collectors never get the same one."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections

from arrears.scoring.queueing import queue_next
from arrears.scoring.services import LOCK_MINUTES, accounts_score
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

AT = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def collector(org, user):
    return Principal(organization_id=org.pk, role=Role.COLLECTOR, user_id=user.pk, label=user.username)


@pytest.mark.django_db
def test_next_account_locks_the_best_one_and_moves_on(org, make_account, make_user):
    accounts = [make_account(principal=Decimal(1000 * (i + 1))) for i in range(3)]
    accounts_score(organization_id=org.pk, at=AT)
    ann, bob = make_user(org, username="ann"), make_user(org, username="bob")

    first = queue_next(principal=collector(org, ann), user_id=ann.pk, at=AT)
    second = queue_next(principal=collector(org, bob), user_id=bob.pk, at=AT)
    again = queue_next(principal=collector(org, ann), user_id=ann.pk, at=AT + timedelta(minutes=1))
    after_lock = queue_next(
        principal=collector(org, bob), user_id=bob.pk, at=AT + timedelta(minutes=LOCK_MINUTES + 1)
    )

    assert first == accounts[2].pk  # the largest balance, same probability
    assert second == accounts[1].pk  # Ann holds the first
    assert again == accounts[0].pk  # Ann moved on: her last account is not offered to her again at once
    assert after_lock == accounts[2].pk  # Ann's first lock ran out and Bob released his


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_two_collectors_pressing_next_at_once_never_get_the_same_account(org, make_account, make_user):
    # given four accounts and eight collectors pressing "next account" in the same instant, twice
    for i in range(4):
        make_account(principal=Decimal(1000 + i))
    accounts_score(organization_id=org.pk, at=AT)
    users = [make_user(org, username=f"c{i}") for i in range(8)]
    got: list[int | None] = []
    barrier = threading.Barrier(len(users))

    def press(user):
        try:
            barrier.wait()
            got.append(queue_next(principal=collector(org, user), user_id=user.pk, at=AT))
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=press, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # then: four collectors got the four accounts, each a different one; the others got none
    taken = [a for a in got if a is not None]
    assert len(got) == 8
    assert len(taken) == 4 and len(set(taken)) == 4
