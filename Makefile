# `make test` sets up everything the tests need on a fresh machine and runs them.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: test test-pythons lint bench setup shells browser completions clean

test: setup lint
	$(BIN)/pytest
	$(MAKE) test-pythons

# The package promises Python 3.10+ and imports private CPython modules (_sha2 or _sha256,
# _sha1, _json, _signal) whose names differ between versions: the parser, record, store and
# hot-path tests run on each of 3.10-3.13, in .venv-3.1x. The versions come from pyenv; a
# missing one fails the target (CI must not pass on fewer) unless PYTHONS names the
# interpreters to use, e.g. PYTHONS="python3.11 /opt/py312/bin/python3".
PYTHON_VERSIONS := 3.10 3.11 3.12 3.13
PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $(HOME)/.pyenv)
PYTHONS ?=
VERSION_TESTS := tests/test_hot_path.py tests/test_pulumi_cli.py tests/test_grammar.py \
	tests/test_records.py tests/test_redact.py tests/test_local_log.py tests/test_verify.py \
	tests/test_python_versions.py

test-pythons:
	@pythons="$(PYTHONS)"; \
	if [ -z "$$pythons" ]; then \
		missing=""; \
		for version in $(PYTHON_VERSIONS); do \
			found=$$(ls -d $(PYENV_ROOT)/versions/$$version.*/bin/python3 2>/dev/null | sort -V | tail -n 1); \
			if [ -n "$$found" ]; then pythons="$$pythons $$found"; else missing="$$missing $$version"; fi; \
		done; \
		if [ -n "$$missing" ]; then \
			echo "test-pythons: no Python$$missing under $(PYENV_ROOT)/versions;" \
				"install them (pyenv install) or name the interpreters in PYTHONS=" >&2; \
			exit 1; \
		fi; \
	fi; \
	for python in $$pythons; do \
		version=$$($$python -c 'import sys; print("%d.%d" % sys.version_info[:2])') || exit 1; \
		venv=.venv-$$version; \
		echo "== Python $$version ($$python) in $$venv"; \
		if [ ! -f $$venv/.installed ] || [ pyproject.toml -nt $$venv/.installed ]; then \
			$$python -m venv $$venv && \
			$$venv/bin/python -m pip install --quiet --upgrade pip && \
			$$venv/bin/python -m pip install --quiet -e '.[test]' && \
			$$venv/bin/python -m pip uninstall --quiet --yes setuptools && \
			touch $$venv/.installed || exit 1; \
		fi; \
		$$venv/bin/pytest -q -p no:cacheprovider $(VERSION_TESTS) || exit 1; \
	done

# The Azure Blob tests run Azurite, Microsoft's storage emulator, from npm (node comes from apt
# when missing). SeaweedFS, the S3 server, is a Python dependency of the test extra.
AZURITE := .tools/node_modules/.bin/azurite-blob

setup: $(VENV)/.installed shells browser $(AZURITE)

$(AZURITE):
	@command -v npm >/dev/null 2>&1 || { \
		echo "installing nodejs and npm for Azurite"; \
		apt-get update -qq </dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			nodejs npm </dev/null; }
	mkdir -p .tools
	npm install --silent --no-audit --no-fund --prefix .tools azurite@3
	touch $@

# The completion tests run the real zsh and fish (bash is already there), and bash with the
# bash-completion package too; the verify tests run the shim under faketime (libfaketime) to
# step its clock back; the viewer's terminal tests page through the real less. On a fresh
# Debian machine (CI runs as root, without stdin) they come from apt; nothing is done when
# they are present. The forwarding tests run rsyslogd (unprivileged, with their own config)
# and its TLS driver (rsyslog-openssl); Debian's policy-rc.d in containers keeps the package
# from starting a system daemon, and the tests never use one. The query tests run pyspark (test
# extra), which needs Java 17 or later (Debian 12's default JRE).
shells:
	@missing=""; for program in zsh fish faketime less; do \
		command -v $$program >/dev/null 2>&1 || missing="$$missing $$program"; \
	done; \
	[ -f /usr/share/bash-completion/bash_completion ] || missing="$$missing bash-completion"; \
	[ -x /usr/sbin/rsyslogd ] || missing="$$missing rsyslog"; \
	ls /usr/lib/*/rsyslog/lmnsd_ossl.so >/dev/null 2>&1 || missing="$$missing rsyslog-openssl"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing for the tests"; \
		apt-get update -qq </dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			-o DPkg::Lock::Timeout=300 $$missing </dev/null; \
	fi

# The HTML report's tests load it in a real headless Chromium, driven by selenium (test extra)
# through chromedriver; both come from Debian's packages, installed like the shells above.
browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing for the report's browser tests"; \
		apt-get update -qq </dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			$$missing </dev/null; \
	fi

# Regenerates shell-completions/ from the click app; a test fails while it is stale.
completions: $(VENV)/.installed
	$(BIN)/python -m pulumi_audited.completion --write shell-completions

# pip itself is upgraded first: since 25.x its console scripts no longer import `re`,
# which is 5 ms of the shim's start-up on every pulumi command. Python 3.11's venv ships
# setuptools, whose .pth hook costs every start-up 0.4 ms; pipx and Python 3.12+ venvs have
# none, and the editable install builds in isolation anyway, so it goes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip uninstall --quiet --yes setuptools
	$(BIN)/python -m compileall -q src
	touch $@

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# BASELINE=DIR (another checkout's src folder) adds that version's shim to every round.
bench: setup
	$(BIN)/python benchmarks/shim_overhead.py $(if $(BASELINE),--baseline-src $(BASELINE))
	$(BIN)/python benchmarks/completion_delay.py

clean:
	rm -rf $(VENV) .venv-3.1? .tools .pytest_cache .ruff_cache .mypy_cache
