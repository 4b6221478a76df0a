"""Scheduling from a sentence («امشب ساعت ۲ … رو دانلود کن» → tool `schedule`) on phrasings written without looking at
the router or the time reader (benchmarks/data/schedule_phrasings.jsonl: requests to run work later, and messages whose
time words are not such a request: deadlines, another clause's time, a noun's, stories, questions, rhythms, greetings).
Prints detection precision/recall, the inner tool on true requests, the hour `read_when` reads from the route's `when`
(with a fixed now, Friday 2026-12-04 12:00 Tehran, so results do not depend on the clock), repetition, per family/style
figures and every miss grouped by kind; then what the time reader alone (`read_when` on the whole message) gets wrong.
BLAS runs on one thread here (unless set otherwise): the router's sentence encoder took ~1.7 s a message with OpenBLAS's
default threads on a busy 2-core machine, against ~10 ms on one, with the same results.
Run by hand: `.venv/bin/python benchmarks/schedule.py`."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # before numpy loads

import tools  # noqa: E402,F401  (the registry loads every tool on its first lookup)
from agents.router import route  # noqa: E402
from assistant.when import Unclear, When, read_when, user_zone  # noqa: E402

DATA = ROOT / "benchmarks/data/schedule_phrasings.jsonl"
TEHRAN = ZoneInfo("Asia/Tehran")
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=TEHRAN)  # a Friday, 13 Azar 1405
KINDS = {"run_now": "request not scheduled, routed to its own tool: the work would run at once",
         "missed": "request not scheduled, routed elsewhere or asked back", "false_alarm": "not a request, yet scheduled",
         "inner_tool": "scheduled, wrong inner tool", "hour": "scheduled, wrong or unread hour",
         "date": "scheduled, right hour or none stated but wrong day",
         "repeat": "scheduled, wrong repetition"}
Row = dict[str, Any]


def load() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def reading(read: When | Unclear | None) -> str:
    if isinstance(read, When):
        at = read.at.astimezone(TEHRAN)
        return f"{at:%a %Y-%m-%d %H:%M}" + (f" {read.repeat}" if read.repeat else "")
    if isinstance(read, Unclear):
        return f"Unclear({read.reason}: {', '.join(reading(o) for o in read.options)})"
    return "None"


def judge_hour(want: int | None, read: When | Unclear | None) -> bool:
    """A stated hour must be read exactly (Tehran time); with no morning/evening stated (hour null) any reading of a time
    passes, and so does asking back (Unclear 'ambiguous_hour')."""
    if isinstance(read, When):
        return want is None or read.at.astimezone(TEHRAN).hour == want
    return want is None and isinstance(read, Unclear) and read.reason == "ambiguous_hour"


def time_misses(want: dict[str, Any], read: When | Unclear | None) -> list[str]:
    """What a reading gets wrong: the hour (judge_hour), the first run's day where the data gives one, the repetition."""
    kinds = [] if judge_hour(want["hour"], read) else ["hour"]
    first = read if isinstance(read, When) else (read.options[0] if isinstance(read, Unclear) and read.options else None)
    if want.get("date") and isinstance(read, When) and f"{read.at.astimezone(TEHRAN):%Y-%m-%d}" != want["date"]:
        kinds.append("date")
    if ((first.repeat if first else None) or None) != want["repeat"]:
        kinds.append("repeat")
    return kinds


def evaluate(records: list[dict[str, Any]]) -> list[Row]:
    rows = []
    for rec in records:
        r, want = route(rec["text"]), rec["expect"]
        args = r.args or {}
        scheduled = r.tool == "schedule"
        got = (f"? {[c.get('tool') for c in getattr(r, 'choices', None) or []]}" if r.source == "clarify"
               else r.tool or f"none ({r.source})")
        row: Row = {"rec": rec, "scheduled": scheduled, "got": got, "inner": args.get("tool") if scheduled else None,
                    "when": args.get("when") if scheduled else None, "read": None, "kinds": [], "alone": []}
        if not want["schedule"]:
            row["kinds"] = ["false_alarm"] if scheduled else []
            if scheduled and row["when"]:
                row["read"] = read_when(row["when"], NOW, user_zone())
        else:
            # The time reader alone, on the whole message: what the schedule would say once the router lets it through.
            row["whole"] = read_when(rec["text"], NOW, user_zone())
            row["alone"] = time_misses(want, row["whole"])
            if not scheduled:
                row["kinds"] = ["run_now" if r.tool == want["tool"] else "missed"]
            else:
                row["kinds"] = [] if row["inner"] == want["tool"] else ["inner_tool"]
                row["read"] = read_when(row["when"], NOW, user_zone()) if row["when"] else None
                row["kinds"] += time_misses(want, row["read"])
        rows.append(row)
    return rows


def pct(k: float, n: int) -> str:
    return f"{k / n:6.1%}" if n else "   n/a"


def headline(rows: list[Row]) -> None:
    req = [r for r in rows if r["rec"]["expect"]["schedule"]]
    non = [r for r in rows if not r["rec"]["expect"]["schedule"]]
    tp, fp = sum(r["scheduled"] for r in req), sum(r["scheduled"] for r in non)
    caught = [r for r in req if r["scheduled"]]
    now = sum("run_now" in r["kinds"] for r in req)
    inner = sum("inner_tool" not in r["kinds"] for r in caught)
    timed = [r for r in caught if r["rec"]["expect"]["hour"] is not None]
    hour_ok = sum("hour" not in r["kinds"] for r in timed)
    untimed = [r for r in caught if r["rec"]["expect"]["hour"] is None]
    asked = sum(isinstance(r["read"], Unclear) for r in untimed)
    rep = [r for r in caught if r["rec"]["expect"]["repeat"]]
    dated = [r for r in caught if r["rec"]["expect"].get("date") and isinstance(r["read"], When)]
    alone = {k: sum(k in r["alone"] for r in req) for k in ("hour", "date", "repeat")}
    n_hour = sum(r["rec"]["expect"]["hour"] is not None for r in req)
    n_date = sum(bool(r["rec"]["expect"].get("date")) and isinstance(r["whole"], When) for r in req)
    print(f"\n== scheduling from a sentence: {len(rows)} messages ({len(req)} requests to run later, {len(non)} not)\n"
          f"  detection precision               {pct(tp, tp + fp)}   ({tp}/{tp + fp} scheduled were requests)\n"
          f"  detection recall                  {pct(tp, len(req))}   ({tp}/{len(req)} requests scheduled)\n"
          f"  requests that would run at once   {pct(now, len(req))}   ({now}/{len(req)} routed to their own tool, "
          f"the time dropped)\n"
          f"  false alarms on non-requests      {pct(fp, len(non))}   ({fp}/{len(non)})\n"
          f"  inner tool, of requests           {pct(inner, len(req))}   (when scheduled: {pct(inner, len(caught)).strip()}"
          f", {inner}/{len(caught)})\n"
          f"  stated hour read right            {pct(hour_ok, len(timed))}   ({hour_ok}/{len(timed)} scheduled requests "
          f"stating an hour; of all requests stating one: "
          f"{pct(hour_ok, sum(r['rec']['expect']['hour'] is not None for r in req)).strip()})\n"
          f"  no morning/evening stated         {len(untimed)} scheduled: {asked} asked back, "
          f"{sum(isinstance(r['read'], When) for r in untimed)} picked a time, "
          f"{sum(r['read'] is None or (isinstance(r['read'], Unclear) and r['read'].reason != 'ambiguous_hour') for r in untimed)} unread\n"
          f"  repetition read right             {pct(sum('repeat' not in r['kinds'] for r in rep), len(rep))}   "
          f"(of {len(rep)} scheduled repeating requests; one-off requests read as repeating: "
          f"{sum('repeat' in r['kinds'] for r in caught if not r['rec']['expect']['repeat'])})\n"
          f"  first run's day right             {pct(sum('date' not in r['kinds'] for r in dated), len(dated))}   "
          f"(of {len(dated)} scheduled requests naming their day, read to a time)\n"
          f"  time reader alone, all {len(req)} requests (read_when on the whole message, router aside):\n"
          f"    hour right {pct(sum('hour' not in r['alone'] for r in req if r['rec']['expect']['hour'] is not None), n_hour)}"
          f" ({n_hour - sum('hour' in r['alone'] for r in req if r['rec']['expect']['hour'] is not None)}/{n_hour})"
          f"  day right {pct(n_date - alone['date'], n_date)} ({n_date - alone['date']}/{n_date})"
          f"  repetition right {pct(len(req) - alone['repeat'], len(req))} ({len(req) - alone['repeat']}/{len(req)})\n"
          f"  all right (per message)           {pct(sum(not r['kinds'] for r in rows), len(rows))}")


def breakdown(rows: list[Row], key: str) -> None:
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[r["rec"][key]].append(r)
    print(f"\n  per {key:<22} {'n':>4} {'detect':>7} {'tool':>7} {'hour':>7} {'all':>7}")
    for name, rs in sorted(groups.items(), key=lambda g: (sum(not r["kinds"] for r in g[1]) / len(g[1]), g[0])):
        detect = sum(not {"run_now", "missed", "false_alarm"} & set(r["kinds"]) for r in rs)
        req = [r for r in rs if r["rec"]["expect"]["schedule"]]
        timed = [r for r in req if r["scheduled"]]
        tool = f"{pct(sum('inner_tool' not in r['kinds'] for r in timed), len(timed))}" if req else "      -"
        hour = f"{pct(sum('hour' not in r['kinds'] for r in timed), len(timed))}" if req else "      -"
        print(f"  {name:<26} {len(rs):4d} {pct(detect, len(rs))} {tool} {hour} {pct(sum(not r['kinds'] for r in rs), len(rs))}")


def misses(rows: list[Row]) -> None:
    bad = [r for r in rows if r["kinds"]]
    print(f"\n  {len(bad)} messages with a miss, by kind (text | expected | got):")
    for kind, title in KINDS.items():
        rs = [r for r in rows if kind in r["kinds"]]
        if not rs:
            continue
        print(f"\n  -- {title}: {len(rs)}")
        for r in rs:
            want = r["rec"]["expect"]
            exp = (f"{want['tool']} hour={want['hour']} repeat={want['repeat']}" if want["schedule"] else "not schedule")
            got = (f"schedule({r['inner']}) when=«{r['when']}» → {reading(r['read'])}" if r["scheduled"]
                   else f"{r['got']}")
            print(f"    [{r['rec']['family']}] {r['rec']['text']} | {exp} | {got}")


def reader_misses(rows: list[Row]) -> None:
    rs = [r for r in rows if r["alone"]]
    print(f"\n  -- time reader alone (whole message) gets wrong: {len(rs)} requests (scheduled or not; kinds | expected | read)")
    for r in rs:
        want = r["rec"]["expect"]
        print(f"    [{r['rec']['family']}] {r['rec']['text']} | {','.join(r['alone'])} | hour={want['hour']} "
              f"date={want.get('date')} repeat={want['repeat']} | {reading(r['whole'])}")


def main() -> None:
    records = load()
    print(f"data: {len(records)} messages, {len({r['family'] for r in records})} families; now fixed at {NOW:%Y-%m-%d %H:%M %Z} "
          f"({NOW:%A}); user zone {user_zone().key}")
    route("سلام")  # load the cached model once, as the server does at start-up
    start = time.perf_counter()
    rows = evaluate(records)
    took = time.perf_counter() - start
    headline(rows)
    breakdown(rows, "family")
    breakdown(rows, "style")
    misses(rows)
    reader_misses(rows)
    print(f"\n  ({took:.1f} s for {len(rows)} routes and readings)")


if __name__ == "__main__":
    main()
