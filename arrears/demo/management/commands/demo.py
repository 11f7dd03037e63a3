import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from arrears.core.clock import utcnow
from arrears.demo.seed import DEMO_PASSWORD, DEMO_SLUG, LOGINS, demo_exists, seed_demo


def logins_table() -> str:
    """The demo logins as a table with headers, columns padded to their widest cell."""
    rows = [("username", "password", "role", "what they do")]
    rows += [(login.username, DEMO_PASSWORD, login.role, login.note) for login in LOGINS]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(f"  {line}" for line in lines) + "\n"


MFA_NOTE = (
    "Two-factor sign-in (MFA) is OFF in this demo organization, so that you can try every role.\n"
    "Other organizations require it for admins and managers: Manage → Settings → Who must use MFA.\n"
)


def mfa_note() -> str:
    """What the demo organization asks of its logins now (an admin may have changed it since seeding)."""
    from arrears.tenancy.choices import MfaPolicy
    from arrears.tenancy.selectors import organization_resolve

    policy = organization_resolve(slug=DEMO_SLUG).mfa_policy
    if policy == MfaPolicy.OFF:
        return MFA_NOTE
    who = MfaPolicy(policy).label.lower()
    return f"Two-factor sign-in (MFA) is required in this demo organization for: {who} (Manage → Settings).\n"


class Command(BaseCommand):
    help = "Seed the demo portfolio if the database has none, print logins, then serve (--seed-only: exit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed-only", action="store_true", help="seed and exit")
        parser.add_argument("--accounts", type=int, default=2000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if demo_exists():
            self.stderr.write(f"Demo organization '{DEMO_SLUG}' already exists; not seeding again.")
        else:
            started = time.monotonic()
            self.stderr.write(f"Seeding the demo portfolio ({options['accounts']} accounts)…")
            seed_demo(accounts=options["accounts"], today=utcnow().date())
            self.stderr.write(f"Seeded in {time.monotonic() - started:.1f} s.")
        self.stderr.write("\nDemo logins:\n" + logins_table())
        self.stderr.write(mfa_note())
        if not options["seed_only"]:
            call_command("serve", host=options["host"], port=options["port"])
