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

## fuzz: run every fuzz target briefly (FUZZTIME=10s by default)
FUZZTIME ?= 10s
fuzz:
	$(GO) test ./providers/oh -run '^$$' -fuzz '^FuzzParseAtom$$' -fuzztime $(FUZZTIME)
	$(GO) test ./providers/oh -run '^$$' -fuzz '^FuzzDecodeMessages$$' -fuzztime $(FUZZTIME)
	$(GO) test ./providers/oh/internal/wire -run '^$$' -fuzz '^FuzzPractitionerName$$' -fuzztime $(FUZZTIME)
	$(GO) test ./providers/mhv -run '^$$' -fuzz '^FuzzDecodeResponses$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/domain/inbox -run '^$$' -fuzz '^FuzzCheckAttachments$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/domain/inbox -run '^$$' -fuzz '^FuzzSendValidation$$' -fuzztime $(FUZZTIME)

## bench: VA-scale benchmark on PostgreSQL (VAMS_BENCH_DATABASE_URL, else a throwaway cluster, else SQLite);
## sizes from BENCH_MESSAGES (default 1000000), BENCH_DURATION, BENCH_CLIENTS…; BENCH_REUSE=1 reuses the generated
## database (each run measures a copy); BENCH_PROFILE=dir writes the server's CPU and allocation profiles per
## operation under the 32-client load; BENCH_SCENARIO=attacks runs only the attack shapes' server CPU per request
## (BENCH_ATTACKS requests each) (see docs/performance.md)
bench:
	$(GO) run ./cmd/vamsbench

## migration: write the next versioned migration for SQLite and PostgreSQL (name=...; needs VAMS_DEV_DATABASE_URL)
migration:
	$(GO) run ./cmd/migrationgen $(name)
