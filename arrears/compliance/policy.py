"""An organization's own contact policy: limits stricter than the law, never looser. Pure.

The law sets the outer bounds (Reg F: at most 7 calls about a debt in 7 days, 12 CFR
1006.14(b)(2)(i)(A); no contact before 8 a.m. or at or after 9 p.m. local time, 1006.6(b)(1)(i)). An
organization may choose to do less: fewer calls, a narrower window, no calls at weekends or on public
holidays. The state packs' stricter rules (Massachusetts, Washington, …) stay on whatever it chooses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

LAW_CALL_LIMIT = 7  # 12 CFR 1006.14(b)(2)(i)(A)
LAW_EARLIEST = time(8, 0)  # 12 CFR 1006.6(b)(1)(i)
LAW_LATEST = time(21, 0)


@dataclass(frozen=True, slots=True)
class Policy:
    """What the organization allows itself. The defaults are the law's own limits."""

    call_limit: int = LAW_CALL_LIMIT  # calls about a debt within 7 consecutive days
    earliest: time = LAW_EARLIEST  # contact from this local time …
    latest: time = LAW_LATEST  # … to before this one
    weekend_calls: bool = True
    holiday_calls: bool = True

    @property
    def stricter_than_law(self) -> bool:
        return self != DEFAULT_POLICY


DEFAULT_POLICY = Policy()


def policy_problems(*, call_limit: int, earliest: time, latest: time) -> dict[str, str]:
    """Why these limits may not be used, by field: an organization may be stricter than the law, never
    looser (an empty dict: they are fine)."""
    problems: dict[str, str] = {}
    if call_limit < 1:
        problems["call_limit"] = "Allow at least 1 call in 7 days (to stop calling, place a hold)."
    elif call_limit > LAW_CALL_LIMIT:
        problems["call_limit"] = (
            f"Regulation F allows at most {LAW_CALL_LIMIT} calls about a debt in 7 days "
            "(12 CFR 1006.14(b)(2)(i)(A)); choose 7 or fewer."
        )
    if earliest < LAW_EARLIEST:
        problems["earliest"] = (
            "Contact before 8:00 a.m. local time is presumed inconvenient (12 CFR 1006.6(b)(1)(i)); "
            "choose 08:00 or later."
        )
    if latest > LAW_LATEST:
        problems["latest"] = (
            "Contact at or after 9:00 p.m. local time is presumed inconvenient (12 CFR 1006.6(b)(1)(i)); "
            "choose 21:00 or earlier."
        )
    if "earliest" not in problems and "latest" not in problems and latest <= earliest:
        problems["latest"] = "The window must end after it starts."
    return problems
