from django.contrib import admin, messages

from arrears.core.errors import ArrearsError
from arrears.tenancy.domain import Principal, system_principal
from arrears.tenancy.scoped_admin import ReadOnlyAdmin, ReadOnlyTabularInline
from arrears.tenancy.selectors import principal_for_user

from .errors import MergeProblem
from .merging import debtor_unmerge, merge_candidate_decide
from .models import ConsentRecord, ContactPoint, Debtor, DebtorMerge, MergeCandidate


def _actor(request, organization_id: int) -> Principal:
    principal = principal_for_user(user=request.user, organization_id=organization_id)
    if principal is None and request.user.is_superuser:
        return system_principal(organization_id, f"admin:{request.user.get_username()}")
    if principal is None or not principal.can("manage"):
        raise ArrearsError(MergeProblem.FORBIDDEN, "you may not merge debtors in this organization")
    return principal


class ContactPointInline(ReadOnlyTabularInline):
    model = ContactPoint
    fields = ("kind", "label", "value", "status", "is_primary")
    readonly_fields = fields


# Debtors and their contact points change through debtors.services (audited, and the compliance gate reads
# opt-outs and consent from them): the admin shows them and never edits them.
@admin.register(Debtor)
class DebtorAdmin(ReadOnlyAdmin):
    list_display = ("id", "__str__", "kind", "date_of_birth", "national_id_masked", "organization")
    search_fields = ("name_key", "ref", "last_name", "company_name")
    # The national id is shown masked only; revealing it goes through an audited service.
    exclude = ("national_id_encrypted", "national_id_hash")
    readonly_fields = ("national_id_masked", "merged_into")
    inlines = [ContactPointInline]


@admin.register(ContactPoint)
class ContactPointAdmin(ReadOnlyAdmin):
    list_display = ("value", "kind", "label", "status", "debtor")
    list_filter = ("kind", "status")
    search_fields = ("value", "postal_code")
    raw_id_fields = ("debtor",)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("debtor", "channel", "kind", "granted", "recorded_at", "source")
    list_filter = ("channel", "kind", "granted")


@admin.register(MergeCandidate)
class MergeCandidateAdmin(ReadOnlyAdmin):
    """Shown read-only; its actions decide a pair through debtors.merging (audited)."""

    list_display = ("id", "debtor_a", "debtor_b", "score", "reason", "status")
    list_filter = ("status",)
    raw_id_fields = ("debtor_a", "debtor_b", "merge")
    actions = ["merge_pairs", "dismiss_pairs"]

    def _decide(self, request, queryset, merge: bool) -> None:
        for candidate in queryset:
            try:
                merge_candidate_decide(
                    candidate=candidate, merge=merge, actor=_actor(request, candidate.organization_id)
                )
            except ArrearsError as exc:
                self.message_user(request, f"#{candidate.pk}: {exc.message}", messages.ERROR)

    @admin.action(description="Merge the pair (the older debtor is kept)")
    def merge_pairs(self, request, queryset):
        self._decide(request, queryset, merge=True)

    @admin.action(description="Not the same debtor: dismiss")
    def dismiss_pairs(self, request, queryset):
        self._decide(request, queryset, merge=False)


@admin.register(DebtorMerge)
class DebtorMergeAdmin(ReadOnlyAdmin):
    list_display = ("id", "kept", "merged", "merged_at", "undone_at", "actor_label")
    actions = ["undo"]

    @admin.action(description="Undo the merge")
    def undo(self, request, queryset):
        for record in queryset:
            try:
                debtor_unmerge(merge=record, actor=_actor(request, record.organization_id))
            except ArrearsError as exc:
                self.message_user(request, f"#{record.pk}: {exc.message}", messages.ERROR)
