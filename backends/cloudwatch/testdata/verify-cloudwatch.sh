#!/bin/sh
# make verify-cloudwatch: check sigforge's CloudWatch filter-pattern matcher
# against the real service (aws logs test-metric-filter) on the assumption
# probes and on every compiled pattern of the pack over its fixtures.
# Needs the aws CLI and credentials; without them it says so and succeeds.
set -eu
if ! command -v aws >/dev/null 2>&1; then
	echo "verify-cloudwatch: skipped: the aws CLI is not installed"
	exit 0
fi
if ! aws sts get-caller-identity >/dev/null 2>&1; then
	echo "verify-cloudwatch: skipped: no AWS credentials (aws sts get-caller-identity failed)"
	exit 0
fi
SIGFORGE_AWS_VERIFY=1 exec go test ./backends/cloudwatch/ -run '^TestVerifyWithAWS$' -count=1 -v
