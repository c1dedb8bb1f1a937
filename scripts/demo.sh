#!/usr/bin/env bash
# The main job on the built-in default: a real Kafka broker, ingest and a worker in one JVM, with
# the built-in shapes-world model, captioning generated scenes (written to target/demo-images/,
# each printed with its true caption), answering a question and moderating them. Builds
# target/glimpse.jar when it is missing, showing Maven's progress (it takes about a minute).
# Extra arguments go to `demo` (e.g. --images DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f target/glimpse.jar ]; then
  echo "demo: building target/glimpse.jar first (mvn package, about a minute; Maven's progress follows)" >&2
  mvn -B -ntp -DskipTests package >&2
  echo "demo: built target/glimpse.jar; starting the demo" >&2
fi
exec java -Dai.djl.offline=true -jar target/glimpse.jar demo --question "how many shapes are there" --moderate --exit "$@"
