# VAMS make targets: the interface for people and CI.
GO ?= go
PKGS := ./...

.PHONY: run test generate lint bench fuzz migration check-generate

## run: serve VAMS on the embedded demo (SQLite in ./data, simulators, demo data)
run:
	@echo "make run: compiling VAMS (the first build takes a few minutes and prints nothing; later ones seconds)..."
	$(GO) run .

## test: the whole suite with the race detector (PostgreSQL too when VAMS_TEST_DATABASE_URL is set)
test:
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

## generate: regenerate ent and gqlgen code
generate:
	$(GO) generate ./...

## check-generate: fail if regeneration changes committed files
check-generate: generate
	git diff --exit-code -- . ':(exclude)go.sum'
	test -z "$$(git status --porcelain --untracked-files=all -- ent graph resolvers)"

## lint: gofmt and go vet
lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	$(GO) vet $(PKGS)

## fuzz: run every fuzz target briefly (FUZZTIME=10s by default; a count such as 20000x works too)
FUZZTIME ?= 10s
FUZZ_TARGETS := ./providers/oh:FuzzParseAtom ./providers/oh:FuzzDecodeMessages \
	./providers/oh/internal/wire:FuzzPractitionerName ./providers/mhv:FuzzDecodeResponses \
	./internal/domain/inbox:FuzzCheckAttachments ./internal/domain/inbox:FuzzSendValidation
# One worker (-parallel 1): on a loaded machine several workers starve each other.
# Go 1.26's coordinator can report its own -fuzztime deadline as a failure,
# "context deadline exceeded" with no crasher (golang/go#75804, fixed in Go 1.27):
# such a run, and only such a run, is tried once more. A real failure writes a
# crasher under testdata/fuzz and fails at once.
fuzz:
	@set -e; out=$$(mktemp); trap 'rm -f $$out' EXIT; \
	for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t#*:}; \
		for try in 1 2; do \
			echo "$(GO) test $$pkg -run '^$$' -fuzz '^$$fn\$$' -fuzztime $(FUZZTIME) -parallel 1"; \
			if $(GO) test $$pkg -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -parallel 1 >$$out 2>&1; then cat $$out; break; fi; \
			cat $$out; \
			if [ $$try = 2 ] || ! grep -q 'context deadline exceeded' $$out || grep -q 'Failing input written' $$out; then exit 1; fi; \
			echo "(Go 1.26 fuzz deadline race, golang/go#75804: once more)"; \
		done; \
	done

## bench: VA-scale benchmark on PostgreSQL (VAMS_BENCH_DATABASE_URL, else a throwaway cluster, else SQLite);
## sizes from BENCH_MESSAGES (default 1000000), BENCH_DURATION, BENCH_CLIENTS…; BENCH_REUSE=1 reuses the generated
## database (each run measures a copy); BENCH_PROFILE=dir writes the server's CPU and allocation profiles per
## operation under the 32-client load; BENCH_SCENARIO=api,attacks,sync,freshness,import,realtime,generic runs only those parts,
## each under 20 minutes (freshness: BENCH_FRESH_MESSAGES, BENCH_BACKFILL, BENCH_FRESH_BOUND; import: BENCH_IMPORT_VETERANS,
## BENCH_IMPORT_RATE, BENCH_IMPORT_WORKERS, BENCH_IMPORT_PROJECT_RATE_MHV/_OH) (see docs/performance.md)
bench:
	$(GO) run ./cmd/vamsbench

## migration: write the next versioned migration for SQLite and PostgreSQL (name=...; needs VAMS_DEV_DATABASE_URL)
migration:
	$(GO) run ./cmd/migrationgen $(name)
