"""Small server-rendered SVG charts for the model report and the forecast (no JavaScript, no CDN;
the same markup prints in the PDF). Pure functions of their numbers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

W, H, PAD = 560, 300, 44


def _x(v: float, lo: float, hi: float) -> float:
    return PAD + (v - lo) / ((hi - lo) or 1) * (W - 2 * PAD)


def _y(v: float, lo: float, hi: float) -> float:
    return H - PAD - (v - lo) / ((hi - lo) or 1) * (H - 2 * PAD)


def _frame(title: str, body: str, x_label: str, y_label: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>"
        f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#667085"/>'
        f'<line x1="{PAD}" y1="{PAD}" x2="{PAD}" y2="{H - PAD}" stroke="#667085"/>'
        f'<text x="{W / 2}" y="{H - 8}" text-anchor="middle" fill="#475467">{escape(x_label)}</text>'
        f'<text x="12" y="{H / 2}" text-anchor="middle" fill="#475467" transform="rotate(-90 12 {H / 2})">'
        f"{escape(y_label)}</text>{body}</svg>"
    )


def _ticks(lo: float, hi: float, *, axis: str, fmt: str = "{:.0%}", n: int = 5) -> str:
    out = []
    for i in range(n + 1):
        v = lo + (hi - lo) * i / n
        label = escape(fmt.format(v))
        if axis == "x":
            x = _x(v, lo, hi)
            out.append(
                f'<text x="{x:.1f}" y="{H - PAD + 14}" text-anchor="middle" fill="#667085">{label}</text>'
            )
        else:
            y = _y(v, lo, hi)
            out.append(
                f'<line x1="{PAD}" y1="{y:.1f}" x2="{W - PAD}" y2="{y:.1f}" stroke="#eaecf0"/>'
                f'<text x="{PAD - 4}" y="{y + 4:.1f}" text-anchor="end" fill="#667085">{label}</text>'
            )
    return "".join(out)


def calibration_svg(bins: Sequence[dict[str, float]]) -> str:
    """Predicted against observed rate per group: on the diagonal when the probabilities are right."""
    hi = max([0.1, *(b["predicted"] for b in bins), *(b["observed"] for b in bins)])
    hi = min(1.0, round(hi + 0.05, 1))
    dots = []
    for b in bins:
        cx, cy = _x(b["predicted"], 0, hi), _y(b["observed"], 0, hi)
        tip = f"predicted {b['predicted']:.1%}, observed {b['observed']:.1%} ({int(b['n'])} accounts)"
        dots.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#2563eb"><title>{tip}</title></circle>')
    x0, y0, x1, y1 = _x(0, 0, hi), _y(0, 0, hi), _x(hi, 0, hi), _y(hi, 0, hi)
    diagonal = f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#98a2b3" stroke-dasharray="4 4"/>'
    body = _ticks(0, hi, axis="x") + _ticks(0, hi, axis="y") + diagonal + "".join(dots)
    return _frame(
        "Calibration: predicted against observed", body, "predicted probability", "observed share paid"
    )


def capture_svg(curve: Sequence[Sequence[float]], heuristic: Sequence[Sequence[float]] | None = None) -> str:
    """Share of the money collected against share of accounts worked, best first."""

    def line(points: Sequence[Sequence[float]], color: str, dash: str = "") -> str:
        path = " ".join(f"{_x(x, 0, 1):.1f},{_y(y, 0, 1):.1f}" for x, y in points)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        return f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{extra}/>'

    body = _ticks(0, 1, axis="x") + _ticks(0, 1, axis="y") + line([(0, 0), (1, 1)], "#98a2b3", "4 4")
    if heuristic:
        body += line(heuristic, "#f79009", "6 3")
    body += line(curve, "#2563eb")
    return _frame("Capture curve", body, "share of accounts, best first", "share of money collected")


def forecast_svg(
    weeks: Sequence[tuple[str, float, float, float]], actual: Sequence[float] | None = None
) -> str:
    """Expected collections per week with the 90% range shaded (and what came in, for a back-test)."""
    if not weeks:
        return _frame("Forecast", "", "week", "expected")
    n = len(weeks)
    hi = max([1.0, *(w[3] for w in weeks), *(actual or [])]) * 1.1

    def x(i: int) -> float:
        return _x(i, 0, max(n - 1, 1))

    band = " ".join(f"{x(i):.1f},{_y(w[3], 0, hi):.1f}" for i, w in enumerate(weeks))
    band += " " + " ".join(f"{x(i):.1f},{_y(w[2], 0, hi):.1f}" for i, w in reversed(list(enumerate(weeks))))
    mid = " ".join(f"{x(i):.1f},{_y(w[1], 0, hi):.1f}" for i, w in enumerate(weeks))
    body = _ticks(0, hi, axis="y", fmt="{:,.0f}")
    body += f'<polygon points="{band}" fill="#bfdbfe" opacity=".7"/>'
    body += f'<polyline points="{mid}" fill="none" stroke="#2563eb" stroke-width="2"/>'
    if actual:
        pts = " ".join(f"{x(i):.1f},{_y(a, 0, hi):.1f}" for i, a in enumerate(actual))
        body += (
            f'<polyline points="{pts}" fill="none" stroke="#039855" stroke-width="2" stroke-dasharray="5 3"/>'
        )
    for i, w in enumerate(weeks):
        if i % 2 == 0:
            label = escape(w[0][5:])
            body += (
                f'<text x="{x(i):.1f}" y="{H - PAD + 14}" text-anchor="middle" fill="#667085">{label}</text>'
            )
    return _frame("Expected collections per week", body, "week starting", "amount")
