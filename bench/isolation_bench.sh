#!/bin/sh
# What isolation costs: `billcheck check` of the synthetic book with one plugin
# rule and one Python rule run in process, then isolated (each in its worker).
#   bench/isolation_bench.sh [BUILD] [LINES]     (default: build 1000000)
# Prints the best wall-clock time of three runs of each (see docs/benchmarks.md).
set -eu
build=${1:-build}
lines=${2:-1000000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/bin/bench_gen_book" "$work/book" "$lines" >/dev/null
plugins=$(cd "$build/bench/python/plugins" && pwd)
rule="$here/python/long_line.py"
printf "plugins:\n  search_paths: ['%s']\n  isolate: {bench_native_rule: false}\npython: ['%s']\npython_isolate: false\n" \
  "$plugins" "$rule" > "$work/in-process.yaml"
printf "plugins:\n  search_paths: ['%s']\n  isolate: {bench_native_rule: true}\npython: ['%s']\npython_isolate: true\n" \
  "$plugins" "$rule" > "$work/isolated.yaml"
printf "plugins:\n  search_paths: ['%s']\n  isolate: {bench_native_rule: true}\n" "$plugins" > "$work/plugin-isolated.yaml"
printf "plugins:\n  search_paths: ['%s']\n  isolate: {bench_native_rule: false}\n" "$plugins" > "$work/plugin-in-process.yaml"
best() {
  b=""
  for i in 1 2 3; do
    s=$(date +%s.%N)
    "$build/bin/billcheck" check "$work/book" --config "$1" --format json -o "$work/out.json" >/dev/null 2>&1 || true
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}
plugin_in=$(best "$work/plugin-in-process.yaml")
plugin_iso=$(best "$work/plugin-isolated.yaml")
inproc=$(best "$work/in-process.yaml")
isolated=$(best "$work/isolated.yaml")
echo "lines: $lines"
echo "plugin rule, in process:                $plugin_in s"
echo "plugin rule, isolated:                  $plugin_iso s"
echo "plugin rule + Python rule, in process:  $inproc s"
echo "plugin rule + Python rule, isolated:    $isolated s"
echo "isolated / in process: $(echo "scale=2; $isolated / $inproc" | bc)"
