# NewsArchive: `make run` serves the sample archive through gunicorn; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DATA_DIR ?= $(CURDIR)/data
PORT ?= 8000
export DATA_DIR

RUN_ENV = SECRET_KEY="$$(cat $(DATA_DIR)/secret_key)" SECURE_SSL_REDIRECT=0 DEBUG=$${DEBUG:-0}

.PHONY: run install install-dev test serve index sample-reuters bench clean

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

test: install-dev
	bash .ci/system-packages
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache
