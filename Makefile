# The two commands a new user needs: `make run` and `make test`. Each sets everything up first.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTHON ?= python3

.PHONY: run test setup system

run: setup
	$(BIN)/paybot db upgrade
	$(BIN)/paybot db seed
	$(BIN)/paybot run

test: export PAYBOT_SETUP_TEST_TOOLS = 1
test: setup
	$(BIN)/ruff check bot currency tests bench
	$(BIN)/mypy
	$(BIN)/pytest

# Bytecode for the project's own modules, so a fresh `paybot` does not compile them on every start (as an
# installed package would not), even where PYTHONDONTWRITEBYTECODE stops Python from caching it itself.
setup: system $(STAMP)
	@$(BIN)/python -m compileall -q bot currency > /dev/null

system:
	@bash scripts/setup-system.sh

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)
