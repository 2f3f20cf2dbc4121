#!/usr/bin/env python3
"""Generates a realistic, deterministic Maestro data dir for benchmarks.

THROWAWAY: this script exists only until `maestro-admin generate` lands (a
later issue); scripts/bench.sh will then call that instead, and this file
goes away. Python 3 stdlib only.

    scripts/make-data.py --out DIR [--projects 100] [--tasks 20000]
                         [--sessions 5000] [--style pretty|compact] [--seed 1]

The layout and fields follow FORMAT.md sections 2-4 and the samples in
samples/upstream-2026-02-08: projects/<id>.json, tasks/<projectId>/<id>.json,
sessions/<id>.json; UTF-8, no trailing newline, two-space (Node's
JSON.stringify(v, null, 2)) or compact style. Every number is an int, so
Python's json.dumps prints exactly what Node would. Links are consistent:
a session lists 1-5 tasks of its own project and each of those tasks lists
the session back; parents and dependencies point at earlier tasks of the
same project, so there are no cycles. The same arguments always give the
same bytes.
"""

import argparse
import json
import os
import random
import sys

ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz"
# 2025-10-01T00:00:00Z: data spans the ~180 days after it.
EPOCH_MS = 1759276800000
SPAN_MS = 180 * 24 * 3600 * 1000

VERBS = ["Add", "Fix", "Refactor", "Document", "Migrate", "Remove", "Speed up", "Test",
         "Rename", "Split", "Validate", "Cache", "Retry", "Log", "Harden", "Port"]
OBJECTS = ["the session list endpoint", "task ordering", "the WebSocket reconnect logic",
           "project settings", "the CLI login flow", "skill loading", "agent spawning",
           "the timeline view", "file watcher events", "team member invites",
           "the search index", "dark mode colours", "the queue worker", "image uploads",
           "markdown rendering", "the docs sidebar", "config parsing", "rate limiting",
           "error toasts", "the build pipeline", "the release notes", "keyboard shortcuts"]
WORDS = ("the a an of to and in for on with when after before so that this it we our "
         "server client task session project agent skill storage file write read load save "
         "event timeline status update queue worker retry error timeout cache index order "
         "list graph node edge user team member prompt model token stream socket handler "
         "route request response payload schema field value default migration legacy "
         "config option flag path directory lock rename fsync crash restart debounce "
         "should must can will does not still only also every each other first last "
         "slow fast large small empty missing broken flaky stale duplicate invalid").split()
ACCENTED = ["café", "naïve", "façade", "déjà vu", "Größe", "coöperate", "résumé", "niño",
            "São Paulo", "Zürich", "→", "—", "…", "✓", "日本語", "emoji 🚀", "“quoted”"]
TASK_STATUSES = [("todo", 30), ("in_progress", 15), ("in_review", 8), ("completed", 35),
                 ("cancelled", 5), ("blocked", 4), ("archived", 3)]
SESSION_STATUSES = [("completed", 55), ("stopped", 15), ("failed", 8), ("idle", 10),
                    ("working", 10), ("spawning", 2)]
PRIORITIES = [("low", 30), ("medium", 50), ("high", 20)]
SKILLS = ["code-review", "testing", "docs-writer", "frontend", "backend", "devops", "security"]
AGENTS = ["claude", "codex", "gemini", "aider"]
HOSTS = ["vm", "dev-laptop", "build-01", "build-02", "mbp-anna", "ci-runner-7"]
PLATFORMS = [("linux", 70), ("darwin", 28), ("win32", 2)]
EVENT_TYPES = ["status_change", "output", "tool_use", "message", "needs_input"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.used_ids = set()

    def weighted(self, pairs):
        return self.r.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]

    def new_id(self, prefix, ms):
        while True:
            ident = "%s_%d_%s" % (prefix, ms, "".join(self.r.choice(ID_CHARS) for _ in range(9)))
            if ident not in self.used_ids:
                self.used_ids.add(ident)
                return ident

    def sentence(self, lo=6, hi=16):
        words = [self.r.choice(WORDS) for _ in range(self.r.randint(lo, hi))]
        if self.r.random() < 0.15:
            words.insert(self.r.randrange(len(words)), self.r.choice(ACCENTED))
        if self.r.random() < 0.1:
            words.insert(self.r.randrange(len(words)), '"%s"' % self.r.choice(WORDS))
        if self.r.random() < 0.1:
            words.insert(self.r.randrange(len(words)), "src/%s/%s.ts" % (self.r.choice(WORDS), self.r.choice(WORDS)))
        s = " ".join(words)
        return s[0].upper() + s[1:] + "."

    def paragraph(self, lo=2, hi=5):
        return " ".join(self.sentence() for _ in range(self.r.randint(lo, hi)))

    def description(self):
        """Markdown-ish text of roughly 500-1300 characters, with newlines."""
        parts = [self.paragraph()]
        if self.r.random() < 0.6:
            parts.append("Acceptance criteria:\n" + "\n".join(
                "- " + self.sentence(4, 9) for _ in range(self.r.randint(2, 5))))
        if self.r.random() < 0.5:
            parts.append(self.paragraph(1, 3))
        if self.r.random() < 0.1:
            parts.append("```\n%s\n```" % "\n".join(
                "\t%s(%s);" % (self.r.choice(WORDS), self.r.choice(WORDS)) for _ in range(3)))
        return "\n\n".join(parts)


def make_projects(g, n):
    projects = []
    for k in range(n):
        created = EPOCH_MS + g.r.randrange(SPAN_MS // 10)
        pid = g.new_id("proj", created)
        name = "%s %s" % (g.r.choice(["Atlas", "Beacon", "Cobalt", "Delta", "Ember", "Fjord",
                                      "Granite", "Harbor", "Iris", "Juniper"]), k + 1)
        p = {
            "id": pid,
            "name": name,
            "workingDir": "/home/maestro/src/%s" % name.lower().replace(" ", "-"),
        }
        if g.r.random() < 0.8:
            p["description"] = g.sentence(5, 14)
        p["createdAt"] = created
        p["updatedAt"] = created + g.r.randrange(SPAN_MS // 2)
        if k == 0:
            p["isMaster"] = True
        projects.append(p)
    return projects


def make_tasks(g, projects, n):
    # Skewed sizes: a few big projects, a long tail, every project non-empty
    # when there are at least as many tasks as projects.
    weights = [1.0 / (k + 1) ** 0.8 for k in range(len(projects))]
    owners = list(range(len(projects)))[:n] + g.r.choices(range(len(projects)), weights=weights, k=max(0, n - len(projects)))
    by_project = {p["id"]: [] for p in projects}
    tasks = []
    for owner in owners:
        project = projects[owner]
        siblings = by_project[project["id"]]
        created = project["createdAt"] + g.r.randrange(SPAN_MS)
        tid = g.new_id("task", created)
        status = g.weighted(TASK_STATUSES)
        started = completed = None
        updated = created
        if status in ("in_progress", "in_review", "completed", "blocked", "archived"):
            started = created + g.r.randrange(1, 3 * 24 * 3600 * 1000)
            updated = started
        if status in ("completed", "cancelled", "archived"):
            completed = (started or created) + g.r.randrange(1, 5 * 24 * 3600 * 1000)
            updated = completed
        updated += g.r.randrange(0, 3600 * 1000)
        parent = g.r.choice(siblings)["id"] if siblings and g.r.random() < 0.3 else None
        deps = []
        if siblings and g.r.random() < 0.2:
            deps = [t["id"] for t in g.r.sample(siblings, min(len(siblings), g.r.randint(1, 2)))]
        title = "%s %s" % (g.r.choice(VERBS), g.r.choice(OBJECTS))
        t = {
            "id": tid,
            "projectId": project["id"],
            "parentId": parent,
            "title": title,
            "description": g.description(),
            "status": status,
            "priority": g.weighted(PRIORITIES),
            "createdAt": created,
            "updatedAt": updated,
            "startedAt": started,
            "completedAt": completed,
            "initialPrompt": "%s. %s" % (title, g.sentence(8, 20)),
            "sessionIds": [],
            "skillIds": g.r.sample(SKILLS, g.r.choice([0, 0, 1, 2])),
            "agentIds": g.r.sample(AGENTS, g.r.choice([0, 1, 1])),
            "dependencies": deps,
        }
        timeline = [{"id": g.new_id("evt", created), "type": "created", "timestamp": created,
                     "message": "Task created"}]
        for _ in range(g.r.randint(0, 3)):
            ts = g.r.randint(created, max(created, updated))
            timeline.append({"id": g.new_id("evt", ts),
                             "type": g.r.choice(["update", "milestone", "progress", "blocker", "task_started"]),
                             "timestamp": ts, "message": g.sentence(3, 10)})
        timeline[1:] = sorted(timeline[1:], key=lambda e: e["timestamp"])
        t["timeline"] = timeline
        siblings.append(t)
        tasks.append(t)
    return tasks, by_project


def make_sessions(g, projects, by_project, n):
    with_tasks = [p for p in projects if by_project[p["id"]]]
    weights = [len(by_project[p["id"]]) for p in with_tasks]
    sessions = []
    for _ in range(n):
        project = g.r.choices(with_tasks, weights=weights)[0]
        pool = by_project[project["id"]]
        linked = g.r.sample(pool, min(len(pool), g.r.choices([1, 2, 3, 4, 5], weights=[50, 25, 12, 8, 5])[0]))
        started = max(t["createdAt"] for t in linked) + g.r.randrange(1, 24 * 3600 * 1000)
        status = g.weighted(SESSION_STATUSES)
        last = started + g.r.randrange(1000, 6 * 3600 * 1000)
        sid = g.new_id("sess", started)
        events = []
        ts = started
        for _ in range(g.r.randint(1, 6)):
            ts += g.r.randrange(100, 600000)
            etype = g.r.choice(EVENT_TYPES)
            if etype == "status_change":
                data = {"from": "spawning", "to": "working"}
            elif etype == "tool_use":
                data = {"tool": g.r.choice(["Read", "Edit", "Bash", "Grep"]),
                        "input": {"path": "src/%s.ts" % g.r.choice(WORDS)}, "durationMs": g.r.randrange(5, 9000)}
            else:
                data = {"text": g.sentence(4, 14)}
            events.append({"id": g.new_id("evt", ts), "timestamp": ts, "type": etype, "data": data})
        timeline = [{"id": g.new_id("evt", started), "type": "session_started", "timestamp": started,
                     "message": "Session created"}]
        for t in linked:
            timeline.append({"id": g.new_id("evt", started), "type": "task_started", "timestamp": started,
                             "taskId": t["id"], "message": "Started working on task"})
        s = {
            "id": sid,
            "projectId": project["id"],
            "taskIds": [t["id"] for t in linked],
            "name": "%s session %d" % (g.r.choice(["Worker", "Planner", "Reviewer"]), len(sessions) + 1),
            "agentId": g.r.choice(AGENTS),
            "env": {"MAESTRO_PROJECT_ID": project["id"], "MAESTRO_SESSION_ID": sid,
                    "MAESTRO_SERVER_URL": "http://localhost:3000"},
            "status": status,
            "startedAt": started,
            "lastActivity": last,
            "completedAt": last if status in ("completed", "stopped", "failed") else None,
            "hostname": g.r.choice(HOSTS),
            "platform": g.weighted(PLATFORMS),
            "events": events,
            "timeline": timeline,
            "metadata": {"spawnSource": g.r.choice(["ui", "cli", "api"]),
                         "mode": g.r.choice(["worker", "coordinator"]),
                         "skills": g.r.sample(SKILLS, g.r.choice([0, 1, 2])), "context": {}},
        }
        for t in linked:
            t["sessionIds"].append(sid)
        sessions.append(s)
    return sessions


def dump(obj, style):
    if style == "pretty":
        return json.dumps(obj, indent=2, ensure_ascii=False, separators=(",", ": "))
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def write(path, obj, style):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(dump(obj, style))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="the data dir to create (must not exist or be empty)")
    ap.add_argument("--projects", type=int, default=100)
    ap.add_argument("--tasks", type=int, default=20000)
    ap.add_argument("--sessions", type=int, default=5000)
    ap.add_argument("--style", choices=["pretty", "compact"], default="pretty")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.projects < 1 or a.tasks < 0 or a.sessions < 0 or (a.sessions and not a.tasks):
        ap.error("need at least one project, and tasks for sessions to link to")
    if os.path.isdir(a.out) and os.listdir(a.out):
        ap.error("%s exists and is not empty" % a.out)

    g = Gen(a.seed)
    projects = make_projects(g, a.projects)
    tasks, by_project = make_tasks(g, projects, a.tasks)
    sessions = make_sessions(g, projects, by_project, a.sessions)

    os.makedirs(os.path.join(a.out, "projects"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "sessions"), exist_ok=True)
    for p in projects:
        os.makedirs(os.path.join(a.out, "tasks", p["id"]), exist_ok=True)
        write(os.path.join(a.out, "projects", p["id"] + ".json"), p, a.style)
    for t in tasks:
        write(os.path.join(a.out, "tasks", t["projectId"], t["id"] + ".json"), t, a.style)
    for s in sessions:
        write(os.path.join(a.out, "sessions", s["id"] + ".json"), s, a.style)
    print("make-data: %d projects, %d tasks, %d sessions (%s) in %s"
          % (len(projects), len(tasks), len(sessions), a.style, a.out), file=sys.stderr)


if __name__ == "__main__":
    main()
