"""Database load of open chats doing nothing: the one event feed vs the per-chat polling it replaced.

Run by hand: `.venv/bin/python benchmarks/events.py [--chats 50] [--seconds 5]`. Prints queries per second for
N idle chats with a job running, both ways, side by side in the same run, and how soon a change reaches them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DASTYAR_DATA_DIR"] = tempfile.mkdtemp(prefix="dastyar-bench-events-")

from sqlalchemy import event  # noqa: E402

from assistant import events  # noqa: E402
from assistant.db import get_engine  # noqa: E402
from assistant.jobs import store  # noqa: E402
from assistant.services import notifications  # noqa: E402

TARGET_QPS = 10.0  # queries a second for 50 idle chats


def count_queries(seconds: float, work) -> float:
    statements = [0]

    def counter(*_args) -> None:
        statements[0] += 1

    event.listen(get_engine(), "before_cursor_execute", counter)
    try:
        asyncio.run(work(seconds))
    finally:
        event.remove(get_engine(), "before_cursor_execute", counter)
    return statements[0] / seconds


async def per_chat_polling(chats: int, job_id: int, seconds: float) -> None:
    """What each chat did before: read its job and look for notifications once a second."""
    async def chat() -> None:
        last = await asyncio.to_thread(notifications.latest_id)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            await asyncio.sleep(1.0)
            await asyncio.to_thread(store.get_job, job_id)
            await asyncio.to_thread(notifications.notifications_after, last)
    await asyncio.gather(*(chat() for _ in range(chats)))


async def one_feed(chats: int, seconds: float) -> None:
    feed = events.get_feed()
    subs = [feed.subscribe_async() for _ in range(chats)]
    await asyncio.sleep(seconds)
    for s in subs:
        s.close()


def latency(samples: int = 20) -> list[float]:
    """Seconds from a progress write (this process) to the event in a subscriber."""
    sub = events.get_feed().subscribe()
    job = store.create_job("bench", {})
    out = []
    for i in range(samples):
        while sub.get(timeout=0) is not None:
            pass
        start = time.perf_counter()
        store.update_progress(job.id, progress=i / samples)
        while True:
            ev = sub.get(timeout=5)
            if ev is None or (isinstance(ev, events.JobEvent) and ev.job.id == job.id):
                break
        out.append(time.perf_counter() - start)
    sub.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=5.0)
    a = parser.parse_args()
    job = store.create_job("bench", {}, title="running")
    old = count_queries(a.seconds, lambda s: per_chat_polling(a.chats, job.id, s))
    new = count_queries(a.seconds, lambda s: one_feed(a.chats, s))
    lat = latency()
    print(f"{a.chats} idle chats, {a.seconds:.0f} s each way (SQLite)\n"
          f"  per-chat polling (before):  {old:7.1f} queries/s\n"
          f"  one event feed (now):       {new:7.1f} queries/s   target < {TARGET_QPS:.0f}   ratio {old / max(new, 1e-9):.0f}× fewer\n"
          f"  write → event in a chat (same process): median {statistics.median(lat) * 1000:.1f} ms, "
          f"max {max(lat) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
