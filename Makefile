# Two commands set everything up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv

# uv is bootstrapped into .tools/ with the machine's Python 3.13 (pyenv or PATH); no root needed.
PY313 := $(shell command -v python3.13 2>/dev/null || ls -d $$(pyenv root 2>/dev/null || echo ~/.pyenv)/versions/3.13*/bin/python3.13 2>/dev/null | tail -1)
UV := $(CURDIR)/.tools/bin/uv
ARREARS := $(CURDIR)/.venv/bin/arrears
PYTEST_ARGS ?=
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test lint install demo check fmt bench clean audit-deps

$(UV):
	@test -n "$(PY313)" || { echo "Python 3.13 not found (pyenv or PATH)" >&2; exit 2; }
	$(PY313) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv

install: $(UV)
	$(UV) sync --frozen --python $(PY313)

run: install
	$(ARREARS) migrate --no-input
	$(ARREARS) demo --seed-only
	$(ARREARS) serve --host $(HOST) --port $(PORT)

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy arrears
	$(UV) run --frozen lint-imports --no-cache --no-logo
	$(UV) run --frozen bandit -q -c pyproject.toml -r arrears --severity-level medium --confidence-level medium

# Known vulnerabilities in the locked dependencies (pip-audit asks PyPI's advisory data for each one,
# so it needs the registry; .ci/run runs it, docs/security.md).
audit-deps: install
	$(UV) export --frozen --all-groups --no-emit-project --no-hashes --format requirements-txt -o var/requirements-audit.txt
	$(UV) run --frozen pip-audit --disable-pip --no-deps --progress-spinner off -r var/requirements-audit.txt

check: install
	$(UV) run --frozen python manage.py check
	$(UV) run --frozen python manage.py makemigrations --check --dry-run

test: lint check
	$(UV) run --frozen pytest $(PYTEST_ARGS)

fmt: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

bench: install
	$(UV) run --frozen python -m bench $(BENCH)

clean:
	rm -rf .venv .tools var .pytest_cache .mypy_cache .ruff_cache
