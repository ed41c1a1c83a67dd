# CNAM Mayotte portal — developer commands.
#
#   make run     virtualenv + dependencies + migrate + demo data, then serve on
#                http://127.0.0.1:$(PORT) with the embedded defaults (SQLite
#                under var/, tasks in-process, emails printed to the console).
#   make test    the whole test suite (PostgreSQL/Redis when DATABASE_URL /
#                REDIS_URL / CELERY_BROKER_URL are set, SQLite otherwise).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
# Links in emails and PDFs point at the address `make run` serves, unless SITE_URL is set.
SITE_URL ?= http://127.0.0.1:$(PORT)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements.stamp

export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help venv run test bench worker beat lint format migrate seed clean distclean

help:
	@echo "make run        serve the portal on http://127.0.0.1:$(PORT) (DEBUG, SQLite, demo data)"
	@echo "make test       run the whole test suite"
	@echo "make bench      pages under load at demo and region scale (needs PostgreSQL, wrk)"
	@echo "make lint       ruff, import contracts and cycles, mypy, djLint, django-upgrade"
	@echo "make format     ruff format + ruff check --fix"
	@echo "make migrate    apply migrations"
	@echo "make seed       load the demo data"
	@echo "make worker     Celery worker (needs CELERY_BROKER_URL)"
	@echo "make beat       Celery beat scheduler (needs CELERY_BROKER_URL)"
	@echo "make clean      remove caches and collected static files"
	@echo "make distclean  clean + remove the virtualenv and var/"

# Python 3.12+ is required. On machines with pyenv, `python3.12` is a shim that
# only answers when PYENV_VERSION selects it, hence the defaults below.
$(PY):
	@set -e; \
	found=""; \
	for candidate in \
		"env PYENV_VERSION=$${PYENV_VERSION:-3.12.1} python3.12" \
		"env PYENV_VERSION=$${PYENV_VERSION:-3.13.0} python3.13" \
		"python3.12" "python3.13" "python3"; do \
		if $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then \
			found="$$candidate"; break; \
		fi; \
	done; \
	if [ -z "$$found" ]; then \
		echo "error: Python 3.12 or newer is required (tried python3.12, python3.13, python3)." >&2; \
		echo "       Install it (apt install python3.12 python3.12-venv, or pyenv install 3.12) and retry." >&2; \
		exit 1; \
	fi; \
	echo "Creating $(VENV) with $$($$found -c 'import sys; print(sys.executable, sys.version.split()[0])')"; \
	$$found -m venv $(VENV)

# Reinstall only when a requirements file changed since the last install.
$(STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	@touch $@

venv: $(STAMP)

run: venv
	DEBUG=1 SITE_URL=$(SITE_URL) $(PY) manage.py migrate --noinput
	DEBUG=1 SITE_URL=$(SITE_URL) $(PY) manage.py seed_demo
	@echo "Serving http://127.0.0.1:$(PORT)/ (Ctrl-C to stop); links in emails: $(SITE_URL)"
	DEBUG=1 SITE_URL=$(SITE_URL) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# DATABASE_URL, REDIS_URL and CELERY_BROKER_URL pass through from the
# environment; --create-db so a fresh clone never reuses a stale test database.
# One xdist worker per core (at most TEST_WORKERS_MAX), each with its own test database;
# --dist loadgroup keeps the browser tests on one worker and its one deployment.
TEST_WORKERS ?= auto
TEST_WORKERS_MAX ?= 4
test: venv
	@status=0; $(VENV)/bin/pytest --create-db -n $(TEST_WORKERS) --maxprocesses $(TEST_WORKERS_MAX) --dist loadgroup \
		$(PYTEST_ARGS) || status=$$?; \
	if [ $$status = 5 ]; then echo "error: pytest collected no tests." >&2; fi; \
	exit $$status

# The page benchmark at both scales (bench/README.md): BENCH_DATABASE_URL names any database of
# a PostgreSQL server, on which it makes its own; BENCH_ARGS passes options (--rounds 1).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
bench: venv
	@command -v wrk >/dev/null || { echo "error: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
	@status=0; \
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/bench_pages.py --scale demo $(BENCH_ARGS) || status=$$?; \
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/bench_pages.py --scale large $(BENCH_ARGS) || status=$$?; \
	exit $$status

# One worker for every queue in development; WORKER_QUEUES=mail make worker runs one group only.
WORKER_QUEUES ?= mail,documents,default

worker: venv
	@test -n "$$CELERY_BROKER_URL" || { echo "error: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)" >&2; exit 1; }
	$(VENV)/bin/celery -A cnam_portal worker --loglevel=INFO --queues=$(WORKER_QUEUES)

beat: venv
	@test -n "$$CELERY_BROKER_URL" || { echo "error: set CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0)" >&2; exit 1; }
	$(VENV)/bin/celery -A cnam_portal beat --loglevel=INFO

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/python .ci/import_cycles.py
	DEBUG=1 $(VENV)/bin/mypy
	$(VENV)/bin/djlint templates --lint
	git ls-files -z -- '*.py' | xargs -0 $(VENV)/bin/django-upgrade --target-version 6.1 --check

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

migrate: venv
	$(PY) manage.py migrate --noinput

seed: venv
	$(PY) manage.py seed_demo

clean:
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache test-results var/static var/test-static

distclean: clean
	rm -rf $(VENV) var
