# Everyday targets. `make demo` and `make test` work on a fresh machine: each creates .venv
# when it is missing (torch first, since a bare `torch` requirement pulls a multi-GB CUDA build).
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WORKSPACE ?= workspace
PYTEST_ARGS ?=

.PHONY: venv system-deps demo test test-fast faults lint format lab app notebooks bench screenshot constraints clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

# The versions the suite passed with, for every later install: run after a green `make test`.
constraints: $(STAMP)
	{ sed -n '1,2p' constraints.txt; \
	  { $(BIN)/python -m pip freeze --exclude-editable | grep -v -i -E '^(torch|synthkit)=='; \
	    echo "$(TORCH_SPEC)"; } | LC_ALL=C sort -f; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

DEMO_MACHINES ?= cnc_machine_001 pump_001 motor_001
DEMO_OUT ?= demo-out

demo: $(STAMP)
	$(BIN)/synthkit --workspace $(WORKSPACE) batch notebooks/pipeline.ipynb \
		$(foreach m,$(DEMO_MACHINES),--machine $(m)) \
		-p epochs 150 -p early_stopping True -p seed_samples 10000 --workers 2 --out $(DEMO_OUT)
	@echo "splits and reports: $(WORKSPACE)/machines/<machine>/runs/; executed notebooks: $(DEMO_OUT)/<machine>/"

system-deps:
	bash tools/system-deps.sh

# Tiers are pytest markers (pyproject.toml): test-fast leaves out the browser, the services, the
# kill scenarios and the slow tests. pytest's exit 5 (no test ran) fails `make test`; test-fast
# lets it pass, since a narrowed PYTEST_ARGS may select only tests of the other tiers.
FAST_MARKERS := not browser and not services and not faults and not slow
# Two pytest workers, one test file each at a time (files share module fixtures and workspaces):
# the suite takes about 7 minutes instead of 11 here. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
XDIST := $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile)

test: $(STAMP) system-deps
	$(BIN)/ruff check synthkit tests benchmarks tools
	$(BIN)/python -m pytest -q $(XDIST) --durations=25 $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "error: pytest ran no test"; fi; exit $$status

test-fast: $(STAMP)
	$(BIN)/ruff check synthkit tests benchmarks tools
	$(BIN)/python -m pytest -q $(XDIST) -m "$(FAST_MARKERS)" $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "no fast test selected"; exit 0; fi; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check synthkit tests benchmarks tools
	$(BIN)/ruff format --check synthkit tests benchmarks

format: $(STAMP)
	$(BIN)/ruff format synthkit tests benchmarks
	$(BIN)/ruff check --fix synthkit tests benchmarks

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

# The workbench as a standalone page (Voila, code hidden); a token is always required.
# Classroom: make app IP=0.0.0.0 (prints the URL with its token).
IP ?= 127.0.0.1
PORT ?= 8866
app: $(STAMP)
	$(BIN)/synthkit --workspace $(WORKSPACE) app --ip $(IP) --port $(PORT)

# Teaching notebooks are edited as jupytext sources (notebooks/*.py); this writes their .ipynb.
notebooks: $(STAMP)
	$(BIN)/python tools/make_notebooks.py
	$(BIN)/jupytext --sync notebooks/tutorial.py notebooks/compare.py

faults: $(STAMP)
	$(BIN)/python benchmarks/fault_matrix.py

# The README's pictures from a real run in the served workbench and the tutorial (about 5 minutes).
screenshot: $(STAMP) system-deps
	$(BIN)/python tools/screenshots.py --workspace $(WORKSPACE)

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script --quick || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
