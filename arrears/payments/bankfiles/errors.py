"""The one error type of the bank-file layer: where in the file, which field, what is wrong."""

from __future__ import annotations


class BankFileError(ValueError):
    """A bank file could not be read, or a record in it is wrong.

    ``line`` is 1-based (a physical line, or for NACHA the 94-character record number), ``field`` names
    the column or element (``"amount"``, ``"Ntry/Amt"``, ``"TRNAMT"``), and ``message`` says what is wrong.
    Either location may be ``None`` when the fault belongs to the whole file.
    """

    def __init__(self, line: int | None, field: str | None, message: str) -> None:
        self.line = line
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.field:
            where.append(self.field)
        return f"{', '.join(where)}: {self.message}" if where else self.message

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (self.line, self.field, self.message))
