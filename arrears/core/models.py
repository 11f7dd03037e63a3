"""Base models shared by every app."""

from django.db import models


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class OrgScoped(models.Model):
    """Every domain row belongs to an organization (DESIGN: tenancy; also the Citus distribution key)."""

    organization = models.ForeignKey("tenancy.Organization", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True


def money_field(**kwargs) -> models.DecimalField:
    """Amounts are stored with 4 places so that any ISO 4217 currency fits; `core.money.quantize` rounds."""
    return models.DecimalField(max_digits=19, decimal_places=4, **kwargs)


class AppendOnlyError(RuntimeError):
    pass


class AppendOnly(models.Model):
    """Rows that are written once. Corrections are new rows (reversals), never edits."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
