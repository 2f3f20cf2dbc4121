#!/usr/bin/env bash
# Benchmarks maestro-admin on an m-size data dir (100 projects, 20,000 tasks,
# 5,000 sessions, two-space JSON) and writes the results into BENCHMARKS.md.
#
# A manual tool: the test suite must never run it (it takes minutes and its
# numbers depend on the machine). Numbers are warm-cache: the page cache is
# not dropped, so every run reads files from memory, and the raw-read row
# (`tar cf - DIR | cat`) is the floor to compare with.
#
# Environment:
#   BENCH_DATA     cache dir for generated data (default: bench-data/, git-ignored);
#                  the m dir is generated once and reused while it exists
#   BENCH_SCRATCH  SwiftPM scratch path (default: .build)
#   BENCH_REPEAT   runs per measurement (default: 5)
#   BENCH_OUT      the Markdown file to update (default: BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

data_root=${BENCH_DATA:-bench-data}
scratch=${BENCH_SCRATCH:-.build}
runs=${BENCH_REPEAT:-5}
out_file=${BENCH_OUT:-BENCHMARKS.md}
section="## Foundation (issue 1/7): codec and load"
started=$(date +%s)

log() { printf '== %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null || { echo "bench.sh: $1 is required" >&2; exit 2; }; }
need python3
need node

# --- build -------------------------------------------------------------------
./scripts/setup.sh
log "swift build -c release (scratch: $scratch)"
swift build -c release --scratch-path "$scratch" --product maestro-admin >&2
swift build -c release --scratch-path "$scratch" --product maestro-bench >&2
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
admin="$bin/maestro-admin"
bench="$bin/maestro-bench"

# --- data --------------------------------------------------------------------
# Generated into a temporary sibling and renamed, so an interrupted run never
# leaves a half-written dir that later runs would reuse.
m="$data_root/m"
if [ ! -d "$m" ]; then
  log "generating m-size data in $m"
  mkdir -p "$data_root"
  rm -rf "$m.partial"
  python3 scripts/make-data.py --out "$m.partial" --projects 100 --tasks 20000 --sessions 5000 --style pretty --seed 1
  mv "$m.partial" "$m"
else
  log "reusing $m"
fi
files=$(find "$m" -type f -name '*.json' | wc -l)
bytes=$(find "$m" -type f -name '*.json' -printf '%s\n' | awk '{s += $1} END {print s}')

# --- helpers -----------------------------------------------------------------
tmp=$(mktemp -d /tmp/maestro-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# json_field FILE KEY: KEY of the JSON object on FILE's last line.
json_field() {
  python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])' "$1" "$2"
}

# wall NAME COMMAND: median wall seconds of COMMAND (a shell string) over
# $runs runs after one warm-up; prints the median.
if command -v hyperfine >/dev/null; then
  timer="hyperfine --warmup 1 --runs $runs (median)"
  wall() {
    hyperfine --warmup 1 --runs "$runs" --ignore-failure --style none \
      --export-json "$tmp/$1.json" "$2" >&2
    python3 -c 'import json, sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$tmp/$1.json"
  }
else
  timer="median of $runs runs after 1 warm-up (date +%s.%N)"
  wall() {
    bash -c "$2" >/dev/null 2>&1 || true
    for _ in $(seq "$runs"); do
      t0=$(date +%s.%N)
      bash -c "$2" >/dev/null 2>&1 || true
      t1=$(date +%s.%N)
      echo "$t1 - $t0" | bc -l
    done | sort -g | awk '{a[NR] = $1} END {printf "%.4f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
  }
fi
ratio() { python3 -c 'import sys; print("%.1f×" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
ms() { python3 -c 'import sys; print("%.0f ms" % (float(sys.argv[1]) * 1000))' "$1"; }

# --- measurements ------------------------------------------------------------
log "codec: maestro-bench (Swift)"
"$bench" codec "$m" --repeat "$runs" | tee "$tmp/swift-codec.txt" >&2
log "codec: node $(node --version)"
node scripts/node-codec-bench.js "$m" --repeat "$runs" | tee "$tmp/node-codec.txt" >&2
swift_parse=$(json_field "$tmp/swift-codec.txt" parseMBps)
swift_emit=$(json_field "$tmp/swift-codec.txt" emitMBps)
swift_mismatch=$(json_field "$tmp/swift-codec.txt" mismatches)
node_parse=$(json_field "$tmp/node-codec.txt" parseMBps)
node_emit=$(json_field "$tmp/node-codec.txt" emitMBps)
node_mismatch=$(json_field "$tmp/node-codec.txt" mismatches)

log "load: Storage.load()"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f %M -o "$tmp/load-rss.txt" "$bench" load "$m" --repeat "$runs" | tee "$tmp/load.txt" >&2
  load_rss_kib=$(tail -n 1 "$tmp/load-rss.txt")
  rss_source="/usr/bin/time -f %M"
else
  "$bench" load "$m" --repeat "$runs" | tee "$tmp/load.txt" >&2
  load_rss_kib=$(json_field "$tmp/load.txt" peakRSSKiB)
  rss_source="VmHWM"
fi
load_s=$(json_field "$tmp/load.txt" seconds)
load_counts="$(json_field "$tmp/load.txt" projects) projects, $(json_field "$tmp/load.txt" tasks) tasks, $(json_field "$tmp/load.txt" sessions) sessions, $(json_field "$tmp/load.txt" loadIssues) load issues"

log "fmt --check exit status (0 = every file canonical)"
set +e
"$admin" fmt --check "$m" >/dev/null 2>&1
fmt_status=$?
set -e

log "wall times: $timer"
raw_s=$(wall raw "tar cf - '$m' | cat >/dev/null")
stats_s=$(wall stats "'$admin' stats --data-dir '$m' >/dev/null")
fmt_s=$(wall fmt "'$admin' fmt --check '$m' >/dev/null")

# --- report ------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
swift_version=$(swift --version 2>/dev/null | head -n 1)
mb=$(python3 -c "print('%.1f' % ($bytes / 1e6))")

cat >"$tmp/section.md" <<EOF
$section

Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench.sh\`: $(nproc) cores ($cpu), $mem RAM,
$swift_version, node $(node --version).
Data: \`scripts/make-data.py\` m-size (100 projects, 20,000 tasks, 5,000 sessions,
two-space JSON, seed 1): $files files, $mb MB. Warm page cache (never dropped).
Codec rows are single-threaded, best of $runs, MB = 10^6 bytes of input (parse)
or output (emit); \`Storage.load()\` uses every core, best of $runs; command rows
are wall time, $timer.

| measurement | Swift (maestro-admin) | Node | vs raw read |
|---|---|---|---|
| codec parse, MB/s | $swift_parse | $node_parse | |
| codec emit (two-space), MB/s | $swift_emit | $node_emit | |
| emitted bytes ≠ input (of $files files) | $swift_mismatch | $node_mismatch | |
| \`Storage.load()\` | $(ms "$load_s") | | $(ratio "$load_s" "$raw_s") |
| \`Storage.load()\` peak RSS ($rss_source) | $((load_rss_kib / 1024)) MiB | | |
| \`maestro-admin stats --data-dir\` | $(ms "$stats_s") | | $(ratio "$stats_s" "$raw_s") |
| \`maestro-admin fmt --check\` (exit $fmt_status) | $(ms "$fmt_s") | | $(ratio "$fmt_s" "$raw_s") |
| raw read: \`tar cf - DIR \| cat >/dev/null\` | $(ms "$raw_s") | | 1.0× |

Loaded: $load_counts.
EOF

# Replace this script's section (up to the next "## " heading) and keep the
# rest, so later issues' sections survive a re-run.
python3 - "$out_file" "$tmp/section.md" "$section" <<'PY'
import os, sys
path, section_file, heading = sys.argv[1:4]
new = open(section_file, encoding="utf-8").read().rstrip("\n") + "\n"
header = ("# Benchmarks\n\nWarm-cache numbers from `scripts/bench.sh` (never run by the test suite).\n"
          "One section per issue; re-running the script replaces only its own section.\n")
text = open(path, encoding="utf-8").read() if os.path.exists(path) else header
lines = text.splitlines(keepends=True)
start = next((k for k, l in enumerate(lines) if l.rstrip("\n") == heading), None)
if start is None:
    text = text.rstrip("\n") + "\n\n" + new
else:
    end = next((k for k in range(start + 1, len(lines)) if lines[k].startswith("## ")), len(lines))
    rest = "".join(lines[end:])
    text = "".join(lines[:start]) + new + ("\n" + rest if rest else "")
open(path, "w", encoding="utf-8").write(text)
PY

cat "$tmp/section.md"
echo
echo "bench.sh: wrote $out_file in $(($(date +%s) - started)) s" >&2
