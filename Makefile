# NewsArchive: `make run` serves the sample archive through gunicorn; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= $(CURDIR)/data
PORT ?= 8000
export DATA_DIR

RUN_ENV = SECRET_KEY="$$(cat $(DATA_DIR)/secret_key)" SECURE_SSL_REDIRECT=0 DEBUG=$${DEBUG:-0}

.PHONY: run install install-dev test serve index sample-reuters bench bench-quick bench-load bench-1m clean admin-user messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

$(DATA_DIR)/secret_key:
	mkdir -p $(DATA_DIR)
	umask 077 && $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > $@

run: install $(DATA_DIR)/secret_key
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py load_sample --if-empty
	$(RUN_ENV) $(BIN)/python manage.py rebuild_index --noinput
	$(RUN_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Serving NewsArchive on http://127.0.0.1:$(PORT)/ (admin: make an account with 'make admin-user')"
	$(RUN_ENV) PORT=$(PORT) exec $(BIN)/gunicorn -c gunicorn.conf.py

admin-user: install $(DATA_DIR)/secret_key
	$(RUN_ENV) $(BIN)/python manage.py createsuperuser

index: install $(DATA_DIR)/secret_key
	$(RUN_ENV) $(BIN)/python manage.py rebuild_index --noinput

# The whole suite twice: on SQLite, then on a throwaway PostgreSQL (.ci/postgres tears it down even
# on failure); then the search, indexing and page tests on haystack's stock Whoosh engine, the
# reference ours keeps the contract of (tests/engine_contract runs on both engines in every pass).
# All always run; `make test` fails if any does. PYTEST_ARGS passes options on.
test: install-dev
	status=0; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	$(MAKE) --no-print-directory test-postgres || status=1; \
	$(MAKE) --no-print-directory test-stock-engine || status=1; \
	exit $$status

STOCK_ENGINE_TESTS = tests/search tests/articles tests/test_security.py tests/test_warmup.py

.PHONY: test-sqlite test-postgres test-browser test-stock-engine
test-sqlite: install-dev
	bash .ci/system-packages
	env -u DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/python -m pytest bench/test_bench.py -p no:django -p no:cacheprovider -q  # the benchmark's own code

test-postgres: install-dev
	bash .ci/system-packages
	bash .ci/postgres $(BIN)/python -m pytest $(PYTEST_ARGS)

test-stock-engine: install-dev
	env -u DATABASE_URL SEARCH_ENGINE_UNDER_TEST=stock $(BIN)/python -m pytest -m "not browser" $(STOCK_ENGINE_TESTS) $(PYTEST_ARGS)

test-browser: install-dev
	bash .ci/system-packages
	env -u DATABASE_URL $(BIN)/python -m pytest -m browser $(PYTEST_ARGS)

# The Spanish catalogue (GNU gettext needed only here): collect the strings into locale/es's
# django.po, translate what is new there, then compile the django.mo committed beside it.
MESSAGES_IGNORE = $(addprefix --ignore=,.venv bench tests docs data deploy artifacts)
messages: install $(DATA_DIR)/secret_key
	$(RUN_ENV) $(BIN)/python manage.py makemessages -l es --extension html,txt,py,xml --no-obsolete $(MESSAGES_IGNORE)
	$(RUN_ENV) $(BIN)/python manage.py compilemessages -l es --ignore=.venv

clean:
	rm -rf $(VENV) .pytest_cache

# Benchmarks (docs/benchmarks.md): the Reuters set and a generated 100,000-article set, with
# tantivy and SQLite FTS5 measured in the same run. bench-quick is a three-minute smoke run.
bench: install-dev
	$(BIN)/python bench/run.py --out bench/results/full.json
	$(BIN)/python bench/report.py bench/results/full.json $(wildcard bench/results/scale-1m.json) \
	  --memory $(wildcard bench/results/memory-*.json)

bench-quick: install-dev
	$(BIN)/python bench/run.py --quick --out bench/results/quick.json
	$(BIN)/python bench/report.py bench/results/quick.json --out /tmp/benchmarks-quick.md

sample-reuters: install $(DATA_DIR)/secret_key
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput
	$(RUN_ENV) $(BIN)/python manage.py import_articles ../shared/corpus/reuters21578.jsonl --source Reuters || [ $$? -eq 1 ]

# Load benchmark (issue 5): wrk against gunicorn on 127.0.0.1, per worker count, bounded in time.
bench-load: install-dev
	command -v wrk >/dev/null || (DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk)
	$(BIN)/python bench/load.py
	$(BIN)/python bench/load.py --size 100000 --workers 3

# A million generated articles (issue 14): hours of import, so outside make bench and CI. The
# archive is kept (about 10 GB under /tmp) for the workers' memory, measured on it afterwards.
bench-1m: install-dev
	$(BIN)/python bench/run.py --size 1000000 --keep --out bench/results/scale-1m.json
	$(BIN)/python bench/worker_memory.py gunicorn --out bench/results/memory-1m.json --data-dir \
	  "$$($(BIN)/python -c 'import json; print(json.load(open("bench/results/scale-1m.json"))["archives"][0]["data_dir"])')"
	$(BIN)/python bench/report.py $(wildcard bench/results/full.json) bench/results/scale-1m.json \
	  --memory $(sort $(wildcard bench/results/memory-*.json) bench/results/memory-1m.json)
