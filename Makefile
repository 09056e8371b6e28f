# Everything a fresh machine needs, in two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SAMPLE ?= samples/sample_photo.jpg
BENCH_COUNT ?= 60
BENCH_SEED ?= 2026

.PHONY: setup fonts demo test lint bench normbench batchbench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# CJK fonts render the synthetic certificates the tests and benchmarks read (Debian packages).
fonts:
	@if fc-list :lang=zh 2>/dev/null | grep -q .; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			fonts-noto-cjk fonts-wqy-microhei fonts-wqy-zenhei fonts-arphic-ukai fonts-arphic-uming >/dev/null; \
	else \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			fonts-noto-cjk fonts-wqy-microhei fonts-wqy-zenhei fonts-arphic-ukai fonts-arphic-uming >/dev/null; \
	fi

demo: setup
	$(VENV)/bin/certscan scan $(SAMPLE)

lint: setup
	$(VENV)/bin/ruff check scanner tests
	$(VENV)/bin/ruff format --check scanner tests
	$(VENV)/bin/mypy scanner

test: setup fonts lint
	$(VENV)/bin/pytest -q

bench: setup fonts
	$(PY) -m scanner.bench --count $(BENCH_COUNT) --seed $(BENCH_SEED)

normbench: setup
	$(PY) -m scanner.normbench

batchbench: setup fonts
	$(PY) -m scanner.batchbench --count 200

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench-out
