#!/usr/bin/env bash
# The test command of the README: builds target/glimpse.jar and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
exec mvn -B -ntp verify "$@"
