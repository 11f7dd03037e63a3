"""Error codes have one style, are unique, and are never typed as bare strings.

The API (problem details) and the CLI (`error CODE: message`) show the same code, so a code is a
contract: `APP_PREFIX_WHAT` in upper snake case, defined once as a `StrEnum` member in an app's
`errors.py` or `*_errors.py`, and raised by naming that member. docs/engineering-notes.md, "Error codes".
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2]  # .../arrears
CODE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$")
BASE_ERROR = "arrears.core.errors.ArrearsError"

# The prefixes each app's codes start with: the app's name, or the name of an entity it owns.
PREFIXES: dict[str, tuple[str, ...]] = {
    "accounts": ("ACCOUNT_",),
    "api": ("API_",),
    "compliance": ("COMPLIANCE_",),
    "contact": ("CONTACT_",),
    "debtors": ("DEBTOR_", "MERGE_"),
    "documents": ("DOCUMENT_",),
    "imports": ("IMPORT_",),
    "ledger": ("LEDGER_",),
    "payments": (
        "PAYMENT_",
        "PROMISE_",
        "PLAN_",
        "SETTLEMENT_",
        "INTEREST_",
        "RECONCILE_",
        "ACH_",
        "REMITTANCE_",
        "PROVIDER_",
    ),
    "scoring": ("SCORING_", "QUEUE_"),
    "strategies": ("NIGHTLY_", "STRATEGY_", "EXPERIMENT_", "SCHEDULE_", "RETENTION_"),
    "tenancy": ("ORG_", "CLIENT_", "MEMBERSHIP_", "TEAM_", "USER_"),
    "portal": ("PORTAL_",),
    "reports": ("REPORT_",),
    "attempts": ("CALL_REQUEST_", "CONTACT_ATTEMPT_"),
}


def _is_errors_module(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return last == "errors" or last.endswith("_errors")


def _source_files() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if "tests" not in parts and "migrations" not in parts:
            yield path


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def error_enums() -> list[tuple[str, type[StrEnum]]]:
    """(app, enum) for every StrEnum defined in an errors module of the project."""
    found = []
    for path in _source_files():
        name = _module_name(path)
        if not _is_errors_module(name):
            continue
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, StrEnum) and obj.__module__ == name:
                found.append((name.split(".")[1], obj))
    return found


ENUMS = error_enums()
MEMBERS = [(app, enum, member) for app, enum in ENUMS for member in enum]


def test_the_errors_modules_are_found():
    names = {enum.__name__ for _, enum in ENUMS}

    assert {"AccountError", "ComplianceError", "ContactError", "MessagingError", "PaymentError"} <= names
    assert len(MEMBERS) > 50


@pytest.mark.parametrize(
    ("app", "enum", "member"), MEMBERS, ids=[f"{e.__name__}.{m.name}" for _, e, m in MEMBERS]
)
def test_a_code_is_upper_snake_with_its_apps_prefix(app, enum, member):
    assert app in PREFIXES, f"{enum.__module__}: add app {app!r} and its code prefixes to PREFIXES"
    assert CODE.match(member.value), f"{enum.__name__}.{member.name} = {member.value!r} is not UPPER_SNAKE"
    assert member.value.startswith(PREFIXES[app]), (
        f"{enum.__name__}.{member.name} = {member.value!r} must start with one of {PREFIXES[app]}"
    )


def test_every_code_is_defined_once_in_the_project():
    counts = Counter(member.value for _, _, member in MEMBERS)

    assert [code for code, n in counts.items() if n > 1] == []


# --- no bare codes: ArrearsError (or a subclass) is built with an enum member ---------------------


@dataclass
class Module:
    name: str
    is_package: bool
    tree: ast.Module
    imports: dict[str, str]  # local name -> the qualified name it stands for


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _module(name: str, is_package: bool, source: str) -> Module:
    tree = ast.parse(source)
    imports: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            origin = _absolute(name, is_package, node)
            for alias in node.names:
                imports[alias.asname or alias.name] = f"{origin}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    imports[alias.asname] = alias.name
                else:
                    top = alias.name.split(".")[0]
                    imports[top] = top
    return Module(name, is_package, tree, imports)


def _dotted(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute) and (head := _dotted(node.value)) is not None:
        return [*head, node.attr]
    return None


class Project:
    """Names resolved across modules: which classes are ArrearsErrors, where a name comes from."""

    def __init__(self, modules: Mapping[str, Module]) -> None:
        self.modules = modules
        self.errors = self._error_classes()

    def canonical(self, qualified: str) -> str:
        """Follow re-exports (`from .x import Y` in another module) to where a name is defined."""
        seen = set()
        while qualified not in seen:
            seen.add(qualified)
            module, _, name = qualified.rpartition(".")
            source = self.modules.get(module)
            if source is None or name not in source.imports:
                break
            qualified = source.imports[name]
        return qualified

    def resolve(self, module: Module, node: ast.expr) -> str | None:
        """The qualified name of `Name` or `a.b.Name` in a module, or None (a local variable, a call…)."""
        dotted = _dotted(node)
        if dotted is None:
            return None
        head, rest = dotted[0], dotted[1:]
        if head in module.imports:
            return self.canonical(".".join([module.imports[head], *rest]))
        defined = {n.name for n in module.tree.body if isinstance(n, ast.ClassDef)}
        if head in defined:
            return ".".join([module.name, head, *rest])
        return None

    def _error_classes(self) -> set[str]:
        errors = {BASE_ERROR}
        classes = [
            (module, node)
            for module in self.modules.values()
            for node in ast.walk(module.tree)
            if isinstance(node, ast.ClassDef)
        ]
        grown = True
        while grown:
            grown = False
            for module, node in classes:
                qualified = f"{module.name}.{node.name}"
                if qualified not in errors and any(self.resolve(module, b) in errors for b in node.bases):
                    errors.add(qualified)
                    grown = True
        return errors

    def bare_codes(self) -> list[str]:
        """`path:line: what` for every ArrearsError construction whose code is not an enum member."""
        found = []
        for module in self.modules.values():
            for node in ast.walk(module.tree):
                if not isinstance(node, ast.Call) or self.resolve(module, node.func) not in self.errors:
                    continue
                keyword = next((k.value for k in node.keywords if k.arg == "code"), None)
                code = node.args[0] if node.args else keyword
                if code is not None and (problem := self._problem(module, code)):
                    found.append(f"{module.name}:{node.lineno}: {problem}: {ast.unparse(code)}")
        return sorted(found)

    def _problem(self, module: Module, code: ast.expr) -> str | None:
        for part in ast.walk(code):
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                return "a string literal"
            if isinstance(part, ast.JoinedStr):
                return "an f-string"
        owner = self.resolve(module, code.value) if isinstance(code, ast.Attribute) else None
        if owner is not None and not _is_errors_module(owner.rpartition(".")[0]):
            return "a member of an enum outside an errors module"
        return None  # an enum member, or a code passed through (`exc.code`, a parameter)


def project(sources: Mapping[str, tuple[bool, str]]) -> Project:
    return Project({name: _module(name, pkg, text) for name, (pkg, text) in sources.items()})


def test_no_error_is_raised_with_a_bare_code():
    sources = {
        _module_name(path): (path.name == "__init__.py", path.read_text(encoding="utf-8"))
        for path in _source_files()
    }
    checked = project(sources)

    assert {"arrears.core.errors.NotFound", "arrears.core.errors.Conflict"} <= checked.errors
    assert checked.bare_codes() == []


CORE_ERRORS = (PACKAGE / "core" / "errors.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("raise_site", "expected"),
    [
        pytest.param('raise ArrearsError("SHOP_CLOSED", "m")', "a string literal", id="literal"),
        pytest.param('raise NotFound(code="SHOP_GONE", message="m")', "a string literal", id="keyword"),
        pytest.param('raise E.NotFound(f"SHOP_{x}", "m")', "an f-string", id="module-alias-f-string"),
        pytest.param('raise ShopError("SHOP_" + x, "m")', "a string literal", id="subclass-concatenated"),
        pytest.param('raise Gone("SHOP_GONE", "m")', "a string literal", id="re-exported-subclass"),
        pytest.param("raise ArrearsError(Status.OPEN, 'm')", "a member of an enum", id="not-an-errors-enum"),
        pytest.param("raise ArrearsError(ShopProblem.CLOSED, 'm')", None, id="enum-member"),
        pytest.param("raise ShopError(exc.code, 'm')", None, id="passed-through"),
        pytest.param('raise ValueError("SHOP_CLOSED")', None, id="not-an-arrears-error"),
    ],
)
def test_the_scan_finds_bare_codes(raise_site, expected):
    enum = "from enum import StrEnum\nclass {}(StrEnum):\n    {} = {!r}\n"
    sources = {
        "arrears": (True, ""),
        "arrears.core.errors": (False, CORE_ERRORS),
        "arrears.shop": (True, ""),
        "arrears.shop.errors": (False, enum.format("ShopProblem", "CLOSED", "SHOP_CLOSED")),
        "arrears.shop.choices": (False, enum.format("Status", "OPEN", "open")),
        "arrears.shop.base": (
            False,
            "from arrears.core.errors import NotFound\nclass ShopError(NotFound):\n    pass\n",
        ),
        "arrears.shop.reexport": (False, "from .base import ShopError as Gone\n"),
        "arrears.shop.services": (
            False,
            "from arrears.core import errors as E\n"
            "from arrears.core.errors import ArrearsError, NotFound\n"
            "from .base import ShopError\n"
            "from .choices import Status\n"
            "from .errors import ShopProblem\n"
            "from .reexport import Gone\n"
            f"def f(x, exc):\n    {raise_site}\n",
        ),
    }

    found = project(sources).bare_codes()

    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and found[0].startswith("arrears.shop.services:8: " + expected)
