"""One event stream: a single feed per process fans job changes and notifications out to every chat."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import event

import tests.job_fixtures  # noqa: F401  (test job kinds)
from assistant import events
from assistant.db import get_engine
from assistant.jobs import store
from assistant.jobs.runner import get_runner, wait_for_job
from assistant.models import JobStatus
from assistant.services import notifications

ROOT = Path(__file__).resolve().parent.parent


def _feed_threads() -> int:
    return sum(t.name == "dastyar-events" for t in threading.enumerate())


def test_fifty_chats_share_one_feed_and_each_sees_a_job_end():
    async def scenario() -> list[list[events.Event]]:
        feed = events.get_feed()
        subs = [feed.subscribe_async() for _ in range(50)]
        assert _feed_threads() == 1 and feed.subscriber_count == 50
        job = await asyncio.to_thread(get_runner().submit, "test_count", {"steps": 3, "delay": 0.01})

        async def until_end(sub: events.AsyncSubscription) -> list[events.Event]:
            seen: list[events.Event] = []
            async for ev in sub:  # the test's own timeout bounds this wait
                seen.append(ev)
                if isinstance(ev, events.NotificationEvent) and ev.note.job_id == job.id:
                    return seen
            return seen

        got = await asyncio.wait_for(asyncio.gather(*(until_end(s) for s in subs)), timeout=60)
        for s in subs:
            s.close()
        assert feed.subscriber_count == 0
        return got

    got = asyncio.run(scenario())
    for seen in got:
        jobs = [e.job for e in seen if isinstance(e, events.JobEvent)]
        assert jobs and jobs[-1].status == JobStatus.succeeded  # the end arrives before its notification
        assert [e.note.level for e in seen if isinstance(e, events.NotificationEvent)] == ["success"]


def test_a_tick_costs_the_same_for_one_chat_or_fifty():
    feed = events.EventFeed()
    feed.stop()  # ticks by hand: no thread
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(get_engine(), "before_cursor_execute", listener)
    try:
        costs = []
        for count in (1, 50):
            subs = [feed.subscribe() for _ in range(count)]
            feed._stop.set()
            job = store.create_job("test_count", {"steps": 1})
            statements.clear()
            feed.poll()
            costs.append(len(statements))
            assert all(isinstance(s.get(timeout=0), events.JobEvent) and s.get(timeout=0) is None for s in subs)
            assert job.id is not None
            for s in subs:
                s.close()
        assert costs[0] == costs[1] == 2  # one query for jobs, one for notifications
    finally:
        event.remove(get_engine(), "before_cursor_execute", listener)


def test_nothing_is_sent_twice_and_old_state_is_not_an_event():
    old = store.create_job("test_count", {"steps": 1})
    feed = events.EventFeed()
    sub = feed.subscribe()
    feed.stop()
    feed._thread.join(10)  # type: ignore[union-attr]
    assert [e for e in iter(lambda: sub.get(timeout=0), None) if isinstance(e, events.JobEvent)] == []
    store.update_progress(old.id, progress=0.5, message="نیمه")
    first = feed.poll()
    assert [e.job.progress for e in first if isinstance(e, events.JobEvent)] == [0.5]
    assert feed.poll() == []  # the same row, unchanged: no second event


def test_a_notification_written_by_another_process_reaches_the_chat(data_dir):
    sub = events.get_feed().subscribe()
    code = "from assistant.services import notifications; notifications.notify('از فرایندی دیگر', level='info')"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
    while True:
        ev = sub.get(timeout=30)
        assert ev is not None, "no event within 30 s"
        if isinstance(ev, events.NotificationEvent):
            assert ev.note.title == "از فرایندی دیگر"
            break
    assert notifications.unread_count() == 1


def test_cancelled_job_events_carry_the_final_state():
    sub = events.get_feed().subscribe()
    runner = get_runner()
    job = runner.submit("test_count", {"steps": 1000, "delay": 0.05})
    while True:
        ev = sub.get(timeout=30)
        assert ev is not None
        if isinstance(ev, events.JobEvent) and ev.job.id == job.id and ev.job.status == JobStatus.running:
            break
    runner.cancel(job.id)
    assert wait_for_job(job.id, timeout=30).status == JobStatus.cancelled
    while True:
        ev = sub.get(timeout=30)
        assert ev is not None
        if isinstance(ev, events.JobEvent) and ev.job.status == JobStatus.cancelled:
            break
