PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
THREADS := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

.PHONY: venv dot test demo bench lint clean

venv: $(STAMP)

# Reinstall only when pyproject.toml changes. A .venv made elsewhere (without the
# stamp) is reused as it is: no new venv, no pip self-upgrade, just the install.
$(STAMP): pyproject.toml
	@test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install -e '.[dev]'
	@touch $@

dot:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Graphviz 'dot' is missing: installing it with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz \
	      || echo "warning: apt-get could not install graphviz; graph tests may be skipped"; \
	  else \
	    echo "Graphviz 'dot' is missing: install it with 'sudo apt-get install graphviz' (Debian/Ubuntu) or 'brew install graphviz' (macOS)"; \
	  fi; \
	fi

test: venv dot
	$(THREADS) $(VPY) -m pytest -n 2 -q

demo: venv dot
	$(VPY) -m autograd_core demo

bench: venv
	$(THREADS) MKL_NUM_THREADS=1 $(VPY) -m benchmarks

lint: venv
	$(VENV)/bin/ruff check .

# Keeps .venv; delete it by hand for a fresh environment.
clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis .ruff_cache
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
