#!/usr/bin/env bash
# The main job on the built-in default: a real Kafka broker, ingest and a worker in one JVM, with
# the built-in shapes-world model, captioning generated scenes (written to target/demo-images/,
# each printed with its true caption), answering a question and moderating them. Builds
# target/glimpse.jar when it is missing. Extra arguments go to `demo` (e.g. --images DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f target/glimpse.jar ]; then
  mvn -B -ntp -q -DskipTests package
fi
exec java -jar target/glimpse.jar demo --question "how many shapes are there" --moderate --exit "$@"
