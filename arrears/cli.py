"""The `arrears` console command: friendly names over Django management commands.

`arrears NAME ARGS…` runs the management command NAME with ARGS. A few names that are
Python keywords or clash with Django's own commands are mapped here.
"""

from __future__ import annotations

import os
import sys

ALIASES = {
    "import": "import_files",  # `import` is a keyword, so the command module has another name
    "worker": "worker",
    "serve": "serve",
    "rotate-keys": "rotate_keys",
}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")
    from django.core.management import execute_from_command_line

    if args and not args[0].startswith("-"):
        args[0] = ALIASES.get(args[0], args[0])
    execute_from_command_line(["arrears", *args])


if __name__ == "__main__":
    main()
