"""OFX and QFX statements: OFX 1.x (SGML) and 2.x (XML), bank (``STMTRS``) and credit card (``CCSTMTRS``).

One tolerant reader serves both generations, because real files mix them: OFX 1.x leaves leaf elements
unclosed (``<TRNAMT>-6.60<FITID>...``) and may put the whole body on one line; OFX 2.x closes every
element; some banks send an XML declaration over an SGML body. The reader treats a tag followed by text
as a leaf (closed by its own end tag if there is one, else by the next tag) and any other tag as an
aggregate closed by its end tag, or implicitly when an enclosing aggregate closes.

Text is decoded robustly: UTF-8 is tried first, since files headed ``CHARSET:1252`` often hold UTF-8 bytes,
then the declared charset, then Windows-1252. ``<![CDATA[...]]>`` and character entities are honoured.

Dates are ``YYYYMMDD[HHMMSS[.XXX]][offset[:TZ]]``; the offset in brackets (``[-5:EST]``, ``[0:GMT]``)
makes instants aware, and OFX's own default when it is missing is GMT. A transaction's booking date is the
calendar day the bank wrote. FITID is the bank's transaction id and the idempotency key.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from ._common import clean, decode_text, is_digits, parse_currency
from .errors import BankFileError
from .model import (
    Balance,
    BankStatement,
    BankTransaction,
    Direction,
    IdRegistry,
    IdSource,
    derive_transaction_id,
    first_balance,
)

_TOKEN = re.compile(r"<!\[CDATA\[(.*?)\]\]>|<!--.*?-->|<\?.*?\?>|<(/?)([A-Za-z0-9_.]+)\s*/?>", re.S)
_DATE = re.compile(
    r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?\s*"
    r"(?:\[\s*([+-]?\d{1,2}(?:\.\d{1,2})?)\s*(?::\s*([A-Za-z0-9_+-]*))?\s*\])?"
)
_AMOUNT = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")


def detect(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:2048].upper()
    return head.startswith(b"OFXHEADER") or b"<?OFX" in head or b"<OFX>" in head


@dataclass
class Node:
    name: str
    line: int
    value: str | None = None  # leaf text; None for an aggregate
    children: list[Node] = field(default_factory=list)
    start: int = 0
    end: int = 0

    def find(self, path: str) -> Node | None:
        node: Node | None = self
        for name in path.split("/"):
            assert node is not None
            node = next((c for c in node.children if c.name == name), None)
            if node is None:
                return None
        return node

    def text(self, path: str) -> str | None:
        found = self.find(path)
        return found.value if found is not None and found.value else None

    def walk(self) -> list[Node]:
        """This node and all below it, in document order."""
        out: list[Node] = []
        stack = [self]
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(reversed(node.children))
        return out

    def iter(self, name: str) -> list[Node]:
        return [node for node in self.walk() if node.name == name]


def _header(text: str) -> tuple[dict[str, str], int]:
    """OFX 1.x ``KEY:VALUE`` lines before the body, and where the body starts."""
    start = text.find("<")
    if start == -1:
        raise BankFileError(None, None, "no OFX body (no '<' found)")
    headers = {}
    for line in text[:start].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            headers[key.strip().upper()] = value.strip()
    return headers, start


def parse_tree(text: str) -> Node:
    """The ``<OFX>`` element as a tree, SGML or XML. ``text`` has its line ends normalised to LF."""
    _, body_start = _header(text)
    root = Node(name="#document", line=1)
    stack = [root]
    position = body_start
    pending_leaf: Node | None = None

    counted = [0, 1]  # offset counted up to, line number there: tokens arrive in order

    def line_of(offset: int) -> int:
        counted[1] += text.count("\n", counted[0], offset)
        counted[0] = offset
        return counted[1]

    for match in _TOKEN.finditer(text, body_start):
        between = text[position : match.start()]
        position = match.end()
        if pending_leaf is not None:
            pending_leaf.value = (pending_leaf.value or "") + between
        elif between.strip():
            raise BankFileError(
                line_of(match.start()), stack[-1].name, f"text outside an element: {between.strip()[:30]!r}"
            )
        cdata, closing, name = match.group(1), match.group(2), match.group(3)
        if cdata is not None:
            if pending_leaf is None:
                raise BankFileError(line_of(match.start()), stack[-1].name, "CDATA outside an element")
            pending_leaf.value = (pending_leaf.value or "") + cdata
            continue
        if name is None:  # comment or processing instruction
            continue
        name = name.upper()
        if closing:
            if pending_leaf is not None and pending_leaf.name == name:
                pending_leaf.end = match.end()
                pending_leaf = None
                continue
            pending_leaf = None
            depth = next((i for i in range(len(stack) - 1, 0, -1) if stack[i].name == name), None)
            if depth is None:
                raise BankFileError(line_of(match.start()), name, f"</{name}> closes nothing that is open")
            for node in stack[depth:]:
                node.end = match.end()
            del stack[depth:]
            continue
        node = Node(name=name, line=line_of(match.start()), start=match.start())
        if pending_leaf is not None:
            pending_leaf.end = match.start()
        stack[-1].children.append(node)
        following = _TOKEN.search(text, match.end())
        text_after = text[match.end() : following.start() if following else len(text)]
        is_cdata = following is not None and following.group(1) is not None
        is_own_close = (
            following is not None and following.group(2) == "/" and (following.group(3) or "").upper() == name
        )
        if text_after.strip() or is_cdata or is_own_close:
            node.value = ""
            pending_leaf = node
        else:
            pending_leaf = None
            stack.append(node)
    if pending_leaf is not None:
        pending_leaf.value = (pending_leaf.value or "") + text[position:]
    ofx = root.find("OFX")
    if ofx is None:
        raise BankFileError(None, "OFX", "no <OFX> element")
    for node in ofx.walk():
        if node.value is not None:
            node.value = html.unescape(node.value).strip()
    return ofx


def parse_datetime(value: str | None, *, line: int, name: str) -> tuple[date, datetime]:
    """The calendar day as written, and the aware UTC instant."""
    found = _DATE.fullmatch((value or "").strip())
    if not found:
        raise BankFileError(line, name, f"not an OFX date: {value!r}")
    year, month, day, hour, minute, second, fraction, offset, _zone = found.groups()
    try:
        hours = Decimal(offset) if offset else Decimal(0)
        zone = timezone(timedelta(minutes=int(hours * 60)))
        local = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(6, "0")),
            tzinfo=zone,
        )
    except (ValueError, ArithmeticError) as exc:
        raise BankFileError(line, name, f"not a valid OFX date: {value!r} ({exc})") from exc
    return local.date(), local.astimezone(UTC)


def parse_amount(value: str | None, *, line: int, name: str) -> Decimal:
    """OFX amounts use '.', some banks ',' as the decimal separator; never thousands separators."""
    text = (value or "").strip()
    if not _AMOUNT.fullmatch(text):
        raise BankFileError(line, name, f"not an amount: {value!r}")
    return Decimal(text.replace(",", "."))


def parse(data: bytes) -> tuple[BankStatement, ...]:
    if not data.strip():
        raise BankFileError(None, None, "empty OFX file")
    sniff = data[:4096].decode("latin-1")
    headers, _ = _header(sniff) if "<" in sniff else ({}, 0)
    charset = headers.get("CHARSET", "")
    declared = f"cp{charset}" if is_digits(charset) else (charset or None)
    if declared and declared.upper() in ("NONE", "USASCII"):
        declared = None
    text = decode_text(data, declared).replace("\r\n", "\n").replace("\r", "\n")
    ofx = parse_tree(text)
    server = ofx.text("SIGNONMSGSRSV1/SONRS/DTSERVER")
    created = parse_datetime(server, line=1, name="DTSERVER")[1] if server else None
    statements = []
    for kind in ("STMTRS", "CCSTMTRS"):
        for node in ofx.iter(kind):
            statements.append(_statement(node, text, created, credit_card=kind == "CCSTMTRS"))
    if not statements:
        raise BankFileError(None, "STMTRS", "the OFX file holds no bank or credit-card statement")
    return tuple(statements)


def _statement(node: Node, text: str, created: datetime | None, *, credit_card: bool) -> BankStatement:
    line = node.line
    currency = parse_currency(node.text("CURDEF"), line=line, field="CURDEF")
    account = node.find("CCACCTFROM" if credit_card else "BANKACCTFROM")
    account_id = account.text("ACCTID") if account is not None else None
    if not account_id:
        raise BankFileError(line, "ACCTID", "the statement names no account")
    tran_list = node.find("BANKTRANLIST")
    start = tran_list.text("DTSTART") if tran_list is not None else None
    end = tran_list.text("DTEND") if tran_list is not None else None
    balances = []
    for kind in ("LEDGERBAL", "AVAILBAL"):
        balance = node.find(kind)
        if balance is None or balance.text("BALAMT") is None:
            continue
        as_of = balance.text("DTASOF")
        balances.append(
            Balance(
                kind=kind,
                amount=parse_amount(balance.text("BALAMT"), line=balance.line, name=f"{kind}/BALAMT"),
                currency=currency,
                date=parse_datetime(as_of, line=balance.line, name=f"{kind}/DTASOF")[0] if as_of else None,
            )
        )
    registry = IdRegistry()
    transactions = tuple(
        _transaction(t, text, account_id, currency, registry)
        for t in (tran_list.iter("STMTTRN") if tran_list else [])
    )
    return BankStatement(
        format="ofx",
        account_id=account_id,
        currency=currency,
        transactions=transactions,
        bank_id=account.text("BANKID") if account is not None else None,
        created_at=created,
        period_start=parse_datetime(start, line=line, name="DTSTART")[1] if start else None,
        period_end=parse_datetime(end, line=line, name="DTEND")[1] if end else None,
        closing_balance=first_balance(balances, ("LEDGERBAL",)),
        balances=tuple(balances),
    )


def _transaction(
    node: Node, text: str, account_id: str, currency: str, registry: IdRegistry
) -> BankTransaction:
    line = node.line
    signed = parse_amount(node.text("TRNAMT"), line=line, name="TRNAMT")
    posted = node.text("DTPOSTED")
    if posted is None:
        raise BankFileError(line, "DTPOSTED", "a transaction without a posting date")
    booking_date = parse_datetime(posted, line=line, name="DTPOSTED")[0]
    available = node.text("DTAVAIL")
    own_currency = node.text("CURRENCY/CURSYM") or node.text("ORIGCURRENCY/CURSYM")
    direction = Direction.DEBIT if signed < 0 else Direction.CREDIT
    name = clean(node.text("NAME") or node.text("PAYEE/NAME"))
    memo = clean(node.text("MEMO"))
    check = node.text("CHECKNUM") or node.text("REFNUM")
    fitid = node.text("FITID")
    if fitid:
        candidate, source = fitid, IdSource.BANK
    else:
        candidate = derive_transaction_id(
            account_id=account_id,
            booking_date=booking_date,
            amount=abs(signed),
            direction=direction,
            currency=currency,
            refs=(node.text("TRNTYPE"), check, name, memo),
        )
        source = IdSource.DERIVED
    return BankTransaction(
        transaction_id=registry.claim(candidate),
        id_source=source,
        account_id=account_id,
        booking_date=booking_date,
        value_date=parse_datetime(available, line=line, name="DTAVAIL")[0] if available else None,
        amount=abs(signed),
        currency=parse_currency(own_currency, line=line, field="CURSYM") if own_currency else currency,
        direction=direction,
        bank_reference=fitid,
        customer_reference=check if check and check != "0" else None,
        remittance_unstructured=tuple(t for t in (memo,) if t),
        counterparty_name=name,
        counterparty_account=node.text("BANKACCTTO/ACCTID") or node.text("CCACCTTO/ACCTID"),
        bank_code=node.text("TRNTYPE"),
        raw=text[node.start : node.end].strip() if node.end > node.start else _render(node),
    )


def _render(node: Node) -> str:
    """An unclosed STMTTRN (ended by its parent's end tag) written back as SGML."""
    return f"<{node.name}>" + "".join(f"<{c.name}>{c.value or ''}" for c in node.children)
