"""Server-rendered SVG charts: geometry computed here, drawn by templates (no script, CSP-safe)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: Decimal | float | int
    shown: str
    href: str
    x: float
    y: float
    width: float
    height: float
    label_x: float


def bars(
    rows: Sequence[tuple[str, Decimal | float | int, str, str]], *, width: int = 560, height: int = 180
) -> list[Bar]:
    """Vertical bars for (label, value, shown value, drill-down link), scaled to the largest value."""
    if not rows:
        return []
    top = max((float(v) for _, v, _, _ in rows), default=0.0) or 1.0
    slot = width / len(rows)
    bar_w = slot * 0.7
    out = []
    for i, (label, value, shown, href) in enumerate(rows):
        h = max(0.0, float(value)) / top * (height - 30)
        x = i * slot + (slot - bar_w) / 2
        out.append(
            Bar(
                label,
                value,
                shown,
                href,
                round(x, 1),
                round(height - 20 - h, 1),
                round(bar_w, 1),
                round(h, 1),
                round(x + bar_w / 2, 1),
            )
        )
    return out
