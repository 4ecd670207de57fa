# sigforge — build, test and lint targets. `make test` is the whole suite
# (what .ci/run runs); `make lint` is go vet + staticcheck (pinned in go.mod).
GO        ?= go
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: all build test lint fuzz bench bench-compile bench-scan golden deps check clean verify-cloudwatch

all: build test

build:
	$(GO) build -o bin/sigforge ./cmd/sigforge

# deps installs what the contract tests need beyond Go modules (Kibana's
# KQL parser under node). It is skipped cleanly when npm is absent.
deps:
	@for d in $$(find backends compiler -name package-lock.json -not -path '*/node_modules/*' -exec dirname {} \;); do \
		if command -v npm >/dev/null 2>&1; then echo "npm ci in $$d"; npm ci --silent --no-audit --no-fund --prefix "$$d" || exit 1; \
		else echo "npm not found: skipping $$d (the contract tests will skip)"; fi; \
	done

test: deps
	$(GO) test -count=1 $(PKGS)

lint:
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# fuzz runs every Fuzz* target briefly, one package and target at a time
# (go test -fuzz takes one target per run).
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
		for fz in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
			echo "== $$pkg $$fz"; \
			$(GO) test -run='^$$' -fuzz="^$$fz$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

# bench-compile times the real command on SigmaHQ's rules tree (SIGMAHQ,
# default ../shared/corpus/sigmahq-rules): `sigforge compile` to KQL and EQL
# on the rules' own field names (mapping: none, as pySigma converts without
# a pipeline), output to /dev/null, BENCH_COMPILE_RUNS times, printing wall
# and CPU time, peak RSS and the multiple of pySigma's 9.4 s. See
# docs/performance.md.
SIGMAHQ ?= ../shared/corpus/sigmahq-rules
BENCH_COMPILE_RUNS ?= 5
bench-compile: build
	@test -d "$(SIGMAHQ)" || { echo "bench-compile: $(SIGMAHQ) not found; set SIGMAHQ to SigmaHQ's rules folder"; exit 1; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	printf 'targets:\n    elastic:\n        mapping: none\n    kql:\n        case: exact\n' > "$$tmp/raw.yml" && \
	for i in $$(seq $(BENCH_COMPILE_RUNS)); do \
		/usr/bin/time -o "$$tmp/time" -f '%e %U %S %M' bin/sigforge compile --config "$$tmp/raw.yml" --target kql --target eql "$(SIGMAHQ)" > /dev/null 2> "$$tmp/summary" || { tail -n 5 "$$tmp/summary"; exit 1; }; \
		awk '{ printf "sigforge compile --target kql --target eql: %.3f s wall (%.0fx pySigma), %.3f s CPU, peak RSS %.0f MB\n", $$1, 9.4 / $$1, $$2 + $$3, $$4 / 1024 }' "$$tmp/time"; \
	done && tail -n 2 "$$tmp/summary"

# bench-scan generates a seeded CloudTrail archive of BENCH_SCAN_SIZE
# (decompressed) in a temporary folder, scans it with the whole pack on 1
# and 2 workers, then runs jq with one rule's filter over the same files,
# and prints MB/s (wall and per CPU second) and peak RSS. See
# docs/performance.md.
BENCH_SCAN_SIZE ?= 1GB
BENCH_SCAN_WORKERS ?= 1 2
bench-scan: build
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	bin/sigforge gen-corpus --out "$$tmp" --size $(BENCH_SCAN_SIZE) --seed 1 --rules rules && \
	bytes=$$(sed -n 's/^  "bytes": \([0-9]*\),$$/\1/p' "$$tmp/_manifest.json") && \
	report() { awk -v b="$$bytes" -v what="$$1" '{ cpu = $$2 + $$3; printf "%-34s %7.1f MB/s wall  %7.1f MB/s per CPU second  %6.2f s  peak RSS %5.1f MB\n", what, b / $$1 / 1e6, (cpu > 0 ? b / cpu / 1e6 : 0), $$1, $$4 / 1024 }' "$$tmp/time"; } && \
	for w in $(BENCH_SCAN_WORKERS); do \
		/usr/bin/time -o "$$tmp/time" -f '%e %U %S %M' bin/sigforge scan --no-progress --workers $$w --format ndjson "$$tmp/AWSLogs" > "$$tmp/alerts" 2> "$$tmp/summary" || { cat "$$tmp/summary"; exit 1; }; \
		report "sigforge scan, $$w worker(s)"; tail -n 1 "$$tmp/summary"; \
	done && \
	if command -v jq >/dev/null 2>&1; then \
		/usr/bin/time -o "$$tmp/time" -f '%e %U %S %M' sh -c "find '$$tmp/AWSLogs' -name '*.json.gz' | sort | xargs zcat | jq -c '.Records[] | select(.eventSource == \"rds.amazonaws.com\" and .eventName == \"StopDBCluster\" and .errorCode == null and .errorMessage == null)' > '$$tmp/jq'" && \
		report "jq, one rule (zcat | jq)"; echo "jq: $$(wc -l < "$$tmp/jq") events"; \
	else echo "jq not found: install it (apt-get install -y jq) for the comparison"; fi

# golden rewrites every golden file from the current output; review the diff.
golden:
	SIGFORGE_UPDATE=1 $(GO) test -count=1 $(PKGS)

check: lint test

# verify-cloudwatch checks the CloudWatch pattern matcher against the real
# service (aws logs test-metric-filter); without the aws CLI or credentials
# it says so and succeeds.
verify-cloudwatch:
	sh backends/cloudwatch/testdata/verify-cloudwatch.sh

clean:
	rm -rf bin
