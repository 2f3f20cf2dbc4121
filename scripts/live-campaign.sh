#!/usr/bin/env bash
# The live-data-dir campaign (issue 13 §5): every command run many times
# against a data dir that `maestro-server-imitator` rewrites the way a running
# Maestro server does (whole entity files from memory, both write styles), and
# a Markdown table of what happened:
#
#   check           runs in which a write in flight came out as an error or
#                   warning (the base data dir is clean, so once the writer
#                   stops, check must find nothing: any error/warning seen
#                   while it wrote is such a misreport); transient findings
#   backup create   snapshots that are not consistent: `verify --deep` finds
#                   an error/warning, or check on the restored snapshot finds
#                   an error/warning that verify --deep did not call transient;
#                   snapshots marked live
#   repair, fmt, migrate up, archive create, undo
#                   server writes lost or overwritten with stale content
#                   (`maestro-server-imitator verify --policy derived`);
#                   a file a repair quarantined whose copy in lost+found is
#                   byte-identical to the server's last write is counted
#                   apart ("quarantined verbatim"), not as lost
#   every command   exit codes, and for check/backup: no file changed at all
#
# Server detection is left unavailable on purpose (the imitator writes no
# server-url and runs without DATA_DIR): changing commands are run with the
# override flag when the binary has one, to measure what they would lose.
#
# A manual tool, not CI: the full campaign (50 runs x 7 commands x 2 scales x
# 2 rates x 2 styles) takes hours on 2 cores.
#
# Environment:
#   LIVE_RUNS      runs per command and setting (default 50)
#   LIVE_SCALES    generate scales (default "s m")
#   LIVE_RATES     writes per second (default "20 300")
#   LIVE_STYLES    write styles (default "rename in-place")
#   LIVE_COMMANDS  default "check backup repair fmt migrate archive undo"
#   LIVE_BIN       folder holding maestro-admin and maestro-server-imitator
#                  (default: built here with swift build -c release)
#   LIVE_OVERRIDE_FLAG  the flag that makes a changing command run on a data
#                  dir it thinks is live (default: --ignore-live-server when
#                  `maestro-admin repair --help` lists it, else none)
#   LIVE_SEED_OFFSET  added to the run number to make the writer's seed
#                  (default 0), so that a second campaign adds new runs
#   LIVE_WORK      scratch folder (default: a fresh one under /tmp, removed)
#   LIVE_OUT       also write the table to this file
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${LIVE_RUNS:-50}
scales=${LIVE_SCALES:-s m}
rates=${LIVE_RATES:-20 300}
styles=${LIVE_STYLES:-rename in-place}
commands=${LIVE_COMMANDS:-check backup repair fmt migrate archive undo}
log() { printf '== %s\n' "$*" >&2; }
command -v python3 >/dev/null || { echo "live-campaign.sh: python3 is required" >&2; exit 2; }

if [[ -n ${LIVE_BIN:-} ]]; then
  bin=$LIVE_BIN
else
  log "swift build -c release"
  swift build -c release --product maestro-admin >&2
  swift build -c release --product maestro-server-imitator >&2
  bin=$(swift build -c release --show-bin-path)
fi
admin="$bin/maestro-admin"
imitator="$bin/maestro-server-imitator"
[[ -x $admin && -x $imitator ]] || { echo "live-campaign.sh: no maestro-admin/maestro-server-imitator in $bin" >&2; exit 2; }

if [[ -n ${LIVE_OVERRIDE_FLAG+set} ]]; then
  override=$LIVE_OVERRIDE_FLAG
elif "$admin" repair --help 2>&1 | grep -q -- '--ignore-live-server'; then
  override=--ignore-live-server
else
  override=
fi
log "override flag for changing commands: ${override:-none}"

if [[ -n ${LIVE_WORK:-} ]]; then
  work=$LIVE_WORK
  mkdir -p "$work"
else
  work=$(mktemp -d /tmp/live-campaign.XXXXXX)
  trap 'rm -rf "$work"' EXIT
fi
results="$work/results.tsv"
: >"$results"
imitator_pid=
stop_imitator() {
  if [[ -n $imitator_pid ]]; then
    kill -TERM "$imitator_pid" 2>/dev/null || true
    wait "$imitator_pid" 2>/dev/null || true
    imitator_pid=
  fi
}
trap 'stop_imitator' INT TERM

# The JSON tools the evaluation needs, in one place.
evaluate() {
  python3 - "$@" <<'PY'
import json, sys

def lines(path):
    out = []
    try:
        for line in open(path, encoding="utf-8", errors="replace"):
            line = line.strip()
            if line.startswith("{"):
                try: out.append(json.loads(line))
                except ValueError: pass
    except FileNotFoundError:
        pass
    return out

def key(o):
    return (o.get("code"), o.get("file"), o.get("id"), o.get("ref"))

def loud(objs):
    return [o for o in objs if o.get("type") == "finding" and o.get("severity") in ("error", "warning")]

what = sys.argv[1]
if what == "check":
    during, after = lines(sys.argv[2]), lines(sys.argv[3])
    after_keys = {key(o) for o in loud(after)}
    misreported = [o for o in loud(during) if key(o) not in after_keys]
    transient = sum(1 for o in during if o.get("severity") == "transient")
    print(len(misreported), transient)
elif what == "backup":
    verify, restored = lines(sys.argv[2]), lines(sys.argv[3])
    summary = next((o for o in reversed(verify) if o.get("type") == "summary"), {})
    transient = {key(o) for o in verify if o.get("severity") == "transient"}
    bad = len(loud(verify)) + sum(1 for o in loud(restored) if key(o) not in transient)
    if not summary.get("verified"):
        bad += 1
    print(bad, 1 if summary.get("live") else 0, len(transient))
elif what == "lost":
    report = next(iter(lines(sys.argv[2])), {})
    print(report.get("lost", -1), report.get("changedFromLastWrite", 0), report.get("removed", 0), report.get("quarantined", 0))
elif what == "table":
    rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2]) if l.strip()]
    groups = {}
    for r in rows:
        groups.setdefault(tuple(r[:4]), []).append(r[4:])
    print("| command | scale | writes/s | style | runs | exit codes | result | detail |")
    print("|---|---|---|---|---|---|---|---|")
    for (command, scale, rate, style), rs in groups.items():
        codes = {}
        for r in rs:
            codes[r[0]] = codes.get(r[0], 0) + 1
        exits = ", ".join(f"{c}×{n}" for c, n in sorted(codes.items()))
        if command == "check":
            bad = sum(1 for r in rs if int(r[1]) > 0)
            result = f"{bad} run(s) with a transient reported as error/warning"
            detail = f"{sum(int(r[2]) for r in rs)} transient findings; {sum(int(r[3]) for r in rs)} server write(s) changed"
        elif command == "backup":
            bad = sum(1 for r in rs if int(r[1]) > 0)
            result = f"{bad} inconsistent snapshot(s)"
            detail = f"{sum(int(r[2]) for r in rs)} marked live; {sum(int(r[3]) for r in rs)} transient links; {sum(int(r[4]) for r in rs)} server write(s) changed"
        else:
            lost = sum(max(int(r[1]), 0) for r in rs)
            bad = sum(1 for r in rs if int(r[1]) != 0)
            result = f"{lost} lost or stale-overwritten write(s) in {bad} run(s)"
            detail = f"{sum(int(r[2]) for r in rs)} file(s) rewritten from the last server write; {sum(int(r[3]) for r in rs)} archived"
            quarantined = sum(int(r[4]) for r in rs if len(r) > 4)
            if quarantined:
                detail += f"; {quarantined} quarantined verbatim (the server's last write, byte-identical in lost+found)"
        print(f"| {command} | {scale} | {rate} | {style} | {len(rs)} | {exits} | {result} | {detail} |")
PY
}

# Base data dirs, generated once per scale (clean; faulty for repair/undo;
# seed-era for migrate).
base() {
  local scale=$1 kind=$2 dir="$work/base-$1-$2"
  if [[ ! -d $dir ]]; then
    case $kind in
      clean) "$admin" generate --scale "$scale" --out "$dir" --no-sync >/dev/null ;;
      faulty) "$admin" generate --scale "$scale" --out "$dir" --no-sync --inject all=2 >/dev/null ;;
      seed) "$admin" generate --scale "$scale" --out "$dir" --no-sync --format seed >/dev/null ;;
    esac
  fi
  printf '%s' "$dir"
}

run_one() {
  local command=$1 scale=$2 rate=$3 style=$4 n=$5
  local data="$work/run/data" out="$work/run" kind=clean
  case $command in repair | undo) kind=faulty ;; migrate) kind=seed ;; esac
  rm -rf "$out"
  mkdir -p "$out"
  cp -a "$(base "$scale" "$kind")" "$data"
  local journal=
  if [[ $command == undo ]]; then
    # The run to undo, made while the server is stopped.
    "$admin" repair --data-dir "$data" --json >"$out/setup.json" 2>/dev/null || true
    journal=$(ls -t "$data"/.maestro-admin/journal/*.jsonl 2>/dev/null | head -1 || true)
  fi
  env -u DATA_DIR "$imitator" --data-dir "$data" --rate "$rate" --style "$style" --duration 120 --seed "$((n + ${LIVE_SEED_OFFSET:-0}))" \
    --log "$out/writes.jsonl" --ready-file "$out/ready" >"$out/imitator.json" 2>"$out/imitator.err" &
  imitator_pid=$!
  for _ in $(seq 600); do [[ -f $out/ready ]] && break; sleep 0.05; done
  sleep "0.$((RANDOM % 5))"
  local status=0
  case $command in
    check) "$admin" check --data-dir "$data" --json >"$out/during.json" 2>/dev/null || status=$? ;;
    backup) "$admin" backup create --data-dir "$data" --dest "$out/backups" --json >"$out/create.json" 2>/dev/null || status=$? ;;
    repair) "$admin" repair --data-dir "$data" $override --json >"$out/cmd.json" 2>/dev/null || status=$? ;;
    fmt) "$admin" fmt --style pretty $override --json "$data" >"$out/cmd.json" 2>/dev/null || status=$? ;;
    migrate) "$admin" migrate up --data-dir "$data" --no-snapshot $override --json >"$out/cmd.json" 2>/dev/null || status=$? ;;
    archive) "$admin" archive create --data-dir "$data" --older-than 0d $override --json >"$out/cmd.json" 2>/dev/null || status=$? ;;
    undo) "$admin" undo "${journal:-missing}" --data-dir "$data" $override --json >"$out/cmd.json" 2>/dev/null || status=$? ;;
  esac
  sleep 0.2  # the server goes on writing after the command
  stop_imitator
  local row="$command	$scale	$rate	$style	$status"
  case $command in
    check)
      "$admin" check --data-dir "$data" --json >"$out/after.json" 2>/dev/null || true
      local changed
      changed=$("$imitator" verify --data-dir "$data" --log "$out/writes.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lost"])' || true)
      read -r misreported transient < <(evaluate check "$out/during.json" "$out/after.json")
      row+="	$misreported	$transient	${changed:-0}"
      ;;
    backup)
      local snapshot changed
      snapshot=$(ls "$out"/backups/maestro-* 2>/dev/null | head -1 || true)
      if [[ -n $snapshot ]]; then
        "$admin" backup verify "$snapshot" --deep --json >"$out/verify.json" 2>/dev/null || true
        "$admin" backup restore "$snapshot" --to "$out/restored" >/dev/null 2>&1 || true
        "$admin" check --data-dir "$out/restored" --json >"$out/restored.json" 2>/dev/null || true
      fi
      changed=$("$imitator" verify --data-dir "$data" --log "$out/writes.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["lost"])' || true)
      read -r bad live transient < <(evaluate backup "$out/verify.json" "$out/restored.json")
      row+="	$bad	$live	$transient	${changed:-0}"
      ;;
    *)
      "$imitator" verify --data-dir "$data" --log "$out/writes.jsonl" --policy derived --allow-archived >"$out/lost.json" || true
      read -r lost derived removed quarantined < <(evaluate lost "$out/lost.json")
      row+="	$lost	$derived	$removed	$quarantined"
      ;;
  esac
  printf '%s\n' "$row" >>"$results"
}

started=$(date +%s)
for scale in $scales; do
  for command in $commands; do
    for rate in $rates; do
      for style in $styles; do
        log "$command at $scale, $rate writes/s, $style: $runs run(s)"
        for n in $(seq "$runs"); do run_one "$command" "$scale" "$rate" "$style" "$n"; done
      done
    done
  done
done

table=$(evaluate table "$results")
{
  echo "Live campaign: $runs run(s) per row; binaries: $bin; override flag: ${override:-none};"
  echo "$(nproc) cores; $(( $(date +%s) - started )) s."
  echo
  echo "$table"
} | tee ${LIVE_OUT:+"$LIVE_OUT"}
