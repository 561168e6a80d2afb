# Sira — one command to run, one to test. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: install run test bench lint translations clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)
	$(BIN)/pybabel compile --statistics -d hub/translations 2>&1 | tail -n 1

# Embedded mode: SQLite in instance/, jobs in-process, channels into the simulator. Safe to run twice.
run: install
	$(BIN)/sira db upgrade
	$(BIN)/sira demo load
	$(BIN)/sira run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .

translations: install
	$(BIN)/pybabel extract -F babel.cfg -o hub/translations/messages.pot hub directory routing notifications adapters
	$(BIN)/pybabel update -i hub/translations/messages.pot -d hub/translations --width 110

clean:
	rm -rf $(VENV) instance .pytest_cache
