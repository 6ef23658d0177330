# The two commands: `make run` (embedded demo) and `make test` (the whole suite).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_LOCK := requirements-dev.lock
PORT ?= 8000
HOST ?= 127.0.0.1
# localstripe's port under `make run` (settings read STRIPE_PORT); move it when 8420 is taken.
STRIPE_PORT ?= 8420

# `make test` runs in the services mode against real PostgreSQL and Redis.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/storefront)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/0)
CHROMIUM ?= /usr/bin/chromium

# `make bench` uses a database and a Redis DB of its own (the database is dropped and made anew).
BENCH_DATABASE_URL ?= $(dir $(TEST_DATABASE_URL))storefront_bench
BENCH_REDIS_URL ?= $(dir $(TEST_REDIS_URL))10
BENCH_CHANNEL_PREFIX ?= bench$$$$

# The services mode refuses to start on the embedded demo's published secrets (project/settings.py):
# `make test` and `make bench` bring fresh ones per run; `make run-services` keeps its own in
# var/services.env, made once (sessions outlive a restart).
FRESH_SECRETS = SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(40))') \
	STRIPE_WEBHOOK_SECRET=whsec_$$($(BIN)/python -c 'import secrets; print(secrets.token_hex(16))')
SERVICES_ENV := var/services.env

# The whole suite (no PYTEST_ARGS) runs on TEST_WORKERS pytest-xdist workers (a file stays on one
# worker), measures branch coverage and fails under 90% (pyproject.toml).
TEST_WORKERS ?= 2
WHOLE_SUITE = --numprocesses=$(TEST_WORKERS) --dist=loadfile --cov --cov-report=term --cov-report=html

.PHONY: run run-services test lint typecheck pytest e2e bench venv lock clean

# The venv installs the pinned, hashed dependencies of requirements-dev.lock, then the project itself
# (no dependencies of its own: they are all in the lock); a new lock re-makes it.
$(STAMP): $(DEV_LOCK) pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(DEV_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

## lock: pin pyproject.toml's dependencies with hashes in requirements.lock and requirements-dev.lock
##       (uv, from the dev extra; LOCK_ARGS=--upgrade or "--upgrade-package NAME" moves pins); commit both
lock: $(STAMP)
	$(BIN)/python deploy/lock.py --uv $(BIN)/uv $(LOCK_ARGS)

## run: the embedded demo (SQLite, in-memory channel layer, eager Celery, console email/SMS,
##      localstripe on :$(STRIPE_PORT) and the periodic jobs (manage.py run_periodic) beside Daphne; see deploy/run-embedded.sh)
run: $(STAMP)
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py migrate --noinput
	env -u DATABASE_URL -u REDIS_URL $(BIN)/python manage.py seed_demo
	@echo "Storefront: http://$(HOST):$(PORT)/  (shopper@example.com / shopper-pass-123)"
	env -u DATABASE_URL -u REDIS_URL BIN=$(BIN) HOST=$(HOST) PORT=$(PORT) STRIPE_PORT=$(STRIPE_PORT) sh deploy/run-embedded.sh

## run-services: the same store against PostgreSQL and Redis from DATABASE_URL / REDIS_URL
run-services: $(STAMP) $(SERVICES_ENV)
	set -a && . ./$(SERVICES_ENV) && set +a && export DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) && \
	$(BIN)/python deploy/create-database.py && \
	$(BIN)/python manage.py migrate --noinput && $(BIN)/python manage.py seed_demo && \
	$(BIN)/daphne -b $(HOST) -p $(PORT) project.asgi:application

$(SERVICES_ENV): | $(STAMP)
	mkdir -p var
	umask 077 && $(BIN)/python -c 'import secrets; print(f"SECRET_KEY={secrets.token_urlsafe(50)}"); \
		print(f"STRIPE_WEBHOOK_SECRET=whsec_{secrets.token_hex(24)}")' > $@

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy commerce realtime project

## test: ruff, mypy, then pytest (unit, integration and browser tests) on PostgreSQL and Redis
test: $(STAMP)
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python tests/check_services.py
	$(MAKE) --no-print-directory lint typecheck
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CHROMIUM=$(CHROMIUM) $(FRESH_SECRETS) \
		CHANNEL_PREFIX=test$$$$ $(BIN)/pytest $(if $(PYTEST_ARGS),$(PYTEST_ARGS),$(WHOLE_SUITE))

e2e: PYTEST_ARGS = tests/e2e
e2e: test

## bench: the benchmarks of tests/bench/ (not part of `make test`; needs wrk) against their floors, written to BENCHMARKS.md
bench: $(STAMP)
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) $(BIN)/python tests/check_services.py
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) CHANNEL_PREFIX=$(BENCH_CHANNEL_PREFIX) \
		$(FRESH_SECRETS) $(BIN)/python -m tests.bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .mypy_cache .ruff_cache
