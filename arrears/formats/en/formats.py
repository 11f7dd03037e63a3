"""One date format on every page (Django's `date` filter with DATE_FORMAT / DATETIME_FORMAT, forms):
ISO dates, 24-hour times with the zone's abbreviation, in the organization's time zone where the
request activated it. The same as the workbench's `when` and `day` filters: 2026-03-10 14:00 EDT."""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i T"
TIME_FORMAT = "H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]
FIRST_DAY_OF_WEEK = 1
