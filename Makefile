# One entry point for everything: `make demo-report` (the demo's reports) and `make test`.
PY ?= .venv/bin/python
STAMP = .venv/.installed

.PHONY: setup system-deps demo demo-report test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

system-deps:
	bash scripts/system-deps.sh

demo: setup
	$(PY) -m stomkpi demo

demo-report: setup system-deps demo
	$(PY) -m stomkpi score demo/2025-12.xlsx --out outputs/2025-12-scores.csv
	@echo "Готово: outputs/2025-12-scores.csv"

lint: setup
	$(PY) -m ruff check stomkpi tests benchmarks scripts

test: setup system-deps lint
	$(PY) -m pytest -q

bench: setup
	$(PY) benchmarks/bench_scoring.py

clean:
	rm -rf .venv outputs/* demo build *.egg-info
