# coldstart: every target sets itself up on a fresh machine.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test bench lint format clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,all]"
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/coldstart demo --out coldstart-out/demo

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_simulate.py
	$(BIN)/python benchmarks/bench_thermal.py
	$(BIN)/python benchmarks/bench_heat.py
	$(BIN)/python benchmarks/bench_parts.py
	$(BIN)/python benchmarks/bench_people.py
	$(BIN)/python benchmarks/bench_grid.py 1000
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_plan.py
	$(BIN)/python benchmarks/bench_dashboard.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

clean:
	rm -rf $(VENV) coldstart-out .pytest_cache
