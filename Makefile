# Two commands on a fresh machine: `make run` and `make test`. Both set up what is missing, and are fast when it is there.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dastyar-installed
TORCH := torch==2.13.0
REQS := requirements/app.txt requirements/dev.txt requirements/lock.txt pyproject.toml

.PHONY: setup run test test-stress lint bench clean system-deps intent axe bytecode

setup: $(STAMP) system-deps intent axe bytecode

$(STAMP): $(REQS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24" "setuptools>=69" wheel
	# torch first and alone: the CPU wheel on this machine, never a multi-GB CUDA build chosen by a resolver.
	$(BIN)/python -m pip install -q $(TORCH)
	$(BIN)/python -m pip install -q -c requirements/lock.txt -r requirements/app.txt -r requirements/dev.txt
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

# The intent model, trained on the corpus and cached under .cache/ (rebuilt when the corpus or the code changes).
intent: $(STAMP)
	@$(BIN)/python -m agents.intent build

# The project's byte-code, written ahead: where PYTHONDONTWRITEBYTECODE is set (as on this machine) every `dastyar`
# command would compile its ~70 modules again (~80 ms). Stale files are rewritten; an unchanged tree costs ~0.1 s.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q -j 0 agents assistant tools prompts > /dev/null

system-deps:
	@scripts/system-deps.sh

# axe-core for the accessibility browser test: a pinned version from the npm registry, sha512 checked, in .cache/axe.
axe:
	@scripts/axe-core.sh

run: setup
	$(BIN)/dastyar serve

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Three `make test` runs beside a CPU hog on every core: the suite must not need a quiet machine.
test-stress: setup
	@scripts/test-stress.sh

lint: $(STAMP)
	$(BIN)/ruff check .

bench: setup
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) test-artifacts .pytest_cache .cache
