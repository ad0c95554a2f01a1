# ScaleCast: the two commands of the README, plus the benchmarks.
#   make run    build a release binary and simulate the default scenario
#   make test   run the test suite, then check that the notebooks are current
#   make bench  simulation speed and prediction accuracy (release build)
# Each installs the Debian packages it needs when they are missing.

APT_PACKAGES := libopenblas-dev libgsl-dev gnuplot-nox fonts-dejavu-core fontconfig
SCENARIO ?= scenarios/default.yaml
SWIFT ?= swift

.PHONY: run test bench build deps clean

run: build
	.build/release/scalecast simulate $(SCENARIO)

test: deps
	$(SWIFT) test
	$(SWIFT) build --product scalecast
	.build/debug/scalecast notebook check notebooks-md/*.md

bench: deps
	$(SWIFT) build -c release --product scalecast-bench
	.build/release/scalecast-bench .

build: deps
	$(SWIFT) build -c release --product scalecast

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
	rm -rf .build
