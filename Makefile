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

setup: system $(STAMP)

system:
	@bash scripts/setup-system.sh

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)
