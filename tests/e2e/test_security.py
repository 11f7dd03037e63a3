"""Security commands from the shell: rotate-keys, retention report/apply, audit verify on a cut tail."""

from __future__ import annotations

from cryptography.fernet import Fernet

from .conftest import CLIENT, IMPORT_HEADER, ORG


def test_rotate_keys_re_encrypts_everything_and_back(database):
    # given the key this database was written with, and a new one put first
    old = (database.var_dir / "arrears_field_keys").read_text().strip()
    new = Fernet.generate_key().decode()
    encrypted = database.value("SELECT count(*) FROM debtors_debtor WHERE national_id_encrypted <> ''")

    # when the keys are rotated in small batches
    forward = database.ok("rotate-keys", "--batch", "3", "--json", ARREARS_FIELD_KEYS=f"{new},{old}")
    again = database.ok("rotate-keys", "--json", ARREARS_FIELD_KEYS=f"{new},{old}")

    # then every value moved once, and nothing needs the old key
    assert forward.json["remaining"] == 0 and forward.json["re_encrypted"] >= encrypted
    assert again.json == {"re_encrypted": 0, "remaining": 0}
    assert database.ok("rotate-keys", "--json", ARREARS_FIELD_KEYS=new).json["remaining"] == 0

    # and back under the database's own key, for the other tests of the session
    back = database.ok("rotate-keys", "--json", ARREARS_FIELD_KEYS=f"{old},{new}")
    assert back.json == {"re_encrypted": forward.json["re_encrypted"], "remaining": 0}


def test_rotate_keys_refuses_a_batch_below_one(database):
    result = database.run("rotate-keys", "--batch", "0", "--json")

    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_retention_report_and_apply_honour_reg_f_and_keep_the_books_green(database, out_dir):
    # given a settled debtor (nothing owed) who asks to be erased today
    book = out_dir / "settled.csv"
    book.write_text(IMPORT_HEADER + "RET-1,Erin,Erasure,,,,,,,,0,0,,,\n", encoding="utf-8")
    database.ok("import", "accounts", str(book), "--client", CLIENT, "--org", ORG, "--json")
    debtor = database.value(
        "SELECT d.id FROM debtors_debtor d JOIN accounts_accountdebtor l ON l.debtor_id = d.id "
        "JOIN accounts_account a ON a.id = l.account_id WHERE a.reference = 'RET-1'"
    )
    request = database.ok("retention", "request", "--org", ORG, "--debtor", str(debtor), "--json")

    # when the report runs today, and as of four years on
    today = database.ok("retention", "report", "--org", ORG, "--json")
    later = database.ok("retention", "report", "--org", ORG, "--as-of", "2031-01-01", "--json")
    applied = database.ok("retention", "apply", "--org", ORG, "--json")

    # then Reg F keeps the records today, they would go in 2031, and apply erases nothing yet
    mine = [i for i in today.json["kept"] if i["request"] == request.json["request"]]
    assert mine and any("Reg F 1006.100" in r for r in mine[0]["reasons"])
    assert [i["debtor"] for i in later.json["would_erase"]] == [debtor]
    assert applied.json["erased"] == [] and applied.json["dry_run"] is False
    assert database.value("SELECT last_name FROM debtors_debtor WHERE id = %s", [debtor]) == "Erasure"
    assert database.ok("audit", "verify", "--json").json["ok"] is True
    assert database.ok("ledger", "check", "--json").json["ok"] is True


def test_audit_verify_exits_1_when_the_last_event_is_deleted(database):
    # given the last event of the organization, deleted behind the application's back
    org = database.org_id(ORG)
    row = database.query(
        "SELECT * FROM audit_auditevent WHERE organization_id = %s ORDER BY seq DESC LIMIT 1", [org]
    )[0]
    columns = (
        [
            c[0] if isinstance(c, tuple) else c
            for c in database.query(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_auditevent' "
                "ORDER BY ordinal_position"
            )
        ]
        if database.vendor != "sqlite"
        else [r[1] for r in database.query("PRAGMA table_info(audit_auditevent)")]
    )
    database.execute(
        "DELETE FROM audit_auditevent WHERE organization_id = %s AND seq = %s",
        [org, row[columns.index("seq")]],
    )

    # when
    try:
        broken = database.run("audit", "verify", "--org", ORG, "--json")
    finally:  # put it back for the other tests of the session
        values = list(row)
        if database.vendor != "sqlite":
            from psycopg.types.json import Jsonb

            values = [Jsonb(v) if isinstance(v, dict | list) else v for v in values]
        marks = ", ".join(["%s"] * len(columns))
        database.execute(f"INSERT INTO audit_auditevent ({', '.join(columns)}) VALUES ({marks})", values)  # noqa: S608

    # then
    assert broken.returncode == 1, str(broken)
    assert "missing from the end" in broken.json["organizations"][0]["first_break"]["reason"]
    assert database.ok("audit", "verify", "--org", ORG, "--json").json["ok"] is True
