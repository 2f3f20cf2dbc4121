#!/usr/bin/env bash
# Benchmarks maestro-admin against its peers and writes the results into
# BENCHMARKS.md, one section per issue:
#   foundation  codec, Storage.load(), stats and fmt on an m-size dir
#               (100 projects, 20,000 tasks, 5,000 sessions, two-space JSON)
#   generate    `maestro-admin generate --scale l` (251,000 files) against
#               `bsdtar -xf` of the same tree, and generate m
#   check       `maestro-admin check` on l and m against the raw read
#               `tar cf - DIR | cat`, and check's peak RSS (issue 3/7)
#   backup      backup create/restore/verify against bsdtar (issue 5/7)
#   archive     `archive create` against bsdtar --zstd -cf + rm of the same
#               task files on a fresh copy of l (issue 6/7)
#   migrate     `maestro-admin migrate up` on l-size legacy data against
#               `generate --scale l --format legacy` of that data (issue 7/7)
#   nightly     nightly backups side by side with restic 0.14, local and on
#               SeaweedFS S3: night 1, night 2 after 1% rewritten, restore,
#               thirty nights with retention (issue 16 §6; see its block for
#               BENCH_NIGHTLY_SCALE, BENCH_NIGHTS, BENCH_FULL_EVERY)
# Data dirs come from `maestro-admin generate` (seed 1, format seed).
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
#   BENCH_REPEAT_L runs per l-scale measurement (default: 3; each takes ~15-30 s)
#   BENCH_SECTIONS which sections to measure and rewrite (default: "foundation generate")
#   BENCH_OUT      the Markdown file to update (default: BENCHMARKS.md)
#   BENCH_NIGHTLY_SCALE     nightly: data size (default: l)
#   BENCH_NIGHTS            nightly: nights with retention (default: 30)
#   BENCH_NIGHTLY_FRACTION  nightly: share of entity files rewritten per night (default: 0.01)
#   BENCH_FULL_EVERY        nightly: a --full snapshot every N nights, when
#                           `backup create` has --full (default: 0, never
#                           forced: the tool's own rule, a full when no parent
#                           or when a chain reaches --max-chain)
#   BENCH_RESTIC_PRUNE_EVERY  nightly: restic's forget gets --prune every N
#                           nights and on the last (default: 7)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

data_root=${BENCH_DATA:-bench-data}
scratch=${BENCH_SCRATCH:-.build}
runs=${BENCH_REPEAT:-5}
runs_l=${BENCH_REPEAT_L:-3}
sections=${BENCH_SECTIONS:-foundation generate check}
out_file=${BENCH_OUT:-BENCHMARKS.md}
section="## Foundation (issue 1/7): codec and load"
generate_section="## Generate (issue 2/7): generate vs bsdtar -xf"
wants() { case " $sections " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
started=$(date +%s)

log() { printf '== %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null || { echo "bench.sh: $1 is required" >&2; exit 2; }; }
need python3
wants foundation && need node
wants generate && need bsdtar

# --- build -------------------------------------------------------------------
./scripts/setup.sh
log "swift build -c release (scratch: $scratch)"
swift build -c release --scratch-path "$scratch" --product maestro-admin >&2
swift build -c release --scratch-path "$scratch" --product maestro-bench >&2
bin=$(swift build -c release --scratch-path "$scratch" --show-bin-path)
admin="$bin/maestro-admin"
bench="$bin/maestro-bench"

# --- data --------------------------------------------------------------------
# `generate` builds beside the target and renames it into place, so an
# interrupted run never leaves a half-written dir that later runs would reuse.
mkdir -p "$data_root"
m="$data_root/m"
l="$data_root/l"
for scale in m l; do
  dir="$data_root/$scale"
  [ "$scale" = l ] && ! wants generate && continue
  # A dir without generate's .faults.json beside it came from elsewhere (the
  # old make-data.py): replace it (generate --force replaces only its own).
  if [ ! -d "$dir" ] || [ ! -f "$dir.faults.json" ]; then
    log "generating $scale-size data in $dir"
    rm -rf "$dir"
    "$admin" generate --out "$dir" --scale "$scale" --seed 1 --format seed --force >&2
  else
    log "reusing $dir"
  fi
done
files=$(find "$m" -type f -name '*.json' | wc -l)
bytes=$(find "$m" -type f -name '*.json' -printf '%s\n' | awk '{s += $1} END {print s}')

# --- helpers -----------------------------------------------------------------
tmp=$(mktemp -d /tmp/maestro-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# json_field FILE KEY: KEY of the JSON object on FILE's last line.
json_field() {
  python3 -c 'import json, sys; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])' "$1" "$2"
}

# wall NAME COMMAND [PREPARE [RUNS]]: median wall seconds of COMMAND (a shell
# string) over RUNS (default $runs) runs after one warm-up, with PREPARE run
# untimed before each; prints the median.
if command -v hyperfine >/dev/null; then
  timer="hyperfine --warmup 1 --runs $runs (median)"
  wall() {
    local prepare=()
    [ -n "${3:-}" ] && prepare=(--prepare "$3")
    hyperfine --warmup 1 --runs "${4:-$runs}" --ignore-failure --style none "${prepare[@]}" \
      --export-json "$tmp/$1.json" "$2" >&2
    python3 -c 'import json, sys; print("%.4f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$tmp/$1.json"
  }
else
  timer="median of $runs runs after 1 warm-up (date +%s.%N)"
  wall() {
    [ -n "${3:-}" ] && bash -c "$3" >/dev/null 2>&1
    bash -c "$2" >/dev/null 2>&1 || true
    for _ in $(seq "${4:-$runs}"); do
      [ -n "${3:-}" ] && bash -c "$3" >/dev/null 2>&1
      t0=$(date +%s.%N)
      bash -c "$2" >/dev/null 2>&1 || true
      t1=$(date +%s.%N)
      echo "$t1 - $t0" | bc -l
    done | sort -g | awk '{a[NR] = $1} END {printf "%.4f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
  }
fi
ratio() { python3 -c 'import sys; print("%.1f×" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
ms() { python3 -c 'import sys; print("%.0f ms" % (float(sys.argv[1]) * 1000))' "$1"; }
secs() { python3 -c 'import sys; print("%.2f s" % float(sys.argv[1]))' "$1"; }

# replace_section FILE SECTION_FILE HEADING: replace HEADING's section (up to
# the next "## " heading) of FILE, or append it, keeping the rest, so other
# issues' sections survive a re-run.
replace_section() {
  python3 - "$1" "$2" "$3" <<'PY'
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
}

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
swift_version=$(swift --version 2>/dev/null | head -n 1)

if wants foundation; then
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
mb=$(python3 -c "print('%.1f' % ($bytes / 1e6))")

cat >"$tmp/section.md" <<EOF
$section

Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench.sh\`: $(nproc) cores ($cpu), $mem RAM,
$swift_version, node $(node --version).
Data: \`maestro-admin generate --scale m --seed 1\` (100 projects, 20,000 tasks,
5,000 sessions, two-space JSON): $files files, $mb MB. Warm page cache (never dropped).
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

replace_section "$out_file" "$tmp/section.md" "$section"

cat "$tmp/section.md"
echo
fi

# --- generate (issue 2/7) ------------------------------------------------------
if wants generate; then
# Both sides create the same 251,000 files from scratch: generate builds,
# serialises and writes them; bsdtar extracts them from a tar of generate's
# own output. Before every timed run the previous output is moved aside (into
# $trash, deleted at the end) and the page cache flushed (`sync`), so neither
# side pays for the other's writeback. Moving aside rather than deleting
# matters on ext4: right after 251,000 deletions, every file creation scans
# past the recently deleted inodes (`recently_deleted()` in the inode
# allocator), which made runs 2-5x slower and erratic. generate's default
# ends with one syncfs (durable before the rename); --no-sync skips it,
# which is what `bsdtar -xf` does; `bsdtar -xf && sync` is the durable peer.
log "generate: tar of $l for bsdtar"
tar cf "$tmp/l.tar" -C "$l" .
tar cf "$tmp/m.tar" -C "$m" .
l_files=$(find "$l" -type f | wc -l)
l_bytes=$(find "$l" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
gen_out="$data_root/generate-out"
x_out="$data_root/bsdtar-out"
trash="$data_root/trash"
mkdir -p "$trash"
trap 'rm -rf "$tmp" "$trash"' EXIT
cat >"$tmp/aside.sh" <<EOF
#!/usr/bin/env bash
# Moves the previous outputs into a fresh folder under the trash, then syncs.
set -e
d=\$(mktemp -d "$trash/run.XXXXXX")
for p in "$gen_out" "$gen_out.faults.json" "$x_out"; do
  if [ -e "\$p" ]; then mv "\$p" "\$d/"; fi
done
mkdir -p "$x_out"
sync
EOF
clean="bash '$tmp/aside.sh'"

log "wall times (l: $runs_l runs, m: $runs runs)"
gen_l_s=$(wall gen-l "'$admin' generate --out '$gen_out' --scale l --seed 1" "$clean" "$runs_l")
gen_l_nosync_s=$(wall gen-l-nosync "'$admin' generate --out '$gen_out' --scale l --seed 1 --no-sync" "$clean" "$runs_l")
bsdtar_l_s=$(wall bsdtar-l "bsdtar -xf '$tmp/l.tar' -C '$x_out'" "$clean" "$runs_l")
bsdtar_sync_l_s=$(wall bsdtar-sync-l "bsdtar -xf '$tmp/l.tar' -C '$x_out' && sync" "$clean" "$runs_l")
raw_l_s=$(wall raw-l "tar cf - '$l' | cat >/dev/null" "" "$runs_l")
gen_m_s=$(wall gen-m "'$admin' generate --out '$gen_out' --scale m --seed 1" "$clean")
gen_m_nosync_s=$(wall gen-m-nosync "'$admin' generate --out '$gen_out' --scale m --seed 1 --no-sync" "$clean")
bsdtar_m_s=$(wall bsdtar-m "bsdtar -xf '$tmp/m.tar' -C '$x_out'" "$clean")

log "peak RSS and phase timings: generate l (and a determinism check against $l)"
bash -c "$clean"
/usr/bin/time -f %M -o "$tmp/gen-rss.txt" "$admin" generate --out "$gen_out" --scale l --seed 1 --json >"$tmp/gen-l.json"
gen_rss_kib=$(tail -n 1 "$tmp/gen-rss.txt")
gen_hash=$(json_field "$tmp/gen-l.json" treeHash)
phases=$(python3 -c 'import json,sys; s=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["seconds"]; print("plan %.2f s, write %.2f s, syncfs %.2f s, hash and rename %.2f s" % (s["plan"], s["write"], s["sync"], s["commit"]))' "$tmp/gen-l.json")
if ! diff -r -q "$gen_out" "$l" >/dev/null; then
  echo "bench.sh: generate --scale l differs from the reused $l (delete it and re-run)" >&2
  exit 1
fi
bash -c "$clean"
log "removing the moved-aside outputs"
rm -rf "$trash" "$x_out"
l_mb=$(python3 -c "print('%.1f' % ($l_bytes / 1e6))")

cat >"$tmp/generate.md" <<EOF
$generate_section

Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench.sh\`: $(nproc) cores ($cpu), $mem RAM,
$swift_version, $(df -PT "$data_root" | awk 'NR == 2 {print $2}') file system.
Data: \`maestro-admin generate --scale l --seed 1\` (1,000 projects, 200,000 tasks,
50,000 sessions, two-space JSON): $l_files files, $l_mb MB, tree hash $gen_hash.
bsdtar extracts a tar of that same tree. Before each timed run the previous
output is moved aside (deleted at the end) and \`sync\` run, untimed (see the
script for why not deleted). Wall time, median of $runs_l runs
at l and $runs at m after one warm-up ($(command -v hyperfine >/dev/null && echo hyperfine || echo date +%s.%N)).

| measurement | l (251,000 files) | vs \`bsdtar -xf\` | m (25,100 files) | vs \`bsdtar -xf\` |
|---|---|---|---|---|
| \`maestro-admin generate\` (default: syncfs, then rename) | $(secs "$gen_l_s") | $(ratio "$gen_l_s" "$bsdtar_l_s") | $(secs "$gen_m_s") | $(ratio "$gen_m_s" "$bsdtar_m_s") |
| \`maestro-admin generate --no-sync\` | $(secs "$gen_l_nosync_s") | $(ratio "$gen_l_nosync_s" "$bsdtar_l_s") | $(secs "$gen_m_nosync_s") | $(ratio "$gen_m_nosync_s" "$bsdtar_m_s") |
| \`bsdtar -xf\` of the same tree | $(secs "$bsdtar_l_s") | 1.0× | $(secs "$bsdtar_m_s") | 1.0× |
| \`bsdtar -xf && sync\` (durable) | $(secs "$bsdtar_sync_l_s") | $(ratio "$bsdtar_sync_l_s" "$bsdtar_l_s") | | |
| raw read: \`tar cf - DIR \| cat >/dev/null\` | $(secs "$raw_l_s") | $(ratio "$raw_l_s" "$bsdtar_l_s") | | |
| generate l peak RSS (/usr/bin/time -f %M) | $((gen_rss_kib / 1024)) MiB | | | |

generate l phases (one run): $phases.
EOF
replace_section "$out_file" "$tmp/generate.md" "$generate_section"
cat "$tmp/generate.md"
echo
fi

# --- check (issue 3/7) ---------------------------------------------------------
# `maestro-admin check` reads and parses every file on every core and keeps
# only ids and link lists; its floor is the raw read of the same tree
# (`tar cf - DIR | cat`). Both run warm (the page cache already holds the
# tree) with one warm-up. Goals (issue 3/7): l within 1.5× the raw read,
# peak RSS at most 250 MB.
check_section="## check (issue 3/7)"
if wants check; then
  if [ ! -d "$l" ] || [ ! -f "$l.faults.json" ]; then
    log "generating l-size data in $l"
    rm -rf "$l"
    "$admin" generate --out "$l" --scale l --seed 1 --format seed --force >&2
  fi
  check_l_files=$(find "$l" -type f | wc -l)
  check_l_mb=$(find "$l" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1e6}')
  log "check: warming the page cache"
  tar cf - "$l" 2>/dev/null | cat >/dev/null
  set +e
  "$admin" check --data-dir "$l" >"$tmp/check-l.txt" 2>&1
  check_l_status=$?
  "$admin" check --data-dir "$m" >/dev/null 2>&1
  check_m_status=$?
  set -e
  log "check: wall times (l: $runs_l runs, m: $runs runs)"
  check_raw_l_s=$(wall check-raw-l "tar cf - '$l' 2>/dev/null | cat >/dev/null" "" "$runs_l")
  check_l_s=$(wall check-l "'$admin' check --data-dir '$l' >/dev/null" "" "$runs_l")
  check_raw_m_s=$(wall check-raw-m "tar cf - '$m' 2>/dev/null | cat >/dev/null")
  check_m_s=$(wall check-m "'$admin' check --data-dir '$m' >/dev/null")
  log "check: peak RSS and CPU time (one run each)"
  /usr/bin/time -f '%M %U %S' -o "$tmp/check-rss-l.txt" "$admin" check --data-dir "$l" >/dev/null 2>&1 || true
  /usr/bin/time -f '%M %U %S' -o "$tmp/check-rss-m.txt" "$admin" check --data-dir "$m" >/dev/null 2>&1 || true
  /usr/bin/time -f '%M %U %S' -o "$tmp/check-raw-cpu-l.txt" sh -c "tar cf - '$l' 2>/dev/null | cat >/dev/null"
  check_rss_l=$(( $(tail -n 1 "$tmp/check-rss-l.txt" | cut -d' ' -f1) / 1024 ))
  check_rss_m=$(( $(tail -n 1 "$tmp/check-rss-m.txt" | cut -d' ' -f1) / 1024 ))
  cpu_of() { tail -n 1 "$1" | awk '{printf "%.2f", $2 + $3}'; }
  check_cpu_l=$(cpu_of "$tmp/check-rss-l.txt")
  check_raw_cpu_l=$(cpu_of "$tmp/check-raw-cpu-l.txt")
  check_load=$(cut -d' ' -f1-3 /proc/loadavg)

  cat >"$tmp/check.md" <<EOF
$check_section

Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench.sh\`: $(nproc) cores ($cpu), $mem RAM,
$swift_version.
Data: \`maestro-admin generate --seed 1 --format seed\` at l ($check_l_files files, $check_l_mb MB)
and m ($files files). Warm page cache; wall time, median of $runs_l runs at l and
$runs at m after one warm-up ($timer). Goals: l within 1.5× the raw read, peak
RSS ≤ 250 MB. (For scale, issue 3/7 quotes a Node.js loader with 50 parallel
reads at about 10× the raw read and 500 MB on such data.)

| measurement | l | vs raw read | m | vs raw read |
|---|---|---|---|---|
| \`maestro-admin check --data-dir\` (exit $check_l_status at l, $check_m_status at m) | $(secs "$check_l_s") | $(ratio "$check_l_s" "$check_raw_l_s") | $(ms "$check_m_s") | $(ratio "$check_m_s" "$check_raw_m_s") |
| raw read: \`tar cf - DIR \| cat >/dev/null\` | $(secs "$check_raw_l_s") | 1.0× | $(ms "$check_raw_m_s") | 1.0× |
| check peak RSS (/usr/bin/time -f %M) | $check_rss_l MiB | | $check_rss_m MiB | |
| CPU time, user + sys: check / raw read (/usr/bin/time) | $check_cpu_l s / $check_raw_cpu_l s | | | |

check's verdict on l: $(tail -n 1 "$tmp/check-l.txt")
Load average at the end of the run: $check_load (other jobs on the machine
slow both sides; the CPU-time row does not depend on them).
EOF
  replace_section "$out_file" "$tmp/check.md" "$check_section"
  cat "$tmp/check.md"
  echo
fi
# --- end of check (issue 3/7) --------------------------------------------------

# --- backup (issue 5/7) --------------------------------------------------------
# `maestro-admin backup create` against `bsdtar --zstd -cf` of the same l-size
# dir (both zstd level 3; create also hashes every file, re-reads changed
# ones, writes the manifest and reads the whole snapshot back before renaming
# it), and `backup restore` (two passes, every SHA-256 checked, one syncfs,
# atomic swap) against `bsdtar -xf` of the same snapshot. Outputs are
# removed (create) or moved aside and synced (restore, as for generate: ext4
# creates files slowly right after mass deletions) before each timed run,
# untimed. Run alone with: BENCH_SECTIONS=backup ./scripts/bench.sh
backup_section="## backup (issue 5/7)"
if wants backup; then
  need bsdtar
  if [ ! -d "$l" ] || [ ! -f "$l.faults.json" ]; then
    log "generating l-size data in $l"
    rm -rf "$l"
    "$admin" generate --out "$l" --scale l --seed 1 --format seed --force >&2
  fi
  bk_files=$(find "$l" -type f | wc -l)
  bk_mb=$(find "$l" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1e6}')
  bk_dir="$data_root/backup-bench"
  bk_trash="$data_root/backup-trash"
  rm -rf "$bk_dir" "$bk_trash"
  mkdir -p "$bk_dir/snap" "$bk_trash"
  trap 'rm -rf "$tmp" "$bk_trash" "$bk_dir"' EXIT
  log "backup: warming the page cache"
  tar cf - "$l" 2>/dev/null | cat >/dev/null
  bk_prepare_create="rm -rf '$bk_dir/dest' '$bk_dir/b.tar.zst'; mkdir -p '$bk_dir/dest'"
  log "backup: create vs bsdtar --zstd -cf ($runs_l runs each)"
  bk_create_s=$(wall bk-create "'$admin' backup create --data-dir '$l' --dest '$bk_dir/dest'" "$bk_prepare_create" "$runs_l")
  bk_bsdtar_c_s=$(wall bk-bsdtar-c "bsdtar --zstd -cf '$bk_dir/b.tar.zst' -C '$l' ." "$bk_prepare_create" "$runs_l")
  bash -c "$bk_prepare_create"
  /usr/bin/time -f '%e %U %S' -o "$bk_dir/create-cpu.txt" "$admin" backup create --data-dir "$l" --dest "$bk_dir/snap" --json >"$bk_dir/create.json"
  /usr/bin/time -f '%e %U %S' -o "$bk_dir/bsdtar-c-cpu.txt" bsdtar --zstd -cf "$bk_dir/b.tar.zst" -C "$l" .
  bk_snap=$(json_field "$bk_dir/create.json" snapshot)
  bk_size() { python3 -c "import os,sys; print('%.1f' % (os.path.getsize(sys.argv[1]) / 1e6))" "$1"; }
  bk_snap_mb=$(bk_size "$bk_snap")
  bk_bsdtar_mb=$(bk_size "$bk_dir/b.tar.zst")
  {
    echo '#!/usr/bin/env bash'
    echo '# Moves the previous restore outputs into a fresh folder under the trash, then syncs.'
    echo 'set -e'
    echo "d=\$(mktemp -d '$bk_trash/run.XXXXXX')"
    echo "for p in '$bk_dir/restored' '$bk_dir/bsdtar-x'; do if [ -e \"\$p\" ]; then mv \"\$p\" \"\$d/\"; fi; done"
    echo "mkdir -p '$bk_dir/bsdtar-x'"
    echo 'sync'
  } >"$bk_dir/aside.sh"
  bk_aside="bash '$bk_dir/aside.sh'"
  log "backup: restore vs bsdtar -xf ($runs_l runs each)"
  bk_restore_s=$(wall bk-restore "'$admin' backup restore '$bk_snap' --to '$bk_dir/restored'" "$bk_aside" "$runs_l")
  bk_bsdtar_x_s=$(wall bk-bsdtar-x "bsdtar -xf '$bk_snap' -C '$bk_dir/bsdtar-x'" "$bk_aside" "$runs_l")
  bk_bsdtar_xs_s=$(wall bk-bsdtar-xs "bsdtar -xf '$bk_snap' -C '$bk_dir/bsdtar-x' && sync" "$bk_aside" "$runs_l")
  bk_verify_s=$(wall bk-verify "'$admin' backup verify '$bk_snap'" "" "$runs_l")
  bk_deep_s=$(wall bk-deep "'$admin' backup verify --deep '$bk_snap'" "" "$runs_l")
  bk_check_s=$(wall bk-check "'$admin' check --data-dir '$l' >/dev/null" "" "$runs_l")
  /usr/bin/time -f '%e %U %S %M' -o "$bk_dir/deep-cpu.txt" "$admin" backup verify --deep "$bk_snap" >/dev/null || true
  bk_deep_rss=$(tail -n 1 "$bk_dir/deep-cpu.txt" | awk '{printf "%.0f MiB", $4 / 1024}')
  bash -c "$bk_aside"
  /usr/bin/time -f '%e %U %S' -o "$bk_dir/restore-cpu.txt" "$admin" backup restore "$bk_snap" --to "$bk_dir/restored" >/dev/null || true
  bash -c "$bk_aside"
  /usr/bin/time -f '%e %U %S' -o "$bk_dir/bsdtar-x-cpu.txt" bsdtar -xf "$bk_snap" -C "$bk_dir/bsdtar-x"
  bk_cpu() { tail -n 1 "$1" | awk '{printf "%.1f s (%.1f user + %.1f sys)", $2 + $3, $2, $3}'; }
  bk_load=$(cut -d' ' -f1-3 /proc/loadavg)
  {
    echo "$backup_section"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench.sh\`: $(nproc) cores ($cpu), $mem RAM,"
    echo "$swift_version, $(df -PT "$data_root" | awk 'NR == 2 {print $2}') file system."
    echo "Data: \`maestro-admin generate --scale l --seed 1\`: $bk_files files, $bk_mb MB. Warm page cache."
    echo "Wall time, median of $runs_l runs after one warm-up ($(command -v hyperfine >/dev/null && echo hyperfine || echo date +%s.%N));"
    echo "CPU time from one more run each (/usr/bin/time). Snapshot $bk_snap_mb MB (\`bsdtar --zstd\`: $bk_bsdtar_mb MB)."
    echo
    echo "| measurement | wall | ratio | CPU (one run) |"
    echo "|---|---|---|---|"
    echo "| \`backup create\` (hash, consistency checks, manifest, read-back verify, fsync) | $(secs "$bk_create_s") | **$(ratio "$bk_create_s" "$bk_bsdtar_c_s")** vs bsdtar -cf | $(bk_cpu "$bk_dir/create-cpu.txt") |"
    echo "| \`bsdtar --zstd -cf\` of the same dir | $(secs "$bk_bsdtar_c_s") | 1.0× | $(bk_cpu "$bk_dir/bsdtar-c-cpu.txt") |"
    echo "| \`backup restore\` (validate, extract, every SHA-256, syncfs, swap) | $(secs "$bk_restore_s") | **$(ratio "$bk_restore_s" "$bk_bsdtar_x_s")** vs bsdtar -xf | $(bk_cpu "$bk_dir/restore-cpu.txt") |"
    echo "| \`bsdtar -xf\` of the same snapshot | $(secs "$bk_bsdtar_x_s") | 1.0× | $(bk_cpu "$bk_dir/bsdtar-x-cpu.txt") |"
    echo "| \`bsdtar -xf && sync\` (durable, like restore) | $(secs "$bk_bsdtar_xs_s") | $(ratio "$bk_bsdtar_xs_s" "$bk_bsdtar_x_s") | |"
    echo "| \`backup verify\` (manifest self-check, every member's SHA-256) | $(secs "$bk_verify_s") | | |"
    echo "| \`backup verify --deep\` (the same, plus check streamed from the archive; peak RSS $bk_deep_rss) | $(secs "$bk_deep_s") | $(ratio "$bk_deep_s" "$bk_verify_s") vs verify | $(bk_cpu "$bk_dir/deep-cpu.txt") |"
    echo "| \`check\` of the source data dir, for comparison | $(secs "$bk_check_s") | | |"
    echo
    echo "Load average at the end of the run: $bk_load (other jobs on the machine slow"
    echo "both sides; compare the CPU column when it is high)."
  } >"$tmp/backup.md"
  replace_section "$out_file" "$tmp/backup.md" "$backup_section"
  cat "$tmp/backup.md"
  echo
  rm -rf "$bk_dir" "$bk_trash"
fi
# --- end of backup (issue 5/7) -------------------------------------------------

# --- archive (issue 6/7) -------------------------------------------------------
# `maestro-admin archive create --older-than 0d` (every completed task that
# may go: whole subtrees, nothing a live task still points at) against
# `bsdtar --zstd -cf X.tar.zst <those files> && rm <those files>`, on a fresh
# `cp -a` of the l-size dir for every run (archive removes what it archives),
# followed by `sync` so that both start from files already on disk. The file
# list comes from a dry run. Run alone with: BENCH_SECTIONS=archive ./scripts/bench.sh
archive_section="## archive (issue 6/7)"
if wants archive; then
  need bsdtar
  if [ ! -d "$l" ] || [ ! -f "$l.faults.json" ]; then
    log "generating l-size data in $l"
    rm -rf "$l"
    "$admin" generate --out "$l" --scale l --seed 1 --format seed --force >&2
  fi
  # Absolute: the peer command runs inside the copy (bsdtar -T, xargs rm).
  ar_dir="$(cd "$data_root" && pwd)/archive-bench"
  rm -rf "$ar_dir"
  mkdir -p "$ar_dir"
  trap 'rm -rf "$tmp" "$ar_dir"' EXIT
  "$admin" archive create --data-dir "$l" --older-than 0d --dry-run --json >"$ar_dir/plan.json"
  python3 - "$ar_dir/plan.json" "$ar_dir/files.txt" <<'PY'
import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        o = json.loads(line)
        if o.get("type") == "archived":
            out.write(o["member"] + "\n")
PY
  ar_tasks=$(wc -l <"$ar_dir/files.txt")
  ar_held=$(json_field "$ar_dir/plan.json" held)
  ar_mb=$(json_field "$ar_dir/plan.json" bytes | awk '{printf "%.1f", $1 / 1e6}')
  ar_prepare="rm -rf '$ar_dir/d' '$ar_dir/b.tar.zst'; cp -a '$l' '$ar_dir/d'; sync"
  log "archive: create vs bsdtar --zstd -cf + rm ($runs_l runs each, fresh copy before each)"
  ar_admin_s=$(wall ar-admin "'$admin' archive create --data-dir '$ar_dir/d' --older-than 0d" "$ar_prepare" "$runs_l")
  ar_peer_cmd="cd '$ar_dir/d' && bsdtar --zstd -cf '$ar_dir/b.tar.zst' -T '$ar_dir/files.txt' && xargs rm <'$ar_dir/files.txt'"
  ar_peer_s=$(wall ar-peer "$ar_peer_cmd" "$ar_prepare" "$runs_l")
  bash -c "$ar_prepare"
  /usr/bin/time -f '%e %U %S %M' -o "$ar_dir/admin-cpu.txt" "$admin" archive create --data-dir "$ar_dir/d" --older-than 0d --json >"$ar_dir/run.json" || true
  ar_phases=$(python3 -c 'import json, sys; print(json.dumps(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])["phasesMs"], separators=(",", ":")))' "$ar_dir/run.json")
  ar_archive=$(json_field "$ar_dir/run.json" archive)
  ar_archive_mb=$(python3 -c "import os,sys; print('%.1f' % (os.path.getsize(sys.argv[1]) / 1e6))" "$ar_dir/d/$ar_archive")
  ar_check=$("$admin" check --data-dir "$ar_dir/d" | tail -n 1)
  bash -c "$ar_prepare"
  /usr/bin/time -f '%e %U %S %M' -o "$ar_dir/peer-cpu.txt" bash -c "$ar_peer_cmd"
  ar_peer_mb=$(python3 -c "import os,sys; print('%.1f' % (os.path.getsize(sys.argv[1]) / 1e6))" "$ar_dir/b.tar.zst")
  ar_cpu() { tail -n 1 "$1" | awk '{printf "%.1f s (%.1f user + %.1f sys)", $2 + $3, $2, $3}'; }
  ar_rss=$(( $(tail -n 1 "$ar_dir/admin-cpu.txt" | cut -d' ' -f4) / 1024 ))
  ar_load=$(cut -d' ' -f1-3 /proc/loadavg)
  {
    echo "$archive_section"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench.sh\`: $(nproc) cores ($cpu), $mem RAM,"
    echo "$swift_version, $(df -PT "$data_root" | awk 'NR == 2 {print $2}') file system ($(findmnt -no OPTIONS -T "$data_root" 2>/dev/null | grep -o discard || echo no discard))."
    echo "Data: \`maestro-admin generate --scale l --seed 1\`; \`archive create --older-than 0d\` takes $ar_tasks"
    echo "task files ($ar_mb MB) and holds back $ar_held. Each run starts from a fresh \`cp -a\` of the"
    echo "data dir and a \`sync\` (untimed). Wall time, median of $runs_l runs after one warm-up"
    echo "($(command -v hyperfine >/dev/null && echo hyperfine || echo date +%s.%N)); CPU time from one more run each. Goal: within 1.5× the peer."
    echo
    echo "| measurement | wall | ratio | CPU (one run) |"
    echo "|---|---|---|---|"
    echo "| \`archive create --older-than 0d\` (read + skim every task, select, hash, tar+zstd, fsync, read-back verify, journal, remove on 4 threads) | $(secs "$ar_admin_s") | **$(ratio "$ar_admin_s" "$ar_peer_s")** | $(ar_cpu "$ar_dir/admin-cpu.txt") |"
    echo "| \`bsdtar --zstd -cf X.tar.zst -T LIST && xargs rm < LIST\` (same files) | $(secs "$ar_peer_s") | 1.0× | $(ar_cpu "$ar_dir/peer-cpu.txt") |"
    echo
    echo "Archive $ar_archive_mb MB (bsdtar: $ar_peer_mb MB); peak RSS $ar_rss MiB. Phases of the CPU run (ms): \`$ar_phases\`."
    echo "check afterwards: $ar_check"
    echo "Load average at the end of the run: $ar_load. Removing files dominates both sides here: ext4"
    echo "mounted with \`discard\` trims each file's blocks inside \`unlink\`, at a latency that varies"
    echo "with the other jobs on the host; archive overlaps those waits on 4 threads. It spends more CPU"
    echo "than the peer (it reads and skims every task file to find what holds a task back, parses and"
    echo "hashes the candidates, reads the archive back and journals every byte it removes): on a disk"
    echo "where \`unlink\` is cheap the wall ratio moves toward the CPU ratio."
  } >"$tmp/archive.md"
  replace_section "$out_file" "$tmp/archive.md" "$archive_section"
  cat "$tmp/archive.md"
  echo
  rm -rf "$ar_dir"
fi
# --- end of archive (issue 6/7) ------------------------------------------------

# --- migrate (issue 7/7) -------------------------------------------------------
# `maestro-admin migrate up` on l-size legacy data (flat tasks, single-taskId
# sessions, tasks without the Phase IV-A arrays: 251,000 files) against the
# time `generate --scale l --format legacy` takes to write that data (goal:
# within 2×). Each migrate run needs fresh legacy data, and regenerating it is
# the baseline, so the rounds alternate: generate (timed), then one `up`
# (timed), for each mode of BENCH_MIGRATE_MODES (default "no-snapshot
# snapshot in-place": `up --no-snapshot`, `up` with its snapshot, `up
# --no-snapshot --in-place`). One run each (BENCH_MIGRATE_ROUNDS rounds,
# default 1); wall time and peak RSS by /usr/bin/time. Scratch data in
# $data_root/migrate-l (and its snapshot folder), removed at the end. Run
# alone with:
# BENCH_SECTIONS=migrate ./scripts/bench.sh
migrate_section="## migrate (issue 7/7)"
if wants migrate; then
  mg="$data_root/migrate-l"
  mg_snap="$data_root/migrate-l-backups"
  mg_rounds=${BENCH_MIGRATE_ROUNDS:-1}
  trap 'rm -rf "$tmp" "$mg" "$mg.faults.json" "$mg_snap"' EXIT
  mg_time() { tail -n 1 "$1" | awk '{print $1}'; }
  mg_rss() { tail -n 1 "$1" | awk '{printf "%d", $2 / 1024}'; }
  mg_cpu() { tail -n 1 "$1" | awk '{printf "%.1f s", $3 + $4}'; }
  : >"$tmp/mg-rows.txt"
  for round in $(seq "$mg_rounds"); do
    for mode in ${BENCH_MIGRATE_MODES:-no-snapshot snapshot in-place}; do
      rm -rf "$mg" "$mg.faults.json" "$mg_snap"
      sync
      log "migrate: generate --scale l --format legacy (round $round, before $mode)"
      /usr/bin/time -f '%e %M %U %S' -o "$tmp/mg-gen.txt" "$admin" generate --out "$mg" --scale l --format legacy --seed 1 --force >/dev/null
      gen_s=$(mg_time "$tmp/mg-gen.txt")
      gen_load=$(cut -d' ' -f1-3 /proc/loadavg)
      sync
      log "migrate: migrate up ($mode)"
      flags=(--no-snapshot)
      [ "$mode" = snapshot ] && flags=(--snapshot-dest "$mg_snap")
      [ "$mode" = in-place ] && flags=(--no-snapshot --in-place)
      set +e
      /usr/bin/time -f '%e %M %U %S' -o "$tmp/mg-up.txt" "$admin" migrate up --data-dir "$mg" "${flags[@]}" --json >"$tmp/mg-up.json"
      up_status=$?
      set -e
      up_s=$(mg_time "$tmp/mg-up.txt")
      up_rss=$(mg_rss "$tmp/mg-up.txt")
      up_load=$(cut -d' ' -f1-3 /proc/loadavg)
      phases=$(python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print(", ".join("%s %.1f s" % kv for kv in d["phasesSeconds"].items()))' "$tmp/mg-up.json")
      files_changed=$(json_field "$tmp/mg-up.json" files)
      set +e
      "$admin" check --data-dir "$mg" >/dev/null 2>&1
      check_status=$?
      set -e
      echo "| $round | \`migrate up$([ "$mode" != snapshot ] && echo " --no-snapshot")$([ "$mode" = in-place ] && echo " --in-place")\` (exit $up_status; check after: exit $check_status) | $(secs "$up_s") | $(secs "$gen_s") | **$(ratio "$up_s" "$gen_s")** | $(mg_cpu "$tmp/mg-up.txt") / $(mg_cpu "$tmp/mg-gen.txt") | $up_rss MiB | $gen_load / $up_load |" >>"$tmp/mg-rows.txt"
      echo "$mode: $phases" >>"$tmp/mg-phases.txt"
    done
  done
  mg_files=$(find "$mg" -type f -not -path '*/.maestro-admin/*' | wc -l)
  {
    echo "$migrate_section"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench.sh\`: $(nproc) cores ($cpu), $mem RAM,"
    echo "$swift_version, $(df -PT "$data_root" | awk 'NR == 2 {print $2}') file system."
    echo "Data: \`maestro-admin generate --scale l --format legacy --seed 1\` (1,000 projects, 200,000 tasks"
    echo "of which a third flat, 50,000 single-taskId sessions); $files_changed files changed by \`up\`, $mg_files files after."
    echo "Each \`up\` runs on freshly generated data; its baseline is the \`generate\` run just before it."
    echo "Wall time and peak RSS from /usr/bin/time, one run each. Goal: \`up\` within 2× of \`generate\`."
    echo
    echo "| round | measurement | wall | \`generate\` just before | ratio | CPU (user+sys) up / generate | peak RSS | load average (after generate / after up) |"
    echo "|---|---|---|---|---|---|---|---|"
    cat "$tmp/mg-rows.txt"
    echo
    echo "Phases of \`up\` (its --json summary): "
    sed 's/^/- /' "$tmp/mg-phases.txt"
    echo
    echo "How \`up\` works (default, \`exchange\`): one pass on both cores that reads, migrates and"
    echo "hashes every task and session file and writes the migrated ones into a staging folder (unchanged"
    echo "entries hard-linked); flat tasks placed (arrange); \`check\` of the data dir with the staged folders"
    echo "in place of the live ones, the live data checked too only when that finds errors (check-staged;"
    echo "the files are flushed meanwhile); one \`syncfs\`, a stat of every live entry to see that"
    echo "nothing changed, the tree manifests and the journal (plan); then the journal swaps \`tasks/\` and"
    echo "\`sessions/\` with their staged twins (apply). \`--in-place\` replaces each file on its own instead"
    echo "(check, scan, plan, apply with a journal pack of every old and new byte, recheck)."
    echo
    echo "Where the time goes: the stage phase creates as many files as \`generate\` does, and on this ext4"
    echo "(mounted with \`discard\`, no journal) creating files is kernel-bound and slow right after many"
    echo "deletions (\`perf\`: \`ext4_create\` → \`recently_deleted\`, and two threads creating in one"
    echo "folder wait on its lock), so \`generate\` itself swings widely between runs; each \`up\` is compared"
    echo "with the \`generate\` run just before it, under the same conditions. The rest of \`up\` is the two"
    echo "check of the staged data (about 3–4 s at l), arrange, and plan (the rest of the flush)."
    echo
    echo "The machine has 2 cores shared with other jobs; see the load averages."
  } >"$tmp/migrate.md"
  replace_section "$out_file" "$tmp/migrate.md" "$migrate_section"
  cat "$tmp/migrate.md"
  echo
  rm -rf "$mg" "$mg.faults.json" "$mg_snap"
fi
# --- end of migrate (issue 7/7) ------------------------------------------------

# --- nightly (issue 16 §6) -----------------------------------------------------
# Nightly backups side by side with restic 0.14 (Debian `restic`; repository
# version 2, compression auto), in one run, on one copy of a generated data
# dir (BENCH_NIGHTLY_SCALE, default l), each tool with a local repository and
# on the same SeaweedFS S3 server (`weed server ... -s3`, started here on free
# ports of 127.0.0.1 and killed by pid at the end):
#   night 1   backup of the fresh dir: wall, peak RSS, bytes stored
#   night 2   after scripts/rewrite-fraction.py rewrote 1% of the task and
#             session files the server's way (whole file, updatedAt or
#             lastActivity bumped, tmp + rename): wall, bytes added
#   restore   of the night-2 snapshot into a new folder: wall, and the tree
#             compared with the source (diff -r, file count, mtimes)
#   nights    BENCH_NIGHTS nights (default 30; nights 1 and 2 are the ones
#             above), each: rewrite 1% (seed = night), backup, retention
#             keep-daily 7 / keep-weekly 4; final repository size, total time.
#             restic runs `forget` every night and `forget --prune` every
#             BENCH_RESTIC_PRUNE_EVERY nights (default 7) and on the last:
#             at l a prune repacks for about 30 s, which nightly would add
#             some 12 minutes to the run; 1 prunes every night.
# Night 1 is 02:30 UTC on the first Sunday after the day the run starts,
# night N N-1 days later, in both tools' eyes: restic `backup --time`,
# maestro-admin under libfaketime (Debian `faketime`; FAKETIME="@DATE" starts
# the clock there and lets it run; monotonic clocks and file times are left
# alone). The calendar lies ahead of the real clock on purpose: a file's
# ctime (no clock can fake it) must be older than the snapshots that read it,
# as it is every night on a real server, or `backup create` would take every
# file for one changed while it ran. The thirty nights run on the local
# repositories only: SigV4 signs the request time, so a faked clock is
# refused by the store (RequestTimeTooSkewed), and maestro-admin's S3 nights
# 1 and 2 run at the real time.
# When `backup create --help` offers --full (incremental snapshots), night N
# passes it when BENCH_FULL_EVERY > 0 and (N - 1) % BENCH_FULL_EVERY == 0
# (7: nights 1, 8, 15, 22, 29); with 0, the default, --full is never passed
# and the tool decides (a full on night 1, then incrementals up to its
# --max-chain); without the flag every snapshot is a full one.
# Stored bytes are the sum of the sizes of the files under the local
# repository or destination (find -printf %s: no directory entries) and of
# the objects under the S3 prefix (ListObjectsV2, paged), so local and S3
# figures compare. restic's restore does not fsync; maestro-admin's ends
# with a syncfs, so the restic row also shows the `sync` run right after it.
# Run alone with: BENCH_SECTIONS=nightly ./scripts/bench.sh (at l about 25
# minutes on 2 busy cores, most of it restic's nights; then the scratch
# folder is removed: 1,255,000 files).
nightly_section="## nightly (issue 16 §6): maestro-admin backup vs restic"
if wants nightly; then
  for tool in restic:restic faketime:faketime; do
    if ! command -v "${tool%%:*}" >/dev/null; then
      log "installing ${tool#*:} (apt-get)"
      SUDO=""
      [ "$(id -u)" = 0 ] || SUDO=sudo
      $SUDO apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${tool#*:}" >/dev/null
    fi
  done
  need restic
  need faketime
  need weed
  need curl
  nt_scale=${BENCH_NIGHTLY_SCALE:-l}
  nt_nights=${BENCH_NIGHTS:-30}
  nt_fraction=${BENCH_NIGHTLY_FRACTION:-0.01}
  nt_full_every=${BENCH_FULL_EVERY:-0}
  nt_restic_prune_every=${BENCH_RESTIC_PRUNE_EVERY:-7}
  nt_gen="$data_root/$nt_scale"
  if [ ! -d "$nt_gen" ] || [ ! -f "$nt_gen.faults.json" ]; then
    log "generating $nt_scale-size data in $nt_gen"
    rm -rf "$nt_gen"
    "$admin" generate --out "$nt_gen" --scale "$nt_scale" --seed 1 --format seed --force >&2
  fi
  # Absolute: restic stores the absolute path it backs up, and every night
  # must back up the same path for restic to find its parent snapshot.
  nt="$(cd "$data_root" && pwd)/nightly-bench"
  src="$nt/data"
  # nt_remove: removes $nt, one `rm -rf` per top-level folder at the same
  # time (the copy and the four restored trees hold 1,255,000 files at l; on
  # ext4 mounted with `discard` every unlink waits for its trim, and one rm
  # after another took over 10 minutes).
  nt_remove() {
    [ -d "$nt" ] || return 0
    local pids=() d
    for d in "$nt"/*/; do rm -rf "$d" & pids+=($!); done
    for d in "${pids[@]}"; do wait "$d" || true; done
    rm -rf "$nt"
  }
  weed_pid=""
  # SeaweedFS's graceful shutdown takes over 30 s: it is killed.
  nt_stop() {
    if [ -n "$weed_pid" ]; then kill -9 "$weed_pid" 2>/dev/null || true; wait "$weed_pid" 2>/dev/null || true; fi
    weed_pid=""
    nt_remove
  }
  nt_remove
  mkdir -p "$nt/times"
  trap 'nt_stop; rm -rf "$tmp"' EXIT
  log "nightly: copying $nt_gen to $src"
  cp -a "$nt_gen" "$src"
  # The nights' calendar (see above): night 1 at 02:30 UTC on the first
  # Sunday after today. Every file and folder of the copy gets an mtime of
  # the day before, and the rewrite gives each file it writes the time of
  # that day's edits, so no file looks newer than the clock of the backup
  # that reads it.
  nt_base=$(( $(date -u -d "$(date -u +%F) 02:30:00 UTC" +%s) + (7 - $(date -u +%w)) * 86400 ))
  night_date() { date -u -d "@$((nt_base + ($1 - 1) * 86400))" '+%Y-%m-%d %H:%M:%S'; }
  find "$src" -exec touch -h -d "@$((nt_base - 52200))" {} +
  nt_files=$(find "$src" -type f | wc -l)
  nt_mb=$(find "$src" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.1f", s / 1e6}')

  # SeaweedFS: master, volume, filer and S3 gateway in one process, each on
  # a port of 127.0.0.1 and its port + 10000 (gRPC): four consecutive ports
  # below 45000 whose eight are all free.
  port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
  while :; do
    s3_port=$(( (RANDOM * 32768 + RANDOM) % 24000 + 20000 ))
    ok=1
    for p in $(seq "$s3_port" $((s3_port + 3))); do
      port_free "$p" && port_free $((p + 10000)) || { ok=0; break; }
    done
    [ $ok = 1 ] && break
  done
  s3_key="bench-access"
  s3_secret="bench-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
  s3_bucket="bench"
  s3_endpoint="http://127.0.0.1:$s3_port"
  mkdir -p "$nt/weed/data"
  printf '{"identities":[{"name":"bench","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
    "$s3_key" "$s3_secret" >"$nt/weed/identities.json"
  log "nightly: starting SeaweedFS (S3 on port $s3_port)"
  weed server -dir="$nt/weed/data" -ip=127.0.0.1 -ip.bind=127.0.0.1 \
    -master.port=$((s3_port + 1)) -volume.port=$((s3_port + 2)) -filer.port=$((s3_port + 3)) \
    -s3 -s3.port="$s3_port" -s3.config="$nt/weed/identities.json" \
    -master.volumeSizeLimitMB=64 -volume.max=64 -master.electionTimeout=1s \
    -s3.port.iceberg=0 -s3.port.lance=0 >"$nt/weed/weed.log" 2>&1 &
  weed_pid=$!
  # s3_curl ARGS...: a request signed with SigV4 by curl (the query keys must
  # come sorted: curl signs the query as written).
  s3_curl() { curl -sS --aws-sigv4 "aws:amz:us-east-1:s3" --user "$s3_key:$s3_secret" "$@"; }
  for _ in $(seq 300); do
    kill -0 "$weed_pid" 2>/dev/null || { tail -n 20 "$nt/weed/weed.log" >&2; echo "bench.sh: weed exited at start" >&2; exit 1; }
    [ "$(s3_curl -o /dev/null -w '%{http_code}' -X PUT "$s3_endpoint/$s3_bucket" 2>/dev/null)" = 200 ] && break
    sleep 0.2
  done
  [ "$(s3_curl -o /dev/null -w '%{http_code}' "$s3_endpoint/$s3_bucket?list-type=2&max-keys=1")" = 200 ] ||
    { echo "bench.sh: SeaweedFS did not answer within 60 s (see $nt/weed/weed.log)" >&2; exit 1; }
  # s3_bytes PREFIX: the sum of the sizes of the objects under PREFIX/.
  s3_bytes() {
    python3 - "$s3_endpoint" "$s3_bucket" "$1/" "$s3_key:$s3_secret" <<'PY'
import re, subprocess, sys, urllib.parse
endpoint, bucket, prefix, user = sys.argv[1:5]
total, token = 0, None
while True:
    query = {"list-type": "2", "prefix": prefix}
    if token:
        query["continuation-token"] = token
    q = "&".join("%s=%s" % (k, urllib.parse.quote(v, safe="-_.~")) for k, v in sorted(query.items()))
    xml = subprocess.run(["curl", "-sSf", "--aws-sigv4", "aws:amz:us-east-1:s3", "--user", user,
                          "%s/%s?%s" % (endpoint, bucket, q)], check=True, capture_output=True, text=True).stdout
    total += sum(int(s) for s in re.findall(r"<Size>(\d+)</Size>", xml))
    m = re.search(r"<NextContinuationToken>([^<]+)</NextContinuationToken>", xml)
    if "<IsTruncated>true</IsTruncated>" not in xml or not m:
        break
    token = m.group(1).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&#34;", '"').replace("&#39;", "'")
print(total)
PY
  }
  dir_bytes() { [ -d "$1" ] || { echo 0; return; }; find "$1" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}'; }

  export TZ=UTC RESTIC_PASSWORD="bench-password" RESTIC_CACHE_DIR="$nt/restic-cache"
  export AWS_ACCESS_KEY_ID="$s3_key" AWS_SECRET_ACCESS_KEY="$s3_secret" AWS_ENDPOINT_URL="$s3_endpoint" AWS_REGION=us-east-1
  restic_local="$nt/restic-repo"
  restic_s3="s3:$s3_endpoint/$s3_bucket/restic"
  ours_local="$nt/maestro-dest"
  ours_s3="s3://$s3_bucket/maestro"
  restic -r "$restic_local" init --repository-version 2 >/dev/null
  restic -r "$restic_s3" init --repository-version 2 >/dev/null
  restic_cfg=$(restic -r "$restic_local" cat config | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])')
  # restic keeps a local cache of the repository's index and trees (by
  # default under ~/.cache); a separate one per run, removed at the end.
  nt_has_full=0
  "$admin" backup create --help 2>&1 | grep -q -- '--full' && nt_has_full=1

  # timed NAME OK_CODES CMD...: runs CMD with /usr/bin/time (wall, peak RSS),
  # output in $nt/times/NAME.{out,err}; fails the bench unless its exit code
  # is one of OK_CODES (comma-separated).
  timed() {
    local name=$1 ok=$2 status
    shift 2
    set +e
    /usr/bin/time -f '%e %M' -o "$nt/times/$name.time" "$@" >"$nt/times/$name.out" 2>"$nt/times/$name.err"
    status=$?
    set -e
    case ",$ok," in *",$status,"*) ;; *)
      echo "bench.sh: $name: exit $status: $*" >&2
      tail -n 20 "$nt/times/$name.err" >&2
      exit 1 ;;
    esac
  }
  wall_of() { tail -n 1 "$nt/times/$1.time" | cut -d' ' -f1; }
  rss_of() { tail -n 1 "$nt/times/$1.time" | awk '{printf "%.0f", $2 / 1024}'; }
  # at NIGHT: sets the array `at` to the command prefix that runs a program
  # with the clock at that night's date: libfaketime through its `faketime`
  # wrapper (the real-time clock starts there and runs; monotonic clocks and
  # file times are left alone). The wrapper, not a bare LD_PRELOAD: without
  # the shared state it sets up (FAKETIME_SHARED), the Swift binary started
  # under libfaketime 0.9.10 sees no arguments.
  at_night() {
    at=(env NO_FAKE_STAT=1 faketime --exclude-monotonic -f "@$(night_date "$1")")
  }
  # backup_night NIGHT WHERE: both tools' backup of $src at NIGHT into the
  # local repositories (WHERE=local) or the S3 ones (WHERE=s3).
  backup_night() {
    local night=$1 where=$2 when flags=()
    when=$(night_date "$night")
    local r_repo=$restic_local o_dest=$ours_local
    [ "$where" = s3 ] && { r_repo=$restic_s3; o_dest=$ours_s3; }
    timed "restic-$where-$night" 0 restic -r "$r_repo" backup --time "$when" --json -q "$src"
    if [ $nt_has_full = 1 ] && [ "$nt_full_every" -gt 0 ] && [ $(((night - 1) % nt_full_every)) = 0 ]; then flags=(--full); fi
    # On S3 at the real time: SigV4 signs the request time, and the store
    # refuses a faked one (RequestTimeTooSkewed); nights 1 and 2 need none.
    at_night "$night"
    [ "$where" = s3 ] && at=()
    timed "ours-$where-$night" 0 "${at[@]}" "$admin" backup create --data-dir "$src" --dest "$o_dest" --json "${flags[@]}"
  }
  # prune_night NIGHT: retention on both local repositories. restic forgets
  # every night and prunes (repacks) every BENCH_RESTIC_PRUNE_EVERY nights
  # and on the last one, so the final repository is pruned.
  prune_night() {
    local prune=()
    if [ $(($1 % nt_restic_prune_every)) = 0 ] || [ "$1" = "$nt_nights" ]; then prune=(--prune); fi
    timed "restic-prune-$1" 0 restic -r "$restic_local" forget --keep-daily 7 --keep-weekly 4 "${prune[@]}"
    at_night "$1"
    timed "ours-prune-$1" 0,1 "${at[@]}" "$admin" backup prune --dest "$ours_local" --keep-daily 7 --keep-weekly 4
  }
  sizes() { # prints "restic-local ours-local [restic-s3 ours-s3]"
    printf '%s %s' "$(dir_bytes "$restic_local")" "$(dir_bytes "$ours_local")"
    [ "${1:-}" = s3 ] && printf ' %s %s' "$(s3_bytes restic)" "$(s3_bytes maestro)"
    echo
  }
  rewrite() {
    python3 scripts/rewrite-fraction.py "$src" --fraction "$nt_fraction" --seed "$1" \
      --time-ms "$(( (nt_base + ($1 - 1) * 86400 - 3600) * 1000 ))" >"$nt/times/rewrite-$1.json"
  }

  log "nightly: warming the page cache"
  tar cf - "$src" 2>/dev/null | cat >/dev/null
  nt_started=$(date +%s)
  log "nightly: night 1 (local, then S3)"
  backup_night 1 local
  backup_night 1 s3
  # The snapshots must carry the faked date (libfaketime reached the binary).
  case "$(json_field "$nt/times/ours-local-1.out" snapshot)" in
    *"maestro-$(date -u -d "@$nt_base" +%Y%m%dT%H%M)"*) ;;
    *) echo "bench.sh: the night-1 snapshot does not carry $(night_date 1) (libfaketime not in effect?): $(json_field "$nt/times/ours-local-1.out" snapshot)" >&2; exit 1 ;;
  esac
  read -r s1_rl s1_ol s1_rs s1_os <<<"$(sizes s3)"
  prune_night 1
  log "nightly: rewriting $nt_fraction of the entity files; night 2"
  rewrite 2
  backup_night 2 local
  backup_night 2 s3
  read -r s2_rl s2_ol s2_rs s2_os <<<"$(sizes s3)"
  prune_night 2
  echo "1 $s1_rl $s1_ol" >"$nt/sizes.txt"
  echo "2 $(sizes)" >>"$nt/sizes.txt"

  # Restores of the night-2 snapshots, each into a new folder; the restored
  # trees stay until the end (ext4 creates files slowly right after mass
  # deletions, which would charge one tool for the other's clean-up).
  restic_snap_local=$(json_field "$nt/times/restic-local-2.out" snapshot_id)
  restic_snap_s3=$(json_field "$nt/times/restic-s3-2.out" snapshot_id)
  ours_snap_local=$(json_field "$nt/times/ours-local-2.out" snapshot)
  ours_snap_s3=$(json_field "$nt/times/ours-s3-2.out" snapshot)
  # tree_report DIR: "exact" or what differs from $src, with file counts and
  # how many files' mtimes differ from the source's.
  tree_report() {
    local got=$1 diffs count mt
    diffs=$(diff -r -q "$src" "$got" 2>&1 | wc -l)
    count=$(find "$got" -type f | wc -l)
    mt=$(python3 - "$src" "$got" <<'PY'
import os, sys
src, got = sys.argv[1:3]
differ = to_second = 0
for folder, _, names in os.walk(src):
    for n in names:
        a = os.path.join(folder, n)
        b = os.path.join(got, os.path.relpath(a, src))
        try:
            ta, tb = os.lstat(a).st_mtime_ns, os.lstat(b).st_mtime_ns
        except FileNotFoundError:
            differ += 1
            continue
        if ta != tb:
            differ += 1
            to_second += ta // 10**9 == tb // 10**9
print("file mtimes equal" if differ == 0 else "%d file mtimes differ (%d of them equal to the second)" % (differ, to_second))
PY
)
    if [ "$diffs" = 0 ] && [ "$count" = "$nt_files" ]; then
      echo "exact ($count files, $mt)"
    else
      echo "NOT exact: $diffs diff -r lines, $count of $nt_files files, $mt"
    fi
  }
  for where in local s3; do
    log "nightly: restore of night 2 ($where)"
    r_repo=$restic_local; r_snap=$restic_snap_local; o_snap=$ours_snap_local
    [ "$where" = s3 ] && { r_repo=$restic_s3; r_snap=$restic_snap_s3; o_snap=$ours_snap_s3; }
    sync
    timed "restic-restore-$where" 0 restic -r "$r_repo" restore "$r_snap" --target "$nt/restore-restic-$where"
    timed "restic-restore-sync-$where" 0 sync
    timed "ours-restore-$where" 1 "$admin" backup restore "$o_snap" --to "$nt/restore-ours-$where"
    tree_report "$nt/restore-restic-$where$src" >"$nt/times/restic-tree-$where.txt"
    tree_report "$nt/restore-ours-$where" >"$nt/times/ours-tree-$where.txt"
  done

  for night in $(seq 3 "$nt_nights"); do
    log "nightly: night $night of $nt_nights (local)"
    rewrite "$night"
    backup_night "$night" local
    prune_night "$night"
    echo "$night $(sizes)" >>"$nt/sizes.txt"
  done
  nt_elapsed=$(($(date +%s) - nt_started))
  restic_kept=$(restic -r "$restic_local" snapshots --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
  ours_kept=$("$admin" backup list --dest "$ours_local" --json | python3 -c '
import json, sys
print(sum(1 for l in sys.stdin if l.strip() and json.loads(l).get("type") == "snapshot"))')

  # --- report ---
  mb() { python3 -c 'import sys; print("%.1f MB" % (float(sys.argv[1]) / 1e6))' "$1"; }
  r2() { python3 -c 'import sys; print("%.2f×" % (float(sys.argv[1]) / float(sys.argv[2])))' "$1" "$2"; }
  goal() { python3 -c 'import sys; r = float(sys.argv[1]) / float(sys.argv[2]); print("**%.2f×** (goal ≤ %s: %s)" % (r, sys.argv[3], "met" if r <= float(sys.argv[3]) else "not met"))' "$1" "$2" "$3"; }
  sum_walls() { local f; for f in "$@"; do wall_of "$f"; done | awk '{s += $1} END {printf "%.2f\n", s}'; }
  # The thirty nights' totals: backup + retention of every local night.
  nt_restic_total=$(sum_walls $(for n in $(seq "$nt_nights"); do echo "restic-local-$n restic-prune-$n"; done))
  nt_ours_total=$(sum_walls $(for n in $(seq "$nt_nights"); do echo "ours-local-$n ours-prune-$n"; done))
  nt_restic_prune=$(sum_walls $(for n in $(seq "$nt_nights"); do echo "restic-prune-$n"; done))
  nt_ours_prune=$(sum_walls $(for n in $(seq "$nt_nights"); do echo "ours-prune-$n"; done))
  read -r _ fin_rl fin_ol <<<"$(tail -n 1 "$nt/sizes.txt")"
  rewritten=$(json_field "$nt/times/rewrite-2.json" rewritten)
  skipped=$(json_field "$nt/times/rewrite-2.json" skipped)
  entity_files=$(json_field "$nt/times/rewrite-2.json" files)
  nt_load=$(cut -d' ' -f1-3 /proc/loadavg)
  if [ $nt_has_full = 0 ]; then
    nt_fulls="no \`--full\` in \`backup create --help\`: every snapshot is a full one"
  elif [ "$nt_full_every" -gt 0 ]; then
    nt_fulls="\`--full\` every $nt_full_every nights (nights $(seq 1 "$nt_full_every" "$nt_nights" | paste -sd, | sed 's/,/, /g')), incremental otherwise"
  else
    nt_fulls="no \`--full\` passed: the tool's own rule (a full on night 1, incrementals after it up to \`--max-chain\`)"
  fi
  row() { # LABEL R_LOCAL O_LOCAL RATIO_LOCAL R_S3 O_S3 RATIO_S3
    echo "| $1 | $2 | $3 | $4 | $5 | $6 | $7 |"
  }
  {
    echo "$nightly_section"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench.sh\` (BENCH_SECTIONS=nightly) in one run, $nt_elapsed s:"
    echo "$(nproc) cores ($cpu), $mem RAM, $(df -PT "$data_root" | awk 'NR == 2 {print $2}') file system, $(restic version | cut -d' ' -f1-2) (repository"
    echo "version $restic_cfg, compression auto), SeaweedFS $(weed version 2>/dev/null | awk '{print $3}') on 127.0.0.1."
    echo "Data: \`maestro-admin generate --scale $nt_scale --seed 1\`: $nt_files files, $nt_mb MB. Each night"
    echo "\`scripts/rewrite-fraction.py --fraction $nt_fraction --seed NIGHT\` rewrites $rewritten of the $entity_files task and"
    echo "session files ($skipped skipped) the server's way (whole file, \`updatedAt\`/\`lastActivity\` bumped, tmp + rename)."
    echo "maestro-admin: $nt_fulls. Night 1 is $(night_date 1) UTC (a Sunday ahead of the real clock, so that"
    echo "every file's ctime is older than the snapshots), night N N-1 days later, for both tools"
    echo "(restic \`backup --time\`; maestro-admin under libfaketime). Single runs; wall time and"
    echo "peak RSS from /usr/bin/time; stored bytes = the sizes of the repository's files (local) or"
    echo "objects (S3, ListObjectsV2). Ratios are maestro-admin / restic."
    echo
    echo "| | restic, local | maestro-admin, local | ratio | restic, S3 | maestro-admin, S3 | ratio |"
    echo "|---|---|---|---|---|---|---|"
    row "night 1: backup of the fresh dir" "$(secs "$(wall_of restic-local-1)")" "$(secs "$(wall_of ours-local-1)")" "$(r2 "$(wall_of ours-local-1)" "$(wall_of restic-local-1)")" \
      "$(secs "$(wall_of restic-s3-1)")" "$(secs "$(wall_of ours-s3-1)")" "$(r2 "$(wall_of ours-s3-1)" "$(wall_of restic-s3-1)")"
    row "night 1: peak RSS" "$(rss_of restic-local-1) MiB" "$(rss_of ours-local-1) MiB" "" "$(rss_of restic-s3-1) MiB" "$(rss_of ours-s3-1) MiB" ""
    row "night 1: stored (the whole repository)" "$(mb "$s1_rl")" "$(mb "$s1_ol")" "$(r2 "$s1_ol" "$s1_rl")" \
      "$(mb "$s1_rs")" "$(mb "$s1_os")" "$(r2 "$s1_os" "$s1_rs")"
    row "night 2: backup after 1% rewritten" "$(secs "$(wall_of restic-local-2)")" "$(secs "$(wall_of ours-local-2)")" "$(goal "$(wall_of ours-local-2)" "$(wall_of restic-local-2)" 0.5)" \
      "$(secs "$(wall_of restic-s3-2)")" "$(secs "$(wall_of ours-s3-2)")" "$(goal "$(wall_of ours-s3-2)" "$(wall_of restic-s3-2)" 0.5)"
    row "night 2: peak RSS" "$(rss_of restic-local-2) MiB" "$(rss_of ours-local-2) MiB" "" "$(rss_of restic-s3-2) MiB" "$(rss_of ours-s3-2) MiB" ""
    row "night 2: bytes added" "$(mb $((s2_rl - s1_rl)))" "$(mb $((s2_ol - s1_ol)))" "$(goal $((s2_ol - s1_ol)) $((s2_rl - s1_rl)) 0.25)" \
      "$(mb $((s2_rs - s1_rs)))" "$(mb $((s2_os - s1_os)))" "$(goal $((s2_os - s1_os)) $((s2_rs - s1_rs)) 0.25)"
    row "restore of night 2 into a new folder" "$(secs "$(wall_of restic-restore-local)") (+ sync $(secs "$(wall_of restic-restore-sync-local)"))" "$(secs "$(wall_of ours-restore-local)")" "$(goal "$(wall_of ours-restore-local)" "$(wall_of restic-restore-local)" 1.0)" \
      "$(secs "$(wall_of restic-restore-s3)") (+ sync $(secs "$(wall_of restic-restore-sync-s3)"))" "$(secs "$(wall_of ours-restore-s3)")" "$(goal "$(wall_of ours-restore-s3)" "$(wall_of restic-restore-s3)" 1.0)"
    row "restore: peak RSS" "$(rss_of restic-restore-local) MiB" "$(rss_of ours-restore-local) MiB" "" "$(rss_of restic-restore-s3) MiB" "$(rss_of ours-restore-s3) MiB" ""
    row "restored tree vs the source (diff -r, files)" "$(cat "$nt/times/restic-tree-local.txt")" "$(cat "$nt/times/ours-tree-local.txt")" "" \
      "$(cat "$nt/times/restic-tree-s3.txt")" "$(cat "$nt/times/ours-tree-s3.txt")" ""
    echo
    echo "$nt_nights nights with retention (local repositories: a faked clock cannot sign S3 requests). Each night:"
    echo "rewrite, backup, then \`restic forget --keep-daily 7 --keep-weekly 4\` (with \`--prune\` every"
    echo "$nt_restic_prune_every nights and on the last) / \`backup prune --keep-daily 7 --keep-weekly 4\`:"
    echo
    echo "| | restic | maestro-admin | ratio |"
    echo "|---|---|---|---|"
    echo "| repository after night $nt_nights | $(mb "$fin_rl") | $(mb "$fin_ol") | $(goal "$fin_ol" "$fin_rl" 0.5) |"
    echo "| snapshots kept | $restic_kept | $ours_kept | |"
    echo "| backup + retention, all $nt_nights nights | $(secs "$nt_restic_total") | $(secs "$nt_ours_total") | $(r2 "$nt_ours_total" "$nt_restic_total") |"
    echo "| of which retention | $(secs "$nt_restic_prune") | $(secs "$nt_ours_prune") | |"
    echo
    echo "<details><summary>Per night (local): backup wall, retention wall, repository size after retention</summary>"
    echo
    echo "| night | restic backup | restic forget (--prune) | restic repository | maestro-admin backup | backup prune | maestro-admin destination |"
    echo "|---|---|---|---|---|---|---|"
    while read -r n rl ol; do
      pruned=""
      if [ $((n % nt_restic_prune_every)) = 0 ] || [ "$n" = "$nt_nights" ]; then pruned=" (--prune)"; fi
      echo "| $n | $(secs "$(wall_of "restic-local-$n")") | $(secs "$(wall_of "restic-prune-$n")")$pruned | $(mb "$rl") | $(secs "$(wall_of "ours-local-$n")") | $(secs "$(wall_of "ours-prune-$n")") | $(mb "$ol") |"
    done <"$nt/sizes.txt"
    echo
    echo "</details>"
    echo
    echo "Load average at the end of the run: $nt_load (2 cores shared with other jobs: single runs"
    echo "swing with them). restic restores without fsync; maestro-admin's restore ends with a"
    echo "syncfs and swaps the folder into place, so the restic cell shows the \`sync\` run after it."
  } >"$tmp/nightly.md"
  replace_section "$out_file" "$tmp/nightly.md" "$nightly_section"
  cat "$tmp/nightly.md"
  echo
  nt_stop
fi
# --- end of nightly (issue 16 §6) ----------------------------------------------

echo "bench.sh: wrote $out_file in $(($(date +%s) - started)) s" >&2
