# Two commands for a newcomer: `make run` serves the service, `make test` runs the suite.
# Both create .venv with Python 3.11 and install the pinned requirements on first use.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
# The served site behaves as in production (no debug pages); `make run DJANGO_DEBUG=true` to debug.
RUN_DEBUG ?= $(or $(DJANGO_DEBUG),false)
# gunicorn's workers share one cache, so that the sign-in throttles count across them.
RUN_CACHE_URL ?= $(or $(CACHE_URL),filecache://$(CURDIR)/.cache/django)

.DEFAULT_GOAL := help
.PHONY: help run worker beat test test-quick lint format messages setup-db clean

help:
	@echo "make run    install, migrate, load fixtures and seed data, serve on http://$(HOST):$(PORT)"
	@echo "make worker a Celery worker for CELERY_BROKER_URL (background work and notifications)"
	@echo "make beat   the Celery beat scheduler (overdue sweep, purges, notification re-drive)"
	@echo "make test   install test tools and run the whole suite (SQLite, or DATABASE_URL)"
	@echo "make test-quick   the suite without the tests marked slow (the full seed)"
	@echo "make lint   ruff check and format check"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.runtime-installed

setup-db: $(VENV)/.runtime-installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py loadfixtures
	$(BIN)/python manage.py seed --if-empty

run: setup-db
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=$(RUN_DEBUG) CACHE_URL=$(RUN_CACHE_URL) $(BIN)/gunicorn -c config/gunicorn.conf.py \
		--bind $(HOST):$(PORT) --workers $(WORKERS)

# With CELERY_BROKER_URL set, a worker and beat run beside the server; without it the service
# runs in single-machine mode and needs neither. A worker keeps its database connection.
worker: $(VENV)/.runtime-installed
	DATABASE_CONN_MAX_AGE=$(or $(DATABASE_CONN_MAX_AGE),600) $(BIN)/celery -A config worker --loglevel=INFO

beat: $(VENV)/.runtime-installed
	@mkdir -p .cache
	$(BIN)/celery -A config beat --loglevel=INFO --schedule .cache/celerybeat-schedule

test: $(VENV)/.dev-installed
	$(BIN)/pytest $(PYTEST_ARGS)

# The tests marked `slow` seed the whole data of the reports; leave them out while working.
test-quick: $(VENV)/.dev-installed
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemessages --locale zh_Hans --ignore '.venv/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .cache
