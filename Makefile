# One entry point for everything: `make demo-report` (the demo's reports) and `make test`.
PY ?= .venv/bin/python
STAMP = .venv/.installed

.PHONY: setup lock bytecode system-deps demo demo-report test lint bench clean

# The environment is the lock's exact versions (checked against its hashes), then stomkpi itself on top.
$(STAMP): pyproject.toml requirements.lock requirements-dev.lock
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Resolve the lock files again from pyproject.toml, with uv from a throwaway venv, for this machine's python3.
# The pins already in them are kept (a new dependency is added at its newest fitting version); to move them:
# `make lock UPGRADE=--upgrade`, or `make lock UPGRADE="--upgrade-package pandas"`.
LOCK_TOOL = uv==0.13.9
LOCK_FLAGS = --quiet --generate-hashes --custom-compile-command "make lock" $(UPGRADE)
lock:
	@tool=$$(mktemp -d) && trap 'rm -rf "$$tool"' EXIT && \
	python3 -m venv "$$tool" && "$$tool/bin/pip" install --quiet $(LOCK_TOOL) && \
	version=$$(python3 -c 'import platform; print(platform.python_version())') && \
	"$$tool/bin/uv" pip compile pyproject.toml $(LOCK_FLAGS) --python-version $$version -o requirements.lock && \
	"$$tool/bin/uv" pip compile pyproject.toml --extra dev -c requirements.lock $(LOCK_FLAGS) --python-version $$version \
		-o requirements-dev.lock

# Every notebook kernel and batch worker imports stomkpi afresh; where PYTHONDONTWRITEBYTECODE is set,
# an editable install would compile it on every import (about 0.3 s a report). Compile it once here.
bytecode: setup
	$(PY) -m compileall -q stomkpi

system-deps:
	bash scripts/system-deps.sh

demo: setup
	$(PY) -m stomkpi demo

demo-report: setup bytecode system-deps demo
	$(PY) -m stomkpi monthly --month 2025-12 --params params/demo.yaml
	$(PY) -m stomkpi annual --year 2025 --params params/demo.yaml
	@echo "Готово: outputs/2025-12/ и outputs/2025/"

lint: setup
	$(PY) -m ruff check stomkpi tests benchmarks notebooks

test: setup bytecode system-deps lint
	$(PY) -m pytest -q

bench: setup bytecode system-deps
	$(PY) benchmarks/bench_scoring.py
	$(PY) benchmarks/bench_protocols.py
	$(PY) benchmarks/bench_payroll.py
	$(PY) benchmarks/bench_reports.py
	$(PY) benchmarks/bench_batch.py
	$(PY) benchmarks/bench_accreditation.py
	$(PY) benchmarks/bench_scale.py

clean:  # approved reports are read-only: make them writable to remove them
	chmod -R u+w outputs 2>/dev/null || true
	rm -rf .venv outputs/* demo build *.egg-info
