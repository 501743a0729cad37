# dawna: `make run` (install, migrate, demo data, serve) and `make test` (the whole suite).
# The interpreter the virtual environment is made from: the distribution's python3.11 where it
# is there with its venv module (Debian builds it with profile-guided and link-time optimization;
# pyenv's and a plain source build are not), else python3. Measured here, the same code on
# Debian's 3.11.2 against pyenv's 3.11.7: the suite's CPU about 17 % less, a page's CPU 9-18 %
# less, a pure-Python loop 25 % less; randomization no clear change (bench/README.md, "the
# interpreter"). `make PYTHON=python3 install` chooses another; a .venv made from another
# interpreter than the chosen one is made again.
PYTHON ?= $(shell /usr/bin/python3.11 -c 'import ensurepip, venv' >/dev/null 2>&1 \
            && echo /usr/bin/python3.11 || echo python3)
VENV   := .venv
BIN    := $(VENV)/bin
UV     := $(BIN)/uv
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install run test lint typecheck i18n clean bench

# Compiled catalogues (not committed): read at start-up without Babel; dawna falls back to the
# .po itself whenever a .mo is missing or older than it.
PO     := $(wildcard dawna/i18n/locales/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)

# Which interpreter (prefix and version) the .venv must be made from; rewritten only when it
# changes, so that a change makes the .venv again.
BASE    := $(VENV)/.base-python
BASE_OF := -c 'import sys; print(sys.base_prefix, sys.version.split()[0])'
WANTED  := $(shell $(PYTHON) $(BASE_OF))

.PHONY: FORCE
$(BASE): FORCE
	@mkdir -p $(VENV)
	@test "$$(cat $@ 2>/dev/null)" = "$(WANTED)" || echo "$(WANTED)" > $@

$(STAMP): pyproject.toml requirements.lock $(BASE)
	test "$$($(BIN)/python $(BASE_OF) 2>/dev/null)" = "$(WANTED)" \
	  || $(PYTHON) -m venv --clear $(VENV)
	echo "$(WANTED)" > $(BASE)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(UV) pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP) $(MO)
	@# Bytecode written once here, as pip does when it installs (uv does not by default): a
	@# command or server then starts without compiling every module again, even where
	@# PYTHONDONTWRITEBYTECODE is set. Up-to-date files are skipped.
	@$(BIN)/python -m compileall -q -j 0 dawna > /dev/null

%.mo: %.po $(STAMP)
	$(BIN)/python -c 'import sys; from dawna.i18n import write_mo_file; write_mo_file(sys.argv[1])' $<

run: install
	$(BIN)/dawna db upgrade
	$(BIN)/dawna demo --if-empty
	@echo ""
	@echo "  dawna: open http://$(HOST):$(PORT)/study"
	@echo "  demo logins, password dawna-demo-2026: admin, investigator, coordinator, reader,"
	@echo "  statistician, monitor, datamanager (site PUMCH; admin, statistician, monitor and"
	@echo "  datamanager also SIM2),"
	@echo "  coordinator2 and investigator2 (site SIM2)"
	@echo ""
	$(BIN)/dawna serve --host $(HOST) --port $(PORT)

# Long work first and in the order given (tests/scheduling.py), not reordered by group size.
# Bytecode written even where PYTHONDONTWRITEBYTECODE is set: pytest then keeps each test
# module's assertion rewrite, and a later run's workers each collect in 12 s of CPU, not 20.
test: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n 2 --dist loadgroup --no-loadscope-reorder

lint: install
	$(BIN)/ruff check dawna tests
	$(BIN)/mypy

i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _ -k lazy_gettext -k N_ --sort-output --no-location \
	  --project dawna --version 0.1.0 -o dawna/i18n/messages.pot dawna
	$(BIN)/pybabel update -i dawna/i18n/messages.pot -d dawna/i18n/locales --no-fuzzy-matching \
	  --ignore-obsolete
	$(MAKE) $(MO)

clean:
	rm -rf $(VENV) var .pytest_cache
