"""Pages for managers: strategies (edit, preview), experiments (start, report), the schedule and the
nightly runs' progress. Each view parses a form and calls one service or selector."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from arrears.core.errors import ArrearsError
from arrears.payments.services import organization_today
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from . import definitions, scheduler, selectors, services
from .forms import ExperimentForm, PreviewForm, ScheduleForm, StrategyForm

EXAMPLE = Path(__file__).resolve().parent / "example.toml"


@staff_view("manage")
def index(request: HttpRequest, principal: Principal) -> HttpResponse:
    org_id = principal.organization_id
    experiments = [
        selectors.experiment_report(experiment=e) for e in selectors.experiment_list(organization_id=org_id)
    ]
    runs = [
        (run, services.nightly_progress(run_id=run.pk))
        for run in selectors.nightly_runs_recent(organization_id=org_id, limit=5)
    ]
    return render(
        request,
        "strategies/index.html",
        {
            "strategies": selectors.strategy_list(organization_id=org_id),
            "experiments": experiments,
            "runs": runs,
            "blocked": selectors.blocked_steps_recent(organization_id=org_id, limit=10),
        },
    )


@staff_view("manage")
def runs(request: HttpRequest, principal: Principal) -> HttpResponse:
    """The nightly runs and their chunks' progress (polled while one runs)."""
    runs = [
        (run, services.nightly_progress(run_id=run.pk))
        for run in selectors.nightly_runs_recent(organization_id=principal.organization_id, limit=5)
    ]
    return render(request, "strategies/_runs.html", {"runs": runs})


@staff_view("manage")
def edit(request: HttpRequest, principal: Principal, name: str | None = None) -> HttpResponse:
    """Write or change a strategy; saving adds a version. Preview shows what a date's run would do."""
    org_id = principal.organization_id
    strategy = selectors.strategy_get(organization_id=org_id, name=name) if name else None
    latest = selectors.strategy_latest(strategy=strategy) if strategy else None
    source = latest.source if latest else EXAMPLE.read_text(encoding="utf-8")
    organization = organization_get(organization_id=org_id)
    form = StrategyForm(initial={"source": source})
    preview_form = PreviewForm(initial={"date": organization_today(organization).isoformat()})
    preview = None
    status = 200
    if request.method == "POST":
        form = StrategyForm(request.POST)
        if form.is_valid():
            try:
                saved = definitions.strategy_save(
                    organization_id=org_id, source=form.cleaned_data["source"], actor=principal
                )
            except ArrearsError as exc:
                form.add_error("source", exc.message)
                status = 400
            else:
                messages.success(request, f"Saved {saved.strategy.name} version {saved.version}.")
                return redirect("strategies:edit", name=saved.strategy.name)
        else:
            status = 400
    elif "date" in request.GET:
        preview_form = PreviewForm(request.GET)
        if preview_form.is_valid():
            preview = services.strategies_preview_all(
                organization_id=org_id, run_on=preview_form.cleaned_data["date"]
            )
        else:
            status = 400
    return render(
        request,
        "strategies/edit.html",
        {
            "strategy": strategy,
            "latest": latest,
            "versions": selectors.strategy_versions(strategy=strategy) if strategy else [],
            "form": form,
            "preview_form": preview_form,
            "preview": preview,
        },
        status=status,
    )


@staff_view("manage")
def experiment_new(request: HttpRequest, principal: Principal) -> HttpResponse:
    org_id = principal.organization_id
    names = [s["name"] for s in selectors.strategy_list(organization_id=org_id)]
    form = ExperimentForm(request.POST or None, strategies=names)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                experiment = definitions.experiment_start(
                    organization_id=org_id,
                    name=d["name"],
                    arms=[
                        ("champion", d["champion"], 100 - d["challenger_share"]),
                        ("challenger", d["challenger"], d["challenger_share"]),
                    ],
                    actor=principal,
                    today=organization_today(organization_get(organization_id=org_id)),
                )
            except ArrearsError as exc:
                form.add_error("name", exc.message)
                status = 400
            else:
                messages.success(request, f"Experiment {experiment.name} started.")
                return redirect("strategies:experiment", name=experiment.name)
        else:
            status = 400
    return render(request, "strategies/experiment_new.html", {"form": form}, status=status)


@staff_view("manage")
def experiment(request: HttpRequest, principal: Principal, name: str) -> HttpResponse:
    found = selectors.experiment_get(organization_id=principal.organization_id, name=name)
    if request.method == "POST":
        definitions.experiment_stop(
            experiment=found,
            actor=principal,
            today=organization_today(organization_get(organization_id=principal.organization_id)),
        )
        messages.success(request, f"Experiment {found.name} stopped; its accounts stay in their arms.")
        return redirect("strategies:experiment", name=found.name)
    return render(
        request, "strategies/experiment.html", {"report": selectors.experiment_report(experiment=found)}
    )


@staff_view("manage")
def schedule(request: HttpRequest, principal: Principal) -> HttpResponse:
    org_id = principal.organization_id
    form = ScheduleForm(request.POST or None, initial=selectors.schedule_times(organization_id=org_id))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            definitions.schedule_set(
                organization_id=org_id,
                nightly_at=form.cleaned_data["nightly_at"],
                letters_at=form.cleaned_data["letters_at"],
                actor=principal,
            )
            messages.success(request, "Schedule saved.")
            return redirect("strategies:schedule")
        status = 400
    organization = organization_get(organization_id=org_id)
    jobs = [
        j
        for j in scheduler.schedule_read()
        if ":" not in j["job"] or j["job"].split(":", 1)[1] == organization.slug
    ]
    return render(
        request,
        "strategies/schedule.html",
        {"form": form, "jobs": jobs, "organization": organization},
        status=status,
    )
