#!/usr/bin/env python3
"""Rewrites a fraction of a data dir's task and session files the way a
running Maestro server saves them, for the nightly backup benchmark
(scripts/bench.sh, section `nightly`): one day of edits between two nights.

Usage: rewrite-fraction.py DATA_DIR [--fraction 0.01] [--seed N] [--time-ms MS]

Picks round(fraction x N) of the N entity files (tasks/<projectId>/*.json and
sessions/*.json, sorted by path, drawn with random.Random(seed): the same
seed picks the same files in the same tree) and rewrites each one whole:
bumps the task's `updatedAt` or the session's `lastActivity` to --time-ms
(default: 2026-11-01T02:00:00Z plus SEED days, so a run is deterministic),
serialises it in the file's own style (two-space `JSON.stringify(v, null, 2)`
or compact), writes `<file>.<8 hex>.tmp` beside it and renames it over the
file, as newer servers do. The new file's mtime is --time-ms too: the
benchmark runs its nights on a faked calendar, and the file looks written
at that moment of it. A file whose JSON would not serialise back to its
own bytes (a number Python prints differently from Node) is skipped and
counted, so the tool never changes bytes it was not asked to.

Prints one JSON line: {"files": N, "rewritten": K, "skipped": S, "bytes": B}.
"""
import argparse
import json
import os
import random
import sys

DAY_MS = 86_400_000
BASE_MS = 1_793_498_400_000  # 2026-11-01T02:00:00Z


def entity_files(root):
    """Sorted relative paths of the task and session files under root."""
    found = []
    tasks = os.path.join(root, "tasks")
    if os.path.isdir(tasks):
        for project in sorted(os.listdir(tasks)):
            folder = os.path.join(tasks, project)
            if os.path.isdir(folder):
                found += [os.path.join("tasks", project, n) for n in sorted(os.listdir(folder)) if n.endswith(".json")]
    sessions = os.path.join(root, "sessions")
    if os.path.isdir(sessions):
        found += [os.path.join("sessions", n) for n in sorted(os.listdir(sessions)) if n.endswith(".json")]
    return found


def serialise(value, two_space):
    """Node's JSON.stringify for the values these files hold (strings, ints,
    objects, arrays, booleans, null): non-ASCII and `/` unescaped."""
    if two_space:
        return json.dumps(value, ensure_ascii=False, indent=2, separators=(",", ": "))
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir")
    parser.add_argument("--fraction", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-ms", type=int, default=None)
    args = parser.parse_args()
    if not 0 <= args.fraction <= 1:
        parser.error("--fraction must be between 0 and 1")
    root = args.data_dir
    if not os.path.isdir(os.path.join(root, "tasks")) and not os.path.isdir(os.path.join(root, "sessions")):
        print(f"rewrite-fraction.py: {root}: no tasks/ or sessions/ folder (not a data dir)", file=sys.stderr)
        return 2
    now_ms = args.time_ms if args.time_ms is not None else BASE_MS + args.seed * DAY_MS
    rng = random.Random(args.seed)
    files = entity_files(root)
    chosen = rng.sample(files, round(args.fraction * len(files)))
    rewritten = skipped = written_bytes = 0
    for relative in chosen:
        path = os.path.join(root, relative)
        with open(path, "rb") as f:
            raw = f.read()
        text = raw.decode("utf-8")
        value = json.loads(text)
        two_space = text.startswith("{\n")
        trailing = text[len(text.rstrip("\n")):]
        if serialise(value, two_space) + trailing != text or not isinstance(value, dict):
            skipped += 1
            continue
        key = "updatedAt" if relative.startswith("tasks") else "lastActivity"
        value[key] = max(now_ms, value.get(key, 0) + 1) if isinstance(value.get(key), int) else now_ms
        data = (serialise(value, two_space) + trailing).encode("utf-8")
        tmp = "%s.%08x.tmp" % (path, rng.getrandbits(32))
        with open(tmp, "wb") as f:
            f.write(data)
        os.utime(tmp, ns=(now_ms * 1_000_000, now_ms * 1_000_000))
        os.rename(tmp, path)
        rewritten += 1
        written_bytes += len(data)
    print(json.dumps({"files": len(files), "rewritten": rewritten, "skipped": skipped, "bytes": written_bytes}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
