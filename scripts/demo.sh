#!/usr/bin/env bash
# The main job on the built-in default. Builds target/glimpse.jar when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f target/glimpse.jar ]; then
  mvn -B -ntp -q -DskipTests package
fi
fixture=src/test/resources/fixtures/llava-tiny-a
if [ $# -eq 0 ]; then
  # Until the trained built-in model ships, the default is the tiny LLaVA checkpoint of the tests:
  # its weights are random, so its words are too; the path it runs is the real one.
  set -- generate --model "$fixture" \
    --image "$fixture/shapes.png" --question "describe the image" \
    --image "$fixture/photo.jpg" --question "how many shapes are there" \
    --max-new-tokens 12 --json
fi
exec java -jar target/glimpse.jar "$@"
