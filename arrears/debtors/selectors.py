from __future__ import annotations

from django.db.models import QuerySet

from arrears.core.errors import NotFound
from arrears.tenancy.domain import Principal

from .choices import CandidateStatus
from .errors import MergeProblem
from .models import DebtorMerge, MergeCandidate


def merge_candidate_list(*, actor: Principal, status: str = CandidateStatus.OPEN) -> QuerySet[MergeCandidate]:
    return (
        MergeCandidate.objects.filter(organization_id=actor.organization_id, status=status)
        .select_related("debtor_a", "debtor_b")
        .order_by("-score", "id")
    )


def merge_candidate_get(*, actor: Principal, candidate_id: int) -> MergeCandidate:
    try:
        return MergeCandidate.objects.select_related("debtor_a", "debtor_b").get(
            pk=candidate_id, organization_id=actor.organization_id
        )
    except MergeCandidate.DoesNotExist:
        raise NotFound(MergeProblem.CANDIDATE_NOT_FOUND, f"no merge candidate #{candidate_id}") from None


def debtor_merge_list(*, actor: Principal) -> QuerySet[DebtorMerge]:
    return (
        DebtorMerge.objects.filter(organization_id=actor.organization_id)
        .select_related("kept", "merged")
        .order_by("-merged_at", "-id")
    )
