"""CPU seconds per process and thread name in each measured run of a bench-pipeline stderr.

Reads thread-cpu.sh's samples and the run's timestamped stderr; a run's window ends at its
"engine stages:" or "Kafka stages:" line and lasts the "of N s" it states.
"""
import collections
import re
import sys

samples, stderr, ticks = sys.argv[1], sys.argv[2], float(sys.argv[3])
series = collections.defaultdict(list)
for line in open(samples):
    now, pid, comm, task, utime, stime = line.split()
    series[(pid, re.sub(r"\d+", "#", comm), task)].append((float(now), int(utime) + int(stime)))


def at(points, t):
    """The thread's CPU ticks at time t: the last sample before it, or its first one."""
    before = [v for s, v in points if s <= t]
    return before[-1] if before else points[0][1]


for line in open(stderr):
    m = re.match(r"(\S+)\s+(engine|Kafka) stages:.* of ([\d.]+) s;", line)
    if not m:
        continue
    end, path, seconds = float(m.group(1)), m.group(2), float(m.group(3))
    used = collections.Counter()
    for (pid, name, _), points in series.items():
        used[(pid, name)] += (at(points, end) - at(points, end - seconds)) / ticks
    print(f"{path} run, {seconds:.1f} s: {sum(used.values()):.1f} CPU-seconds in all")
    for (pid, name), cpu in used.most_common():
        if cpu >= 0.05:
            print(f"  pid {pid} {name:<18} {cpu:6.2f}")
