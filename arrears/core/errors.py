"""Base error type: every domain error carries a stable code that the API and CLI both show."""

from __future__ import annotations

from enum import StrEnum


class ArrearsError(Exception):
    """An expected, user-facing failure with a stable code."""

    status = 400

    def __init__(self, code: StrEnum | str, message: str, **details: object) -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, **self.details}


class NotFound(ArrearsError):
    status = 404


class PermissionDenied(ArrearsError):
    status = 403


class Conflict(ArrearsError):
    status = 409
