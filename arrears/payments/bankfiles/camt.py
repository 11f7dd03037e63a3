"""ISO 20022 bank-to-customer cash management: camt.053 statements and camt.054 notifications.

Parsing is namespace-agnostic (the tag's namespace is dropped as it is read), so .001.02, .001.04, .001.08
and any later version read alike; the version only decides where an element lives when it moved (the
transaction amount is ``TxDtls/Amt`` from .04 on and ``TxDtls/AmtDtls/TxAmt/Amt`` before; a party's name
is ``Dbtr/Pty/Nm`` from .08 on and ``Dbtr/Nm`` before). camt.052 account reports read the same way.

The file is fed in 64 KiB chunks to defusedxml's parser, so a DTD cannot declare entities or reach
outside the file. Each ``Ntry`` is turned into transactions as soon as its end tag is read and is then
removed from the tree, so no XML is kept however many entries a statement holds (``iter_transactions``);
what grows is one short id per transaction, kept to tell repeated bank references apart.

A batch booking (one ``Ntry`` with several ``TxDtls``) becomes one transaction per ``TxDtls`` when every
detail carries an amount in the entry's currency and those amounts add up to the entry; the reference that
ties them together is the entry's. Otherwise the entry stays one transaction, since that is what moved on
the account, and it carries the references of all its details.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import BinaryIO, cast
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, tostring

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException

from ._common import clean, is_digits, parse_currency, parse_decimal, parse_iso_date, parse_iso_datetime
from .errors import BankFileError
from .model import (
    Balance,
    BankStatement,
    BankTransaction,
    Direction,
    IdRegistry,
    IdSource,
    TransactionStatus,
    derive_transaction_id,
    first_balance,
    to_utc,
)

_MESSAGES = {"BkToCstmrStmt": "camt053", "BkToCstmrDbtCdtNtfctn": "camt054", "BkToCstmrAcctRpt": "camt052"}
_REPORTS = {"Stmt", "Ntfctn", "Rpt"}
_STATUS = {
    "BOOK": TransactionStatus.BOOKED,
    "PDNG": TransactionStatus.PENDING,
    "FUTR": TransactionStatus.PENDING,
    "INFO": TransactionStatus.INFO,
}
_OPENING = ("OPBD", "PRCD", "OPAV")
_CLOSING = ("CLBD", "CLAV", "ITBD", "ITAV")
_NOT_PROVIDED = {"NOTPROVIDED", "NOT PROVIDED"}
_CHUNK = 64 * 1024


_MESSAGE_TAG = re.compile(rb"<(?:[\w.-]+:)?(BkToCstmrStmt|BkToCstmrDbtCdtNtfctn|BkToCstmrAcctRpt)[\s>/]")
_NAMESPACE = re.compile(rb"xmlns(?::[\w.-]+)?\s*=\s*[\"'][^\"']*camt\.(05[234])")


def detect(data: bytes) -> str | None:
    """``camt053``/``camt054``/``camt052`` from the message element (or failing that the namespace)."""
    head = data[:65536]
    found = _MESSAGE_TAG.search(head)
    if found:
        return _MESSAGES[found.group(1).decode()]
    namespace = _NAMESPACE.search(head)
    return f"camt{namespace.group(1).decode()}" if namespace else None


def parse(source: bytes | BinaryIO) -> tuple[BankStatement, ...]:
    """Every statement (or notification) in the file, with its transactions."""
    return tuple(item for item in _read(source, collect=True) if isinstance(item, BankStatement))


def iter_transactions(source: bytes | BinaryIO) -> Iterator[tuple[BankStatement, BankTransaction]]:
    """Stream ``(statement header, transaction)`` pairs in bounded memory.

    The header carries the account, currency and balances (which the schema places before the entries)
    but no transactions. Use this for large files; ``parse`` keeps everything.
    """
    for item in _read(source, collect=False):
        if isinstance(item, tuple):
            yield item


@dataclass
class _Report:
    """One Stmt/Ntfctn/Rpt being read."""

    element: Element
    line: int
    registry: IdRegistry = field(default_factory=IdRegistry)
    header: BankStatement | None = None
    transactions: list[BankTransaction] = field(default_factory=list)
    entries: int = 0
    credits: Decimal = Decimal(0)
    debits: Decimal = Decimal(0)


_Item = BankStatement | tuple[BankStatement, BankTransaction]


class _Reader(DefusedET.DefusedXMLParser):  # type: ignore[misc]
    """defusedxml's parser, with its element callbacks replaced: tags lose their namespace as they are
    read, and each ``Ntry`` is turned into transactions the moment its end tag is read, then dropped.

    Working inside the callbacks (rather than on iterparse's queued events) means the expat position is
    that of the element at hand, so errors name the entry's line and ``raw`` is the entry's own bytes; it
    also saves a Python call per element, which is most of the cost of a large file.
    """

    def __init__(self, data: bytes | None, *, collect: bool) -> None:
        builder = TreeBuilder()
        super().__init__(target=builder, forbid_dtd=False, forbid_entities=True, forbid_external=True)
        self._build_start = builder.start
        self._build_end = builder.end
        # the input itself, or for a stream the bytes read and not yet released
        self.source: bytes | bytearray = data if data is not None else bytearray()
        self.source_offset = 0  # file offset of source[0]
        self.in_entry = False
        self.collect = collect
        self.namespace: str | None = None
        self.message: str | None = None
        self.depth = 0
        self.group: dict[str, str | None] = {}
        self.report: _Report | None = None
        self.lines: dict[int, int] = {}
        self.entry_start = 0
        self.out: list[_Item] = []

    def _start(self, tag: str, attr_list: list[str]) -> Element:
        namespace, _, local = tag.rpartition("}")
        attrib = (
            {attr_list[i].rpartition("}")[2]: attr_list[i + 1] for i in range(0, len(attr_list), 2)}
            if attr_list
            else {}
        )
        element = self._build_start(local, attrib)
        self.depth += 1
        if local == "Ntry":
            self.lines[id(element)] = self.parser.CurrentLineNumber
            self.entry_start = self.parser.CurrentByteIndex
            self.in_entry = True
        elif local == "TxDtls":
            self.lines[id(element)] = self.parser.CurrentLineNumber
        elif self.depth == 1:
            self.namespace = namespace
            if local != "Document":
                raise BankFileError(1, local, "not an ISO 20022 camt document (root is not Document)")
        elif self.depth == 2:
            self.message = local
            _kind(self.namespace, local)
        elif self.depth == 3 and local in _REPORTS:
            self.report = _Report(element=element, line=self.parser.CurrentLineNumber)
        return element

    def _end(self, tag: str) -> Element:
        local = tag.rpartition("}")[2]
        depth = self.depth
        self.depth -= 1
        if local == "Ntry" and depth == 4 and self.report is not None:
            entry_end = self.parser.CurrentByteIndex
            element = self._build_end(local)
            self._entry_done(element, entry_end)
            return element
        element = self._build_end(local)
        if depth == 3 and local in _REPORTS and self.report is not None:
            self._report_done(self.report)
        elif depth == 3 and local == "GrpHdr":
            self.group = _group_header(element)
        return element

    def _raw(self, start: int, end: int, element: Element) -> str:
        """The entry as the bank wrote it, sliced from the input (re-serialised only if unavailable)."""
        first, last = start - self.source_offset, end - self.source_offset
        if 0 <= first < last:
            close = self.source.find(b">", last)
            if close != -1:
                return self.source[first : close + 1].decode("utf-8", errors="replace")
        return tostring(element, encoding="unicode")

    def release(self) -> None:
        """Forget the streamed bytes no entry can need again (all of them, or those before an open entry)."""
        keep_from = self.entry_start if self.in_entry else self.source_offset + len(self.source)
        drop = keep_from - self.source_offset
        if drop > 0 and isinstance(self.source, bytearray):
            del self.source[:drop]
            self.source_offset += drop

    @property
    def kind(self) -> str:
        return _kind(self.namespace, self.message or "")

    def _entry_done(self, element: Element, entry_end: int) -> None:
        report = self.report
        assert report is not None
        if report.header is None:
            report.header = _header(report, self.kind, self.group, first_entry=element)
        line = self.lines.pop(id(element), None)
        self.in_entry = False
        raw = self._raw(self.entry_start, entry_end, element)
        entry = _entry(element, report.header, report.registry, line, self.lines, raw)
        report.entries += 1
        total = sum((t.amount for t in entry), Decimal(0))
        if entry[0].direction is Direction.CREDIT:
            report.credits += total
        else:
            report.debits += total
        if self.collect:
            report.transactions.extend(entry)
        else:
            self.out.extend((report.header, transaction) for transaction in entry)
        report.element.remove(element)

    def _report_done(self, report: _Report) -> None:
        header = report.header or _header(report, self.kind, self.group, first_entry=None)
        self.out.append(
            replace(header, transactions=tuple(report.transactions), warnings=_check_summary(report))
        )
        report.element.clear()
        self.report = None


def _read(source: bytes | BinaryIO, *, collect: bool) -> Iterator[_Item]:
    """Feed the file to defusedxml's parser in chunks (as iterparse does) and hand out what each chunk
    completed; the DTD may not declare entities, and external references are refused."""
    data = bytes(source) if isinstance(source, bytes | bytearray) else None
    stream: BinaryIO = io.BytesIO(data) if data is not None else cast(BinaryIO, source)
    parser = reader = _Reader(data, collect=collect)
    try:
        while chunk := stream.read(_CHUNK):
            if isinstance(parser.source, bytearray):
                parser.source += chunk
            parser.feed(chunk)
            if isinstance(parser.source, bytearray):
                parser.release()
            if reader.out:
                done, reader.out = reader.out, []
                yield from done
        parser.close()
    except ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        raise BankFileError(line, f"column {column}", f"malformed XML: {exc.msg}") from exc
    except DefusedXmlException as exc:
        raise BankFileError(None, None, f"unsafe XML refused: {exc}") from exc
    except LookupError as exc:  # the XML declaration names an encoding Python does not know
        raise BankFileError(1, "encoding", f"unknown XML encoding: {exc}") from exc
    yield from reader.out
    if reader.message is None:
        raise BankFileError(None, None, "no camt message found in the document")


def _kind(namespace: str | None, message: str) -> str:
    if message not in _MESSAGES:
        raise BankFileError(None, f"Document/{message}", "not a camt.052/053/054 message")
    for marker, kind in (("camt.053", "camt053"), ("camt.054", "camt054"), ("camt.052", "camt052")):
        if namespace and marker in namespace:
            return kind
    return _MESSAGES[message]


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _group_header(element: Element) -> dict[str, str | None]:
    return {
        "message_id": _text(element, "MsgId"),
        "created": _text(element, "CreDtTm"),
        "page": _text(element, "MsgPgntn/PgNb"),
        "last": _text(element, "MsgPgntn/LastPgInd"),
    }


def _header(
    report: _Report, kind: str, group: dict[str, str | None], *, first_entry: Element | None
) -> BankStatement:
    stmt = report.element
    line = report.line
    iban = _text(stmt, "Acct/Id/IBAN")
    account_id = iban or _text(stmt, "Acct/Id/Othr/Id")
    if account_id is None:
        raise BankFileError(line, "Stmt/Acct/Id", "the statement names no account")
    balances = tuple(_balance(b, line) for b in stmt.findall("Bal"))
    currency_text = _text(stmt, "Acct/Ccy")
    if currency_text is None and first_entry is not None:
        amount = first_entry.find("Amt")
        currency_text = amount.get("Ccy") if amount is not None else None
    if currency_text is None and balances:
        currency_text = balances[0].currency
    currency = parse_currency(currency_text, line=line, field="Stmt/Acct/Ccy") if currency_text else "XXX"
    page = _text(stmt, "StmtPgntn/PgNb") or _text(stmt, "NtfctnPgntn/PgNb") or group.get("page")
    last = _text(stmt, "StmtPgntn/LastPgInd") or _text(stmt, "NtfctnPgntn/LastPgInd") or group.get("last")
    created = _text(stmt, "CreDtTm") or group.get("created")
    start = _text(stmt, "FrToDt/FrDtTm")
    end = _text(stmt, "FrToDt/ToDtTm")
    return BankStatement(
        format=kind,
        account_id=account_id,
        currency=currency,
        iban=iban,
        bank_id=_text(stmt, "Acct/Svcr/FinInstnId/BIC") or _text(stmt, "Acct/Svcr/FinInstnId/BICFI"),
        statement_id=_text(stmt, "Id"),
        message_id=group.get("message_id"),
        sequence_number=_text(stmt, "ElctrncSeqNb") or _text(stmt, "LglSeqNb"),
        created_at=to_utc(parse_iso_datetime(created, line=line, field="CreDtTm")) if created else None,
        period_start=to_utc(parse_iso_datetime(start, line=line, field="FrToDt/FrDtTm")) if start else None,
        period_end=to_utc(parse_iso_datetime(end, line=line, field="FrToDt/ToDtTm")) if end else None,
        opening_balance=first_balance(balances, _OPENING),
        closing_balance=first_balance(balances, _CLOSING),
        balances=balances,
        page_number=int(page) if page and is_digits(page) else None,
        last_page=(last.lower() == "true") if last else None,
        owner_name=clean(_text(stmt, "Acct/Ownr/Nm") or _text(stmt, "Acct/Ownr/Pty/Nm")),
    )


def _balance(element: Element, line: int) -> Balance:
    kind = _text(element, "Tp/CdOrPrtry/Cd") or _text(element, "Tp/CdOrPrtry/Prtry") or "UNKNOWN"
    amount_element = element.find("Amt")
    if amount_element is None:
        raise BankFileError(line, f"Bal[{kind}]/Amt", "balance without an amount")
    amount = parse_decimal(amount_element.text, line=line, field=f"Bal[{kind}]/Amt")
    currency = parse_currency(amount_element.get("Ccy"), line=line, field=f"Bal[{kind}]/Amt/@Ccy")
    sign = _direction(_text(element, "CdtDbtInd"), line, f"Bal[{kind}]/CdtDbtInd")
    day = _text(element, "Dt/Dt") or _text(element, "Dt/DtTm")
    return Balance(
        kind=kind,
        amount=amount if sign is Direction.CREDIT else -amount,
        currency=currency,
        date=parse_iso_date(day, line=line, field=f"Bal[{kind}]/Dt") if day else None,
    )


def _direction(text: str | None, line: int | None, field: str) -> Direction:
    if text == "CRDT":
        return Direction.CREDIT
    if text == "DBIT":
        return Direction.DEBIT
    raise BankFileError(line, field, f"credit/debit indicator must be CRDT or DBIT, not {text!r}")


class _Index:
    """Every element under a node by its relative path, built in one walk: an entry is read with a
    dozen look-ups, and ElementPath's ``find`` per look-up costs more than the whole walk."""

    __slots__ = ("paths",)

    def __init__(self, node: Element, *, skip: str | None = None) -> None:
        self.paths: dict[str, list[Element]] = {}
        self._walk(node, "", skip)

    def _walk(self, node: Element, prefix: str, skip: str | None) -> None:
        paths = self.paths
        for child in node:
            tag = child.tag
            if tag == skip:
                continue
            path = f"{prefix}/{tag}" if prefix else tag
            found = paths.get(path)
            if found is None:
                paths[path] = [child]
            else:
                found.append(child)
            if len(child):
                self._walk(child, path, None)

    def element(self, path: str) -> Element | None:
        found = self.paths.get(path)
        return found[0] if found else None

    def text(self, path: str) -> str | None:
        found = self.paths.get(path)
        if not found or found[0].text is None:
            return None
        return found[0].text.strip() or None

    def texts(self, path: str) -> list[str]:
        return [t for e in self.paths.get(path, ()) if e.text and (t := e.text.strip())]


@dataclass(frozen=True)
class _Detail:
    amount: Decimal | None
    currency: str | None
    end_to_end_id: str | None
    bank_reference: str | None
    customer_reference: str | None
    other_refs: tuple[str, ...]
    structured: tuple[str, ...]
    unstructured: tuple[str, ...]
    debtor: tuple[str | None, str | None]
    creditor: tuple[str | None, str | None]
    bank_code: str | None
    proprietary_code: str | None


def _entry(
    ntry: Element,
    header: BankStatement,
    registry: IdRegistry,
    line: int | None,
    lines: dict[int, int],
    raw: str,
) -> list[BankTransaction]:
    index = _Index(ntry, skip="NtryDtls")
    amount_element = index.element("Amt")
    if amount_element is None:
        raise BankFileError(line, "Ntry/Amt", "entry without an amount")
    amount = parse_decimal(amount_element.text, line=line, field="Ntry/Amt")
    if amount < 0:
        raise BankFileError(line, "Ntry/Amt", "amount must not be negative (the sign is CdtDbtInd)")
    currency = parse_currency(amount_element.get("Ccy"), line=line, field="Ntry/Amt/@Ccy")
    direction = _direction(index.text("CdtDbtInd"), line, "Ntry/CdtDbtInd")
    status_code = index.text("Sts/Cd") or index.text("Sts") or "BOOK"
    if status_code not in _STATUS:
        raise BankFileError(line, "Ntry/Sts", f"unknown entry status {status_code!r}")
    booking = index.text("BookgDt/Dt") or index.text("BookgDt/DtTm")
    value = index.text("ValDt/Dt") or index.text("ValDt/DtTm")
    booking_date = parse_iso_date(booking, line=line, field="Ntry/BookgDt") if booking else None
    value_date = parse_iso_date(value, line=line, field="Ntry/ValDt") if value else None
    entry_ref = index.text("AcctSvcrRef")
    entry_code, entry_proprietary = _bank_code(index)
    extra_info = tuple(t for t in (clean(index.text("AddtlNtryInf")),) if t)
    details = [_detail(d, lines.pop(id(d), line)) for d in ntry.iterfind("NtryDtls/TxDtls")]
    common: dict[str, object] = {
        "account_id": header.account_id,
        "booking_date": booking_date,
        "value_date": value_date,
        "currency": currency,
        "direction": direction,
        "status": _STATUS[status_code],
        "reversal": (index.text("RvslInd") or "").lower() == "true",
        "raw": raw,
    }
    split = (
        len(details) > 1
        and all(d.amount is not None and d.currency == currency for d in details)
        and sum((d.amount or Decimal(0) for d in details), Decimal(0)) == amount
    )
    if split:
        return [
            _transaction(
                registry,
                amount=d.amount or Decimal(0),
                details=[d],
                entry_ref=entry_ref,
                ntry_ref=index.text("NtryRef"),
                position=position,
                code=(d.bank_code or entry_code, d.proprietary_code or entry_proprietary),
                extra_info=extra_info,
                common=common,
            )
            for position, d in enumerate(details, start=1)
        ]
    code = (entry_code, entry_proprietary)
    if len(details) == 1:
        code = (details[0].bank_code or entry_code, details[0].proprietary_code or entry_proprietary)
    return [
        _transaction(
            registry,
            amount=amount,
            details=details,
            entry_ref=entry_ref,
            ntry_ref=index.text("NtryRef"),
            position=None,
            code=code,
            extra_info=extra_info,
            common=common,
        )
    ]


def _transaction(
    registry: IdRegistry,
    *,
    amount: Decimal,
    details: list[_Detail],
    entry_ref: str | None,
    ntry_ref: str | None,
    position: int | None,
    code: tuple[str | None, str | None],
    extra_info: tuple[str, ...],
    common: dict[str, object],
) -> BankTransaction:
    direction = common["direction"]
    assert isinstance(direction, Direction)
    end_to_end_ids = {d.end_to_end_id for d in details if d.end_to_end_id}
    end_to_end = end_to_end_ids.pop() if len(end_to_end_ids) == 1 else None
    customer_refs = [d.customer_reference for d in details if d.customer_reference]
    structured = tuple(dict.fromkeys(r for d in details for r in d.structured))
    unstructured = tuple(dict.fromkeys([*(u for d in details for u in d.unstructured), *extra_info]))
    party = [(d.debtor if direction is Direction.CREDIT else d.creditor) for d in details]
    names = {p[0] for p in party if p[0]}
    accounts = {p[1] for p in party if p[1]}
    detail_ref = details[0].bank_reference if len(details) == 1 else None
    bank_reference = detail_ref or entry_ref
    if detail_ref is None and entry_ref and position is not None:
        candidate, source = f"{entry_ref}/{position}", IdSource.BANK
    elif bank_reference:
        candidate, source = bank_reference, IdSource.BANK
    else:
        booking_date = common["booking_date"]
        assert booking_date is None or isinstance(booking_date, date)
        candidate = derive_transaction_id(
            account_id=str(common["account_id"]),
            booking_date=booking_date,
            amount=amount,
            direction=direction,
            currency=str(common["currency"]),
            refs=(
                ntry_ref,
                end_to_end,
                *customer_refs,
                *(r for d in details for r in d.other_refs),
                *structured,
                *sorted(accounts),
                str(position or ""),
            ),
        )
        source = IdSource.DERIVED
    return BankTransaction(
        transaction_id=registry.claim(candidate),
        id_source=source,
        amount=amount,
        end_to_end_id=end_to_end,
        bank_reference=bank_reference,
        customer_reference=customer_refs[0] if len(customer_refs) == 1 else None,
        remittance_structured=structured,
        remittance_unstructured=unstructured,
        counterparty_name=names.pop() if len(names) == 1 else None,
        counterparty_account=accounts.pop() if len(accounts) == 1 else None,
        bank_code=code[0],
        proprietary_code=code[1],
        **common,  # type: ignore[arg-type]
    )


def _bank_code(index: _Index) -> tuple[str | None, str | None]:
    domain = index.text("BkTxCd/Domn/Cd")
    family = index.text("BkTxCd/Domn/Fmly/Cd")
    sub = index.text("BkTxCd/Domn/Fmly/SubFmlyCd")
    code = "/".join(p for p in (domain, family, sub) if p) or None
    return code, index.text("BkTxCd/Prtry/Cd")


def _party(index: _Index, role: str) -> tuple[str | None, str | None]:
    name = index.text(f"RltdPties/{role}/Nm") or index.text(f"RltdPties/{role}/Pty/Nm")
    account = index.text(f"RltdPties/{role}Acct/Id/IBAN") or index.text(f"RltdPties/{role}Acct/Id/Othr/Id")
    return clean(name), account


def _detail(element: Element, line: int | None) -> _Detail:
    index = _Index(element)
    amount_element = index.element("Amt")
    if amount_element is None:
        amount_element = index.element("AmtDtls/TxAmt/Amt")
    amount = currency = None
    if amount_element is not None:
        amount = parse_decimal(amount_element.text, line=line, field="TxDtls/Amt")
        currency = parse_currency(amount_element.get("Ccy"), line=line, field="TxDtls/Amt/@Ccy")
    end_to_end = index.text("Refs/EndToEndId")
    if end_to_end and end_to_end.upper() in _NOT_PROVIDED:
        end_to_end = None
    other = tuple(
        r
        for path in ("Refs/TxId", "Refs/PmtInfId", "Refs/MsgId", "Refs/MndtId", "Refs/Prtry/Ref")
        if (r := index.text(path))
    )
    structured = index.texts("RmtInf/Strd/CdtrRefInf/Ref") + index.texts("RmtInf/Strd/RfrdDocInf/Nb")
    unstructured = [clean(u) for u in index.texts("RmtInf/Ustrd") + index.texts("RmtInf/Strd/AddtlRmtInf")]
    code, proprietary = _bank_code(index)
    return _Detail(
        amount=amount,
        currency=currency,
        end_to_end_id=end_to_end,
        bank_reference=index.text("Refs/AcctSvcrRef"),
        customer_reference=index.text("Refs/InstrId"),
        other_refs=other,
        structured=tuple(structured),
        unstructured=tuple(u for u in unstructured if u),
        debtor=_party(index, "Dbtr"),
        creditor=_party(index, "Cdtr"),
        bank_code=code,
        proprietary_code=proprietary,
    )


def _check_summary(report: _Report) -> tuple[str, ...]:
    """Compare the bank's own ``TxsSummry`` with the entries read. A difference is a warning, not an
    error: the summary is optional and informative, and a paginated statement summarises all pages."""
    warnings = []
    stmt = report.element
    for path, label, expected in (
        ("TxsSummry/TtlNtries/NbOfNtries", "entries", Decimal(report.entries)),
        ("TxsSummry/TtlCdtNtries/Sum", "credit total", report.credits),
        ("TxsSummry/TtlDbtNtries/Sum", "debit total", report.debits),
    ):
        stated = _text(stmt, path)
        if stated is None:
            continue
        value = parse_decimal(stated, line=report.line, field=path)
        if value != expected:
            warnings.append(f"{path}: the bank states {label} {value}, the file holds {expected}")
    return tuple(warnings)
