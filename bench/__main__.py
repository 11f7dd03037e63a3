"""Run a benchmark: `python -m bench NAME [ARGS…]`, or `python -m bench` for the list.

Each benchmark measures its target next to its baseline in one run and prints both; the figures and the
machine they came from are kept in docs/benchmarks.md.
"""

import ast
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).parent


def _benchmarks() -> dict[str, str]:
    found = {}
    for path in sorted(HERE.glob("*.py")):
        if path.name.startswith("_") or path.stem == "gen_accounts":
            continue
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        found[path.stem] = doc.splitlines()[0] if doc else ""
    return found


def main() -> None:
    benches = _benchmarks()
    if len(sys.argv) < 2 or sys.argv[1] not in benches:
        print("usage: python -m bench NAME [ARGS…]   (NAME --help for its options)\n")
        for name, summary in benches.items():
            print(f"  {name:<18} {summary}")
        sys.exit(0 if len(sys.argv) < 2 else 2)
    name = sys.argv.pop(1)
    sys.argv[0] = f"bench.{name}"
    runpy.run_module(f"bench.{name}", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
