# knoxconform — common tasks. `make conform` is the main job; `make test` runs every test.
GO       ?= go
BIN      ?= $(CURDIR)/bin
REPORTS  ?= $(CURDIR)/knoxconform-report
# PROCS=0 lets knoxconform pick (runner.DefaultProcs: 4 per CPU, 2 to 12): cases
# mostly wait, so workers outnumber CPUs; PROCS=1 runs serially.
PROCS    ?= 0

MUTANTS := $(notdir $(patsubst %/,%,$(wildcard fixtures/clients/mutants/*/)))

.PHONY: all build test conform lint precision bench docs clean mutants

all: build

## build: the two tools and the bundled reference client
build:
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/knoxconform ./cmd/knoxconform
	$(GO) build -o $(BIN)/knoxvet ./cmd/knoxvet
	$(GO) build -o $(BIN)/reference-client ./fixtures/clients/reference

## mutants: every mutant client (each breaks one rule), for the kill matrix
mutants:
	@mkdir -p $(BIN)/mutants
	@for m in $(MUTANTS); do $(GO) build -o $(BIN)/mutants/$$m ./fixtures/clients/mutants/$$m || exit 1; done

## conform: the main job — the whole suite against the reference client, reports in $(REPORTS)
conform: build
	$(BIN)/knoxconform run --target "$(BIN)/reference-client" --report-dir "$(REPORTS)" --procs $(PROCS)

## test: every test (unit, suite self-tests, kill matrix, analyzers, browser), lint and knoxvet's precision check
test: lint precision
	$(GO) test -count=1 -timeout 30m ./...
	cd gclplugin && $(GO) vet ./... && $(GO) test -count=1 -timeout 40m ./...   # KNOXVET_GCL_BUILD=1 (CI) builds golangci-lint with the plugin
	cd precision/corpus && $(GO) vet ./... && $(GO) test -count=1 ./...

## precision: knoxvet reports exactly what stock vet does on the standard library, every dependency and the real-library corpus (precision/corpus)
precision:
	./scripts/vet-precision.sh

## lint: gofmt, go vet, and knoxvet over the project's own code
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v /testdata/)); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) build -o $(BIN)/knoxvet ./cmd/knoxvet
	$(GO) vet -vettool=$(BIN)/knoxvet ./...

## bench: server throughput, suite wall time (serial vs parallel), knoxvet overhead
bench: build
	$(GO) test -run='^$$' -bench=. -benchtime=2s ./knoxtest/
	./scripts/bench-suite.sh
	./scripts/bench-knoxvet.sh

## docs: regenerate the docs that are generated from code
docs: build
	$(GO) generate ./target
	$(BIN)/knoxconform catalog --format markdown > docs/codes.md
	$(GO) test ./fixtures/clients/mutants -run TestCasesDoc -update
	$(BIN)/knoxvet help -markdown > docs/analyzers.md

clean:
	rm -rf $(BIN) $(REPORTS)
