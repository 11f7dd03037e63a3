import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from arrears.core.clock import utcnow
from arrears.demo.seed import DEMO_PASSWORD, DEMO_SLUG, LOGINS, demo_exists, seed_demo


class Command(BaseCommand):
    help = "Seed the demo portfolio if the database has none, print logins, then serve (--seed-only: exit)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed-only", action="store_true", help="seed and exit")
        parser.add_argument("--accounts", type=int, default=2000)
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
        self.stderr.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for login in LOGINS:
            self.stderr.write(f"  {login.username:<10} {login.role:<14} {login.note}")
        self.stderr.write(f"\nOpen http://127.0.0.1:{options['port']}/ and log in.\n")
        if not options["seed_only"]:
            call_command("serve", port=options["port"])
