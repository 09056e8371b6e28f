# Everything a fresh machine needs, in two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SAMPLE ?= samples/sample_photo.jpg
BENCH_COUNT ?= 60
BENCH_SEED ?= 2026

.PHONY: setup fonts browser demo test lint bench docbench mergebench retakebench normbench verifybench regbench batchbench golden-record golden clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# CJK fonts render the synthetic certificates the tests and benchmarks read, and Noto's Mongolian,
# Tibetan and Arabic faces the second script of bilingual booklets (Debian packages).
fonts:
	@if fc-list :lang=zh 2>/dev/null | grep -q . && fc-list 2>/dev/null | grep -q NotoSansMongolian; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			fonts-noto-cjk fonts-noto-core fonts-wqy-microhei fonts-wqy-zenhei fonts-arphic-ukai fonts-arphic-uming >/dev/null; \
	else \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			fonts-noto-cjk fonts-noto-core fonts-wqy-microhei fonts-wqy-zenhei fonts-arphic-ukai fonts-arphic-uming >/dev/null; \
	fi

# Debian's Chromium runs the review page's browser tests (driven by Playwright, never its own browsers).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# The demo registry is the bundled sample roster, loaded into a local SQLite file.
DEMO_DB ?= $(VENV)/demo-registry.db

# The command lives in the virtual environment: the demo ends by saying how to type `certscan`.
demo: setup
	$(VENV)/bin/certscan registry import samples/registry.csv --db $(DEMO_DB) >/dev/null
	$(VENV)/bin/certscan verify $(SAMPLE) --registry $(DEMO_DB)
	@echo "certscan is installed in $(VENV)/bin: run '. $(VENV)/bin/activate' to type certscan in this shell"
	@echo "(or call $(VENV)/bin/certscan); the demo registry is $(DEMO_DB)."

lint: setup
	$(VENV)/bin/ruff check scanner tests benchmarks tools
	$(VENV)/bin/ruff format --check scanner tests benchmarks tools
	$(VENV)/bin/mypy scanner benchmarks tools

test: setup fonts browser lint
	$(VENV)/bin/pytest -q

bench: setup fonts
	$(PY) -m benchmarks.bench --count $(BENCH_COUNT) --seed $(BENCH_SEED)

# Booklets of both layouts, 资格证书 and 职称 pages: accuracy, silent errors, change records, time.
DOCBENCH_COUNT ?= 24
DOCBENCH_SEED ?= 19

docbench: setup fonts
	$(PY) -m benchmarks.docbench --count $(DOCBENCH_COUNT) --seed $(DOCBENCH_SEED) --modes scan,photo,hard

# Several hard photos of one certificate read as one (--merge) beside one photo alone.
mergebench: setup fonts
	$(PY) -m benchmarks.mergebench --count 20 --seed $(BENCH_SEED)

# The review page's retake advice: upload to answer against the scan itself, on the bundled samples.
retakebench: setup fonts
	$(PY) -m benchmarks.retakebench

normbench: setup fonts
	$(PY) -m benchmarks.normbench

verifybench: setup fonts
	$(PY) -m benchmarks.verifybench --count 10 --seed $(BENCH_SEED)

regbench: setup
	$(PY) -m benchmarks.regbench --rows 1000000 --lookups 10000

batchbench: setup fonts
	$(PY) -m benchmarks.batchbench --count 200

# Byte-for-byte proof that a refactoring changed no output: record before, check after.
GOLDEN ?= out/golden-before

golden-record: setup fonts
	$(PY) tools/golden.py record $(GOLDEN)

golden: setup fonts
	$(PY) tools/golden.py check $(GOLDEN)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache bench-out test-artifacts
