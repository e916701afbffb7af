# knoxconform — common tasks. `make conform` is the main job; `make test` runs every test.
GO       ?= go
BIN      ?= $(CURDIR)/bin
REPORTS  ?= $(CURDIR)/knoxconform-report
# PROCS=0 lets knoxconform pick: one process running runner.DefaultParallel cases at
# once (24 per CPU, 2 to 64; cases mostly wait); PROCS=1 runs serially, PROCS=N
# spreads the cases over N worker processes.
PROCS    ?= 0
# `knoxconform version` and `knoxvet version` print the git description of the checkout.
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS  := -X github.com/knoxconform/knoxconform/internal/version.Stamp=$(VERSION)

MUTANTS := $(notdir $(patsubst %/,%,$(wildcard fixtures/clients/mutants/*/)))

.PHONY: all build test conform lint precision bench docs clean mutants mutation weights

all: build

## build: the two tools and the bundled reference client
build:
	@mkdir -p $(BIN)
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/knoxconform ./cmd/knoxconform
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/knoxvet ./cmd/knoxvet
	$(GO) build -o $(BIN)/reference-client ./fixtures/clients/reference

## mutants: every mutant client (each breaks one rule), for the kill matrix
mutants:
	@mkdir -p $(BIN)/mutants
	@for m in $(MUTANTS); do $(GO) build -o $(BIN)/mutants/$$m ./fixtures/clients/mutants/$$m || exit 1; done

## conform: the main job — the whole suite against the reference client, reports in $(REPORTS)
# Quiet: the console is knoxconform's own (the build's commands are not echoed; its errors still show).
conform:
	@$(MAKE) -s --no-print-directory build
	@$(BIN)/knoxconform run --target "$(BIN)/reference-client" --report-dir "$(REPORTS)" --procs $(PROCS)

## test: every test (unit, suite self-tests, kill and variants matrices, analyzers, browser), lint, knoxvet's precision check, and the verdicts once more with every CPU busy
# (scripts/testprogress prints each package as it finishes, slow tests as they finish, and what is still running when nothing has finished for 30 s)
test: lint precision
	$(GO) run ./scripts/testprogress -count=1 -timeout 30m ./...
	cd gclplugin && $(GO) vet ./... && $(GO) test -count=1 -timeout 40m ./...   # KNOXVET_GCL_BUILD=1 (CI) builds golangci-lint with the plugin
	cd precision/corpus && $(GO) vet ./... && $(GO) test -count=1 ./...
	COUNT=1 ./scripts/saturated-verdicts.sh

## precision: knoxvet reports exactly what stock vet does on the standard library, every dependency and the real-library corpus (precision/corpus)
precision:
	./scripts/vet-precision.sh

## lint: go.mod tidy, gofmt, go vet, and knoxvet over the project's own code
lint:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'"; exit 1; }
	@out=$$(gofmt -l $$(git ls-files '*.go' | grep -v /testdata/)); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) build -o $(BIN)/knoxvet ./cmd/knoxvet
	$(GO) vet -vettool=$(BIN)/knoxvet ./...

## bench: server throughput, suite wall time (serial vs parallel), knoxvet overhead, verdicts under saturated CPUs (100 runs per correct client, 20 per mutant: hours)
bench: build
	$(GO) test -run='^$$' -bench=. -benchtime=20000x ./knoxtest/
	./scripts/bench-suite.sh
	./scripts/bench-knoxvet.sh
	COUNT=100 MUTANT_COUNT=20 ./scripts/saturated-verdicts.sh

## mutation: the mutation score of the reference client, the suite (--strict, in-process) as the
## oracle; report in $(MUTATION_OUT). Not part of test: it builds and runs the suite once per mutant
## (40 min for 555 mutants with -runs 6 on an otherwise idle 2-core machine), under nice. MUTATION_FLAGS: e.g. -runs 6, -files retry.go, -list, -min 90
MUTATION_OUT   ?= $(CURDIR)/mutation-report
MUTATION_FLAGS ?=
mutation:
	nice -n 19 $(GO) run ./scripts/mutation -out "$(MUTATION_OUT)" $(MUTATION_FLAGS)

## docs: regenerate the docs that are generated from code
## weights: each case's duration against the reference client (median of 3 runs), which orders a parallel run (longest first)
weights: build
	@d=$$(mktemp -d) && trap 'rm -rf "$$d"' EXIT && \
	  for i in 1 2 3; do $(BIN)/knoxconform run --target "$(BIN)/reference-client" --procs 4 --report-dir "$$d/$$i" > /dev/null || exit 1; done && \
	  $(GO) run ./scripts/schedule-weights -o conformance/schedule_weights.go "$$d"/1/summary.json "$$d"/2/summary.json "$$d"/3/summary.json

docs: build
	$(GO) generate ./target
	$(BIN)/knoxconform catalog --format markdown > docs/codes.md
	$(GO) test ./fixtures/clients/mutants -run TestCasesDoc -update
	$(GO) test ./observe -run TestDocObserve -update
	$(BIN)/knoxvet help -markdown > docs/analyzers.md
	$(GO) test ./knoxtest -run TestSandboxDocs -update

clean:
	rm -rf $(BIN) $(REPORTS) $(MUTATION_OUT)
