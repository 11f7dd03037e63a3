"""`json_text` (orjson, for batch writers) stores what Django's `JSONField` stores (`DjangoJSONEncoder`)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from django.core.serializers.json import DjangoJSONEncoder
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.core.bulk import json_text


class Colour(StrEnum):
    RED = "red"


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),  # wider than 64 bits too
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.dates(),
    st.datetimes(timezones=st.just(UTC)),
    st.times(),
    st.timedeltas(min_value=timedelta(days=-1000), max_value=timedelta(days=1000)),
    st.uuids(),
    st.just(Colour.RED),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=5), st.integers(-5, 5)), inner, max_size=4),
    ),
    max_leaves=12,
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_json_text_reads_back_as_djangos_encoding(value):
    assert json.loads(json_text(value)) == json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def test_the_forms_of_dates_and_amounts_are_djangos():
    value = {
        "at": datetime(2026, 3, 10, 14, 30, 0, 123456, tzinfo=UTC),
        "on": date(2026, 3, 10),
        "time": time(9, 5, 0, 250000),
        "amount": Decimal("12.50"),
        "id": uuid.UUID(int=1),
        1: "int key",
    }
    assert json.loads(json_text(value)) == {
        "at": "2026-03-10T14:30:00.123Z",
        "on": "2026-03-10",
        "time": "09:05:00.250",
        "amount": "12.50",
        "id": "00000000-0000-0000-0000-000000000001",
        "1": "int key",
    }
