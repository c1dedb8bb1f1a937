#!/usr/bin/env bash
# The main job on the built-in default: a real Kafka broker, ingest and a worker in one JVM,
# captioning generated shape scenes (written to target/demo-images/), with a question and
# moderation. Builds target/glimpse.jar when it is missing. Extra arguments go to `demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f target/glimpse.jar ]; then
  mvn -B -ntp -q -DskipTests package
fi
model=()
if ! java -jar target/glimpse.jar demo --help 2>/dev/null | grep -q "built-in"; then
  # no built-in model in this build yet: the tiny LLaVA checkpoint of the tests (random weights,
  # so its words mean nothing; the path it runs is the real one)
  model=(--model src/test/resources/fixtures/llava-tiny-a)
fi
exec java -jar target/glimpse.jar demo "${model[@]}" --question "how many shapes are there" --moderate --exit "$@"
