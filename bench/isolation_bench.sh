#!/bin/sh
# What isolation costs: `billcheck check` of the synthetic book with one plugin
# rule and one Python rule run in process, then isolated (each in its worker).
#   bench/isolation_bench.sh [BUILD] [LINES] [ROUNDS]   (default: build 1000000 5)
# The four configurations run in turn, ROUNDS times, so that a moment of noise
# falls on all of them; prints each one's best and median wall-clock time and
# its median CPU time (user + system, the workers included), then the ratios
# (see docs/benchmarks.md).
set -eu
build=${1:-build}
lines=${2:-1000000}
rounds=${3:-5}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bin/bench_gen_book" "$work/book" "$lines" >/dev/null
plugins=$(cd "$build/bench/python/plugins" && pwd)
rule="$here/python/long_line.py"
printf "plugins:\n  search_paths: ['%s']\n  isolate: {bench_native_rule: false}\n" "$plugins" > "$work/plugin-in-process.yaml"
printf "plugins:\n  search_paths: ['%s']\n  isolate: {bench_native_rule: true}\n" "$plugins" > "$work/plugin-isolated.yaml"
printf "plugins:\n  search_paths: ['%s']\n  isolate: {bench_native_rule: false}\npython: ['%s']\npython_isolate: false\n" \
  "$plugins" "$rule" > "$work/both-in-process.yaml"
printf "plugins:\n  search_paths: ['%s']\n  isolate: {bench_native_rule: true}\npython: ['%s']\npython_isolate: true\n" \
  "$plugins" "$rule" > "$work/both-isolated.yaml"
configs="plugin-in-process plugin-isolated both-in-process both-isolated"
i=0
while [ "$i" -lt "$rounds" ]; do
  for c in $configs; do
    /usr/bin/time -f "%e %U %S" -a -o "$work/$c.times" \
      "$build/bin/billcheck" check "$work/book" --config "$work/$c.yaml" --format json -o "$work/$c.json" \
      >/dev/null 2>&1 || true
  done
  i=$((i + 1))
done
cmp -s "$work/plugin-in-process.json" "$work/plugin-isolated.json" && cmp -s "$work/both-in-process.json" "$work/both-isolated.json" \
  && same="the same bytes" || same="NOT the same bytes"
# best wall, median wall, median CPU of one configuration
figures() {
  grep -v "status" "$work/$1.times" | sort -n | awk '{w[NR]=$1} END {printf "%.2f %.2f", w[1], w[int((NR+1)/2)]}'
  grep -v "status" "$work/$1.times" | awk '{print $2+$3}' | sort -n | awk '{c[NR]=$1} END {printf " %.2f\n", c[int((NR+1)/2)]}'
}
echo "lines: $lines, rounds: $rounds, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-40s %9s %9s %9s\n" "" "best s" "median s" "CPU s"
for c in $configs; do
  set -- $(figures "$c")
  printf "%-40s %9s %9s %9s\n" "$c" "$1" "$2" "$3"
done
ratio() {
  echo "$(figures "$1") $(figures "$2")" |
    awk '{printf "best %.2fx, median %.2fx, CPU %.2fx\n", $4 / $1, $5 / $2, $6 / $3}'
}
echo "plugin rule, isolated / in process:              $(ratio plugin-in-process plugin-isolated)"
echo "plugin rule + Python rule, isolated / in process: $(ratio both-in-process both-isolated)"
echo "reports: $same"
