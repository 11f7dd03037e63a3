"""The shared sample files (real files made by others, see samples/SOURCES.md) live beside the repo."""

import pytest

from arrears.core.samples import samples_dir

SAMPLES = samples_dir()


def sample(kind: str, name: str) -> bytes:
    path = SAMPLES / kind / name
    if not path.exists():
        pytest.fail(f"sample missing: {path} (the tests read ../shared/samples/)")
    return path.read_bytes()


def camt053_document(
    entries: int, *, namespace: str = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
) -> bytes:
    """A well-formed camt.053 with ``entries`` single-transaction credits, for size and streaming tests."""
    entry = (
        "<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>"
        "<BookgDt><Dt>2026-11-20</Dt></BookgDt><ValDt><Dt>2026-11-20</Dt></ValDt>"
        "<AcctSvcrRef>REF{n:08d}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>E2E{n}</EndToEndId></Refs>"
        "<RltdPties><Dbtr><Nm>Debtor {n}</Nm></Dbtr></RltdPties>"
        "<RmtInf><Ustrd>Installment for account A-{n}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
    )
    body = "".join(entry.format(n=n, amount=f"{n % 997 + 1}.{n % 100:02d}") for n in range(entries))
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><Document xmlns='{namespace}'><BkToCstmrStmt>"
        "<GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-11-21T06:00:00+01:00</CreDtTm></GrpHdr>"
        "<Stmt><Id>S1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        "<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>100.00</Amt>"
        "<CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2026-11-20</Dt></Dt></Bal>"
        f"{body}</Stmt></BkToCstmrStmt></Document>"
    ).encode()
