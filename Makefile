# The two commands a newcomer needs:  make demo   and   make test
# Each creates .venv if missing, installs the pinned dependencies, assembles the
# local model, and starts what it needs. Two locks: requirements.lock is what the
# platform runs on (make install-runtime, the container image); requirements-dev.lock
# adds the test, lint and type-check tools (make install, for make test).

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
RUNTIME_STAMP := $(VENV)/.installed-runtime
# llama-cpp-python has no wheel on PyPI: it compiles (about 6 min on 2 cores, cached by pip after).
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint typecheck unit slow bench bench-venv eval install install-runtime models chromium clean lock

demo: install-runtime models
	$(BIN)/streamwise demo $(ARGS)

test: install models lint typecheck unit slow

# Runtime and dev tools (make test); install-runtime alone is what a deployment needs.
install: $(STAMP)

install-runtime: $(RUNTIME_STAMP)

$(RUNTIME_STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q pip==25.3
	# torch first and exact: the CPU build on this machine's disk, not a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(RUNTIME_STAMP)

$(STAMP): $(RUNTIME_STAMP) requirements-dev.lock
	$(BIN)/pip install -q -r requirements-dev.lock
	touch $(STAMP)

# Regenerate both locks after changing pyproject.toml's dependencies or its dev extra, in
# a scratch venv: the runtime lock is what `pip install .` pulls in, the dev lock what
# '.[dev]' adds on top (optional extras, such as the 1.5B model's parts, stay out).
LOCK_VENV := .venv-lock
lock:
	rm -rf $(LOCK_VENV) && $(PY) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install -q pip==25.3 torch==2.13.0
	$(LOCK_VENV)/bin/pip install -q .
	$(LOCK_VENV)/bin/pip freeze | grep -v '^streamwise[= @]' > requirements.lock
	$(LOCK_VENV)/bin/pip install -q '.[dev]'
	$(LOCK_VENV)/bin/pip freeze | grep -v '^streamwise[= @]' | grep -vxFf requirements.lock \
		> requirements-dev.lock
	rm -rf $(LOCK_VENV)

models: install-runtime
	$(BIN)/streamwise llm assemble

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy payloads streams tools retrieval agents evals streamwise

# pytest exits 5 when a selection collects nothing: not a failure for a sub-step.
unit: install
	$(BIN)/pytest -m "not slow" -q || test $$? -eq 5

slow: install models chromium
	$(BIN)/pytest -m slow -q || test $$? -eq 5

# The console's browser tests drive Debian's chromium (Playwright only talks to it; it
# downloads no browser). CI runs as root.
chromium:
	test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

bench: install models bench-venv
	$(BIN)/python -m benchmarks

# Quix Streams, measured beside the runtime by bench_runtime, in a venv of its own:
# quixstreams==3.28.1 pins confluent-kafka<2.13 and pydantic<2.14, older than the
# platform's (requirements-bench.lock is that venv's full pin list).
BENCH_VENV := .venv-bench
bench-venv: $(BENCH_VENV)/.installed

$(BENCH_VENV)/.installed: requirements-bench.lock
	test -x $(BENCH_VENV)/bin/python || $(PY) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install -q pip==25.3
	$(BENCH_VENV)/bin/pip install -q -r requirements-bench.lock
	touch $@

# An evaluation suite against a model endpoint, e.g.
#   make eval ARGS="support --limit 10"   or   ARGS="analyst --base-url http://gpu:8000/v1 --model M"
eval: install-runtime models
	$(BIN)/streamwise eval $(ARGS)

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
