# ScaleCast: the two commands of the README, plus the benchmarks.
#   make run    build a release binary and simulate the default scenario
#   make test   run the test suite, check that the notebooks are current, run the exporter's tests
#   make bench  simulation speed and prediction accuracy (release build), then make validate
#   make validate  the simulator against published measurements (scenarios/validation/published)
#   make validation-errors  rewrite the measured errors that uncertainty ranges draw from (after a model change)
#   make fuzz   issue 17's contract on seeded hostile inputs (release build; FUZZ_COUNT=300 for a short run)
#   make man    regenerate docs/man/scalecast.1 with argument-parser's generate-manual plugin (offline)
# Each installs the Debian packages it needs when they are missing.

APT_PACKAGES := libopenblas-dev libgsl-dev gnuplot-nox fonts-dejavu-core fontconfig
SCENARIO ?= scenarios/default.yaml
SWIFT ?= swift
PYTHON ?= python3

FUZZ_COUNT ?= 5000
FUZZ_SEED ?= 17
FUZZ_ARGS ?=

.PHONY: run test test-tools bench build deps clean fuzz validate validation-errors man

run: build
	.build/release/scalecast simulate $(SCENARIO)

# The tests run optimized (docs/building.md, "The test build"): a release build with
# testable imports, in a folder of its own so that it and `make run`'s never rebuild
# each other. Its scalecast binary checks the notebooks and the exporter.
TEST_BUILD ?= .build-tests
TEST_FLAGS := -c release -Xswiftc -enable-testing --scratch-path $(TEST_BUILD)
TEST_BINARY := $(TEST_BUILD)/release/scalecast

# The suite writes its scenarios, charts and shards under TMPDIR: a folder of this run's
# own, removed after it, so that no run leaves hundreds of files in /tmp.
test: deps
	@scratch=$$(mktemp -d "$${TMPDIR:-/tmp}/scalecast-test-run.XXXXXX") || exit 1; \
	echo "$(SWIFT) test $(TEST_FLAGS)  (TMPDIR=$$scratch, removed after)"; \
	TMPDIR="$$scratch" $(SWIFT) test $(TEST_FLAGS); status=$$?; rm -rf "$$scratch"; exit $$status
	$(TEST_BINARY) notebook check notebooks-md/*.md
	$(MAKE) --no-print-directory test-tools

# The model exporter's tests (tools/tests): those that need PyTorch, torchvision
# or onnx are skipped, with one line saying why, where they are not installed.
test-tools:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "tools/tests skipped: $(PYTHON) is not on PATH"; exit 0; }; \
	SCALECAST=$(TEST_BINARY) $(PYTHON) tools/tests/run.py

bench: deps
	$(SWIFT) build -c release --product scalecast-bench
	.build/release/scalecast-bench .
	$(MAKE) --no-print-directory validate

# Not part of `make test`: every published case of the corpus, predicted vs published,
# median and largest |error| beside the always-linear baseline, and the goals (exit 0
# whatever the errors; README.md, "Validation against published measurements").
PUBLISHED ?= scenarios/validation/published
validate: deps
	$(SWIFT) build -c release --product scalecast
	.build/release/scalecast validate --published $(PUBLISHED)

# Rewrites the simulator's measured errors on the corpus, which uncertainty ranges
# (sweep --samples, plan --pessimistic, report) draw from and which are built into the
# binary; run it after any change to the model (a test fails until it is run).
ERRORS_FILE = Sources/Planning/MeasuredErrors/published-errors.yaml
validation-errors: deps
	$(SWIFT) build -c release --product scalecast
	.build/release/scalecast validate --published scenarios/validation/published --errors-out $(ERRORS_FILE) --force > /dev/null

# Not part of `make test`: minutes of seeded inputs through the release binary, each
# checked against the bad-input contract; failing inputs land in .build/fuzz/findings.
# Then 200 scenarios whose names and labels are injections, through chart and report
# (.build/fuzz-labels): a family kept out of the default mix so its inputs stay those
# BENCHMARKS.md counts.
fuzz: deps
	$(SWIFT) build -c release --product scalecast
	$(SWIFT) build -c release --product scalecast-fuzz
	.build/release/scalecast-fuzz .build/release/scalecast --seed $(FUZZ_SEED) --count $(FUZZ_COUNT) --work-dir .build/fuzz $(FUZZ_ARGS); \
	mix=$$?; \
	.build/release/scalecast-fuzz .build/release/scalecast --seed $(FUZZ_SEED) --count 200 --family labels --work-dir .build/fuzz-labels; \
	labels=$$?; test $$mix = 0 && test $$labels = 0

build: deps
	$(SWIFT) build -c release --product scalecast

# The manual, from the commands' own help (swift-argument-parser's GenerateManual
# plugin, which builds the package and runs `scalecast --experimental-dump-help`).
# Dated by the last commit that changed the CLI, so that regenerating it unchanged changes nothing.
# A test fails when a command or option is missing from the committed page.
man: deps
	$(SWIFT) package generate-manual --configuration debug --date $$(git log -1 --format=%cs -- Sources/ScaleCastCLI 2>/dev/null || date +%F)
	mkdir -p docs/man
	cp .build/plugins/GenerateManual/outputs/scalecast/scalecast.1 docs/man/scalecast.1

# Installs only what is missing, so a machine that has everything needs no root
# and no network.
deps:
	@command -v $(SWIFT) >/dev/null 2>&1 || { echo "error: '$(SWIFT)' not found: install Swift 6 and put it on PATH" >&2; exit 2; }
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  command -v apt-get >/dev/null 2>&1 || { echo "error: missing packages:$$missing (and no apt-get to install them)" >&2; exit 2; }; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  echo "Installing:$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

clean:
	rm -rf .build $(TEST_BUILD)
