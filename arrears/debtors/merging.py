"""Merging duplicate debtors, and undoing a merge. The "data cleansing" of the merge review list.

A merge moves every row that points at the merged debtor (account links, contact points, consents,
contact attempts, address keys: any foreign key to Debtor, found by introspection so later apps are
covered) to the kept debtor, and marks the merged debtor `merged_into` the kept one. Rows that cannot
move because the kept debtor already has an equal one (the same phone, the same account) stay where
they are, so nothing is lost. The merge records every row it moved, which is what `debtor_unmerge`
moves back.

Debtors sits below the apps whose rows point at a debtor, so it cannot call their services. An app whose
links it must move itself (accounts: an account's debtors are its own table) registers them here from
its `AppConfig.ready` with `debtor_links_register`; the merge then moves those rows through that app's
service. A foreign key no app registered moves by a plain update of that one column.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import IntegrityError, models, transaction

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.tenancy.domain import Principal

from .choices import CandidateStatus
from .errors import MergeProblem
from .models import Debtor, DebtorMerge, MergeCandidate

# Foreign keys to Debtor that are history about debtors, not things a debtor owns.
_NOT_MOVED = {
    (Debtor, "merged_into"),
    (DebtorMerge, "kept"),
    (DebtorMerge, "merged"),
    (MergeCandidate, "debtor_a"),
    (MergeCandidate, "debtor_b"),
}


@dataclass(frozen=True, slots=True)
class DebtorLinks:
    """How the app that owns a foreign key to Debtor moves those rows in a merge, and back in an unmerge.

    `reassign(*, organization_id, from_debtor_id, to_debtor_id) -> list[int]` moves the rows of one debtor
    to another, leaving any the other already has an equal of, and returns the ids it moved.
    `restore(*, ids, from_debtor_id, to_debtor_id) -> None` moves exactly those rows back.
    """

    reassign: Callable[..., list[int]]
    restore: Callable[..., None]


_REGISTERED: dict[str, DebtorLinks] = {}


def debtor_links_register(
    *, key: str, reassign: Callable[..., list[int]], restore: Callable[..., None]
) -> None:
    """Let the app that owns `key` ("app_label.Model.field", a foreign key to Debtor) move those rows."""
    label, _, field_name = key.rpartition(".")
    try:
        field = apps.get_model(label)._meta.get_field(field_name)
    except (LookupError, ValueError, FieldDoesNotExist) as exc:
        raise ImproperlyConfigured(f"debtor links {key!r}: no such model field") from exc
    if not isinstance(field, models.ForeignKey) or field.related_model is not Debtor:
        raise ImproperlyConfigured(f"debtor links {key!r}: not a foreign key to Debtor")
    _REGISTERED[key] = DebtorLinks(reassign=reassign, restore=restore)


def debtor_links_registered() -> frozenset[str]:
    return frozenset(_REGISTERED)


def _key(model: type[models.Model], field: models.ForeignKey) -> str:
    return f"{model._meta.label}.{field.name}"


def _column_reassign(
    model: type[models.Model], field: models.ForeignKey, *, from_debtor_id: int, to_debtor_id: int
) -> list[int]:
    """A foreign key no app registered: move its rows one by one, leaving those kept has an equal of."""
    ids = list(
        model._base_manager.filter(**{field.attname: from_debtor_id})
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = []
    for pk in ids:
        try:
            with transaction.atomic():
                model._base_manager.filter(pk=pk).update(**{field.attname: to_debtor_id})
        except IntegrityError:
            continue  # kept has an equal row already (the same contact point, say): this one stays
        done.append(pk)
    return done


def debtor_relations() -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every (model, foreign key) that points at a debtor and moves in a merge."""
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if (
                isinstance(field, models.ForeignKey)
                and field.related_model is Debtor
                and (model, field.name) not in _NOT_MOVED
            ):
                found.append((model, field))
    return found


def debtor_get(*, actor: Principal, debtor_id: int) -> Debtor:
    try:
        return Debtor.objects.get(pk=debtor_id, organization_id=actor.organization_id)
    except Debtor.DoesNotExist:
        raise NotFound(MergeProblem.NOT_FOUND, f"no debtor #{debtor_id}") from None


@transaction.atomic
def debtor_merge(*, kept: Debtor, merged: Debtor, actor: Principal) -> DebtorMerge:
    """Fold `merged` into `kept`; every account, contact point, attempt and consent ends up with `kept`."""
    if kept.pk == merged.pk:
        raise ArrearsError(MergeProblem.SAME_DEBTOR, "a debtor cannot be merged into itself")
    locked = {d.pk: d for d in Debtor.objects.select_for_update().filter(pk__in=[kept.pk, merged.pk])}
    kept, merged = locked[kept.pk], locked[merged.pk]
    if {kept.organization_id, merged.organization_id} != {actor.organization_id}:
        raise NotFound(MergeProblem.NOT_FOUND, "no such debtor")
    for debtor in (kept, merged):
        if debtor.merged_into_id is not None:
            raise Conflict(
                MergeProblem.ALREADY_MERGED, f"debtor #{debtor.pk} was merged into #{debtor.merged_into_id}"
            )
    moved: dict[str, list[int]] = {}
    for model, field in debtor_relations():
        key = _key(model, field)
        if links := _REGISTERED.get(key):
            done = links.reassign(
                organization_id=kept.organization_id, from_debtor_id=merged.pk, to_debtor_id=kept.pk
            )
        else:
            done = _column_reassign(model, field, from_debtor_id=merged.pk, to_debtor_id=kept.pk)
        if done:
            moved[key] = done
    merged.merged_into = kept
    merged.save(update_fields=["merged_into", "updated_at"])
    record = DebtorMerge.objects.create(
        organization_id=kept.organization_id,
        kept=kept,
        merged=merged,
        moved=moved,
        actor_label=actor.label,
        merged_at=utcnow(),
    )
    MergeCandidate.objects.filter(
        models.Q(debtor_a=kept, debtor_b=merged) | models.Q(debtor_a=merged, debtor_b=kept),
        status=CandidateStatus.OPEN,
    ).update(status=CandidateStatus.MERGED, merge=record, decided_by=actor.label, decided_at=record.merged_at)
    audit_record(
        actor=actor,
        event=Event.DEBTOR_MERGED,
        subject_type="debtor",
        subject_id=kept.pk,
        data={"merge": record.pk, "merged": merged.pk, "moved": {k: len(v) for k, v in moved.items()}},
    )
    return record


@transaction.atomic
def debtor_unmerge(*, merge: DebtorMerge, actor: Principal) -> DebtorMerge:
    """Undo a merge: every moved row goes back, and the merged debtor stands on its own again."""
    merge = DebtorMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.organization_id != actor.organization_id:
        raise NotFound(MergeProblem.NOT_FOUND, "no such merge")
    if merge.undone_at is not None:
        raise Conflict(MergeProblem.ALREADY_UNDONE, f"merge #{merge.pk} was undone already")
    for key, ids in merge.moved.items():
        if links := _REGISTERED.get(key):
            links.restore(ids=ids, from_debtor_id=merge.kept_id, to_debtor_id=merge.merged_id)
            continue
        label, field_name = key.rsplit(".", 1)
        model = apps.get_model(label)
        attname = model._meta.get_field(field_name).attname
        model._base_manager.filter(pk__in=ids, **{attname: merge.kept_id}).update(
            **{attname: merge.merged_id}
        )
    Debtor.objects.filter(pk=merge.merged_id).update(merged_into=None, updated_at=utcnow())
    merge.undone_at = utcnow()
    merge.undone_by = actor.label
    merge.save(update_fields=["undone_at", "undone_by"])
    MergeCandidate.objects.filter(merge=merge).update(
        status=CandidateStatus.OPEN, merge=None, decided_by="", decided_at=None
    )
    audit_record(
        actor=actor,
        event=Event.DEBTOR_UNMERGED,
        subject_type="debtor",
        subject_id=merge.kept_id,
        data={"merge": merge.pk, "merged": merge.merged_id},
    )
    return merge


def debtor_merge_get(*, actor: Principal, merge_id: int) -> DebtorMerge:
    try:
        return DebtorMerge.objects.get(pk=merge_id, organization_id=actor.organization_id)
    except DebtorMerge.DoesNotExist:
        raise NotFound(MergeProblem.NOT_FOUND, f"no merge #{merge_id}") from None


@transaction.atomic
def merge_candidate_decide(*, candidate: MergeCandidate, merge: bool, actor: Principal) -> MergeCandidate:
    """A reviewer's decision: merge the pair (the older debtor is kept) or dismiss it."""
    candidate = MergeCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.organization_id != actor.organization_id:
        raise NotFound(MergeProblem.CANDIDATE_NOT_FOUND, "no such merge candidate")
    if candidate.status != CandidateStatus.OPEN:
        raise Conflict(MergeProblem.ALREADY_DECIDED, "this pair was decided already")
    if merge:
        kept, merged = sorted((candidate.debtor_a, candidate.debtor_b), key=lambda d: d.pk)
        debtor_merge(kept=kept, merged=merged, actor=actor)
        candidate.refresh_from_db()
        return candidate
    candidate.status = CandidateStatus.DISMISSED
    candidate.decided_by = actor.label
    candidate.decided_at = utcnow()
    candidate.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        event=Event.DEBTOR_MERGE_DISMISSED,
        subject_type="debtor",
        subject_id=candidate.debtor_a_id,
        data={"candidate": candidate.pk, "other": candidate.debtor_b_id},
    )
    return candidate
