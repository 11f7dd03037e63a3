from django.db import models


class JobStatus(models.TextChoices):
    PENDING = "pending", "Waiting to start"
    VALIDATING = "validating", "Checking rows"
    WRITING = "writing", "Writing"
    COMPLETED = "completed", "Completed"
    REJECTED = "rejected", "Rejected: invalid rows, nothing written"
    DRY_RUN = "dry_run", "Dry run: nothing written"
    FAILED = "failed", "Failed: file unusable"


class FileFormat(models.TextChoices):
    AUTO = "auto", "Detect (CSV or XLSX)"
    CSV = "csv", "Canonical CSV"
    XLSX = "xlsx", "Excel workbook (XLSX)"
    QUICKBOOKS = "quickbooks", "QuickBooks Online export"
    XERO = "xero", "Xero export"
    SAGE = "sage", "Sage 50 export"


class DateOrder(models.TextChoices):
    MDY = "mdy", "Month/day/year"
    DMY = "dmy", "Day/month/year"
    YMD = "ymd", "Year/month/day"
