# sigforge — build, test and lint targets. `make test` is the whole suite
# (what .ci/run runs); `make lint` is go vet + staticcheck (pinned in go.mod).
GO        ?= go
FUZZTIME  ?= 10s
PKGS      := ./...

.PHONY: all build test lint fuzz bench golden deps check clean verify-cloudwatch

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
