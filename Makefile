# Two entry points, both from a fresh machine with only python3 and a shell:
#   make demo   -- create .venv, install scatkit with every extra, run the main job
#                  (the MNIST experiment, quick form: scattering vs pixels vs ConvNet)
#   make test   -- create .venv, install scatkit with the test extras, run the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SHARED_DATA := $(abspath ../shared/data)
export SCATKIT_DATA ?= $(if $(wildcard $(SHARED_DATA)),$(SHARED_DATA),)

.PHONY: demo test test-slow bench results install clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[all,test]"
	touch $@

install: $(VENV)/.installed

demo: $(VENV)/.installed
	$(VENV)/bin/scatkit experiment mnist --quick --out results
	@cat results/mnist/table.md

test: $(VENV)/.installed
	$(PY) -m pytest -q -m "not slow"

test-slow: $(VENV)/.installed
	$(PY) -m pytest -q -m slow

bench: $(VENV)/.installed
	$(VENV)/bin/scatkit bench

# regenerate docs/RESULTS.md from the full runs under results/
results: $(VENV)/.installed
	$(PY) -m scatkit.experiments.report --results results --output docs/RESULTS.md

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .hypothesis
