#!/usr/bin/env bash
# The benchmarks of the README: the model on the fixture and on a larger random checkpoint
# (batch 1 and 8), then the pipeline: per-task full prompts, the image-level engine and through
# Kafka (the broker and ingest as processes of their own), on the same batch size, for the mixed
# workload and for captions alone.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f target/glimpse.jar ]; then
  mvn -B -ntp -q -DskipTests package
fi
jar="java -jar target/glimpse.jar"
fixture=src/test/resources/fixtures/llava-tiny-a
random=target/random-llava-8x512
[ -d "$random" ] || $jar random-checkpoint --out "$random" --text-layers 8 --text-hidden 512
echo "== model: fixture llava-tiny-a"
$jar bench --model "$fixture" --batch 1,8 --new-tokens 32
echo "== model: random 8 layers x 512 (vision 6 x 384, 196 image tokens, vocab 32064)"
$jar bench --model "$random" --batch 1,8 --new-tokens 32 --iterations 3
echo "== pipeline, mixed (caption + question + moderation over 3 categories): random 8 x 512"
$jar bench-pipeline --model "$random" --workload mixed --events 64 --batch 8 --new-tokens 16
echo "== pipeline, captions only: random 8 x 512"
$jar bench-pipeline --model "$random" --workload caption --events 64 --batch 8 --new-tokens 16
# the same with the model on one thread per operation, so that the broker and ingest have a core
echo "== pipeline, mixed, --threads 1: random 8 x 512"
$jar bench-pipeline --model "$random" --workload mixed --events 64 --batch 8 --new-tokens 16 --threads 1
echo "== pipeline, captions only, --threads 1: random 8 x 512"
$jar bench-pipeline --model "$random" --workload caption --events 64 --batch 8 --new-tokens 16 --threads 1
