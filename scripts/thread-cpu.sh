#!/usr/bin/env bash
# Runs a command (a bench-pipeline run) while sampling, once a second, the CPU time of every thread
# of every java process, then prints, for each measured engine and Kafka run of its stderr, the
# CPU seconds each process's threads used in that run's window. Linux only (reads /proc).
#   ./scripts/thread-cpu.sh java -jar target/glimpse.jar bench-pipeline --model DIR --workload mixed
set -euo pipefail
dir=$(mktemp -d)
(
  while true; do
    now=$(date +%s.%N)
    for pid in $(pgrep java); do
      for stat in /proc/"$pid"/task/*/stat; do
        read -r line <"$stat" 2>/dev/null || continue
        comm=${line#*(}
        comm=${comm%)*}
        read -r -a fields <<<"${line##*) }"
        # fields[11] and fields[12]: utime and stime, in clock ticks
        echo "$now $pid ${comm// /_} ${stat%/stat} ${fields[11]} ${fields[12]}"
      done
    done >>"$dir/threads.txt"
    sleep 1
  done
) &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
"$@" 2> >(while IFS= read -r l; do echo "$(date +%s.%N) $l"; done >"$dir/stderr.txt")
sleep 1
kill $sampler
python3 "$(dirname "$0")/thread-cpu.py" "$dir/threads.txt" "$dir/stderr.txt" "$(getconf CLK_TCK)"
echo "samples and stderr in $dir"
