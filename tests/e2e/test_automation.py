"""Automation from the shell: strategies load and preview, the nightly run in chunks shared by worker
processes, the experiment report and the schedule, on a committed database."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

from .conftest import Database

TODAY = datetime.now(UTC).date()
STRATEGY = """name = "e2e-calls"
priority = 50
[[segments]]
name = "big"
when = { balance_min = "5000" }
  [[segments.steps]]
  action = "call"
  reason = "large balance"
  [[segments.steps]]
  action = "stop"
"""


def test_load_preview_nightly_and_report(database: Database, tmp_path):
    # given
    path = tmp_path / "calls.toml"
    path.write_text(STRATEGY)
    enrolled = "SELECT count(*) FROM strategies_enrollment"

    # when
    loaded = database.ok("strategies", "load", str(path), "--org", "demo", "--json")
    before = database.value(enrolled)
    preview = database.ok("strategies", "preview", "--date", TODAY.isoformat(), "--org", "demo", "--json")
    after = database.value(enrolled)
    on = (TODAY + timedelta(days=30)).isoformat()
    first = database.ok("nightly", "--date", on, "--org", "demo", "--json")
    second = database.ok("nightly", "--date", on, "--org", "demo", "--json")
    report = database.ok("experiments", "report", "first-contact", "--org", "demo", "--json")
    schedule = database.ok("schedule", "--json")

    # then
    assert loaded.json == {"strategy": "e2e-calls", "version": 1}
    assert preview.json["accounts"] > 0 and before == after
    assert all(set(s) >= {"step", "accounts"} for s in preview.json["steps"])
    assert first.json["date"] == on and first.json["accounts"] > 0 and first.json["messages_queued"] > 0
    assert (second.json["messages_queued"], second.json["ledger_entries"]) == (0, 0)
    arms = report.json["arms"]
    assert [a["name"] for a in arms] == ["champion", "challenger"] and sum(a["accounts"] for a in arms) > 0
    assert all(isinstance(a["collected"], str) for a in arms) and len(report.json["ci95"]) == 2
    jobs = {j["job"]: j for j in schedule.json["jobs"]}
    assert {"outbox-sweep", "nightly:demo", "letters:demo", "prune-tasks"} <= set(jobs)
    assert jobs["nightly:demo"]["next_run"]


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    return output


def test_two_workers_share_the_chunks_each_taken_once(database: Database):
    # given: two workers (without their schedulers, so only this run is in the queue)
    workers = [database.start("worker", ARREARS_SCHEDULER="0") for _ in range(2)]
    on = (TODAY + timedelta(days=60)).isoformat()
    try:
        # when: the run is only started here; the workers do every chunk
        result = database.run(
            "nightly", "--date", on, "--org", "demo", "--chunk-size", "3", "--no-work", "--json"
        )
    finally:
        outputs = [_stop(w) for w in workers]

    # then
    assert result.returncode == 0, f"{result}\n{outputs}"
    assert result.json["runs"][0]["status"] == "completed"
    run_id = database.value(
        "SELECT id FROM payments_nightlyrun WHERE run_on = %s AND status = 'completed'", [on]
    )
    chunks = database.query(
        "SELECT claimed_by, claims, status FROM strategies_nightlychunk WHERE run_id = %s", [run_id]
    )
    assert len(chunks) > 1 and {c[2] for c in chunks} == {"done"}
    assert {c[1] for c in chunks} == {1}  # no chunk was taken twice
    assert all(not c[0].startswith("cli:") for c in chunks)
    assert all("Traceback" not in o for o in outputs), outputs


def test_the_scheduler_in_a_worker_claims_each_period_once(database: Database):
    # given: two workers with their schedulers
    workers = [database.start("worker") for _ in range(2)]
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not database.value(
            "SELECT count(*) FROM strategies_scheduledrun WHERE job = 'outbox-sweep' AND status = 'done'"
        ):
            time.sleep(1)
    finally:
        outputs = [_stop(w) for w in workers]

    # then: each (job, period) has one row, claimed by one worker
    rows = database.query("SELECT job, period, count(*) FROM strategies_scheduledrun GROUP BY job, period")
    assert rows, outputs
    assert {n for _, _, n in rows} == {1}
    assert database.value("SELECT count(*) FROM strategies_scheduledrun WHERE status = 'done'") >= 1, outputs
