# Everything a new developer or CI needs: `make run`, `make test`.
# Needs only python3 (3.10 or newer) on the PATH.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format migrate clean bench

# Reinstalls only when a requirements file changes. Development installs
# both files; production installs requirements.txt only (docs/deploying.md).
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Local development: DEBUG on, SQLite file unless DATABASE_URL is set, and a
# job worker (imports, e-mail, large exports) beside the web server.
# Demo data is seeded only when the SQLite database did not exist yet.
run: export DJANGO_DEBUG ?= 1
# Links in e-mails (printed in this terminal) point at this server.
run: export DJANGO_SITE_URL ?= http://$(HOST):$(PORT)
# The worker prints the e-mails it sends (console backend): at once, even
# when this terminal's output goes to a file or a pipe.
run: export PYTHONUNBUFFERED ?= 1
run: install
	@if [ -z "$$DATABASE_URL" ] && [ ! -f db.sqlite3 ]; then new_db=1; fi; \
	$(PY) manage.py migrate --no-input && \
	$(PY) manage.py load_stages && \
	if [ -n "$$new_db" ]; then $(PY) manage.py seed_demo; \
	else echo "Log in with the accounts you created (demo accounts: 'python manage.py seed_demo' resets their passwords)."; fi
	@echo "Serving at http://$(HOST):$(PORT)/ with a job worker beside it (Ctrl-C stops both)"
	@$(PY) manage.py run_worker --interval 0.5 & worker=$$!; \
	trap 'pkill -TERM -P $$worker 2>/dev/null; kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# lint-imports: the import rule between feature packages (pyproject.toml,
# docs/development.md). PYTEST_ARGS narrows the run, e.g.
# PYTEST_ARGS='-m "not e2e"' (CI's PostgreSQL run).
test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/pytest $(PYTEST_ARGS)

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

# Page times and query counts at N=36 and N=3,143, throughput (gunicorn + wrk),
# and a two-instance scale-out check. Needs PostgreSQL on 127.0.0.1:5432
# (BENCH_ARGS="--database-url ..." otherwise); writes bench/bench.json. See bench/README.md.
BENCH_ARGS ?=
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)
