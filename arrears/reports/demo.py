"""The demo's dashboards: the day's snapshot, so `arrears demo` opens on figures, not an empty page."""

from __future__ import annotations

from datetime import date

from .services import snapshots_take


def demo_reports(*, organization_id: int, today: date) -> None:
    snapshots_take(organization_id=organization_id, as_of=today, skip_if_past=True)
