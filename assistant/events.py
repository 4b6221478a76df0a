"""One stream of events for every open chat and for `dastyar ask --wait`: job changes and new notifications.

Jobs and notifications are written by any process (the server, a job's child process, the CLI), so the
database is the source. One feed per process reads what changed — one pair of queries per tick, however many
chats listen — and fans it out to its subscribers in memory. A write in this process wakes the feed at once;
on PostgreSQL every write also sends NOTIFY in its transaction, so the feed sleeps on LISTEN instead of
polling. Subscribers attach, then read the current state themselves; the stream carries what changes after.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, text
from sqlmodel import Session, col, select

from assistant.db import get_engine, session_scope
from assistant.models import Job, Notification

log = logging.getLogger(__name__)

CHANNEL = "dastyar_events"
# A row's `updated_at` is set before its transaction commits; rows committed this late after a newer one are
# still seen. Rows inside the window are compared with what was delivered, so nothing is sent twice.
LOOKBACK = timedelta(seconds=5)


@dataclass(frozen=True)
class JobEvent:
    job: Job


@dataclass(frozen=True)
class NotificationEvent:
    note: Notification


Event = JobEvent | NotificationEvent


def announce(session: Session) -> None:
    """Call inside a transaction that changed a job or added a notification: PostgreSQL tells every listener at
    commit. (This process's feed is woken by `changed()` after the commit.)"""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        session.exec(text(f"SELECT pg_notify('{CHANNEL}', '')"))  # type: ignore[call-overload]


def commit(session: Session) -> None:
    """Commit a transaction that changed a job or added a notification, and let every listener know."""
    announce(session)
    session.commit()
    changed()


def changed() -> None:
    """A job or notification was just committed by this process: the feed reads it now, not at its next tick."""
    if _feed is not None:
        _feed.wake()


class Subscription:
    """What one listener receives; `close()` when done (a chat that ends)."""

    def __init__(self, feed: EventFeed, deliver: Callable[[Event], None]) -> None:
        self._feed, self._deliver = feed, deliver

    def close(self) -> None:
        self._feed._remove(self)


class AsyncSubscription(Subscription):
    """Events on an asyncio loop (a chat): `async for event in subscription`."""

    def __init__(self, feed: EventFeed, loop: asyncio.AbstractEventLoop) -> None:
        self.queue: asyncio.Queue[Event] = asyncio.Queue()

        def deliver(event: Event) -> None:
            try:
                loop.call_soon_threadsafe(self.queue.put_nowait, event)
            except RuntimeError:  # the loop is gone: the chat ended without closing
                self.close()

        super().__init__(feed, deliver)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        return await self.queue.get()


class QueueSubscription(Subscription):
    """Events for a blocking reader (the CLI): `get(timeout)` returns None when nothing came in time."""

    def __init__(self, feed: EventFeed) -> None:
        self.queue: queue.Queue[Event] = queue.Queue()
        super().__init__(feed, self.queue.put)

    def get(self, timeout: float | None = None) -> Event | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None


class EventFeed:
    """The one reader of changes in this process; a daemon thread started with the first subscriber."""

    def __init__(self, interval: float = 0.5, listen_interval: float = 5.0) -> None:
        self.interval = interval  # SQLite: how often other processes' writes are looked for
        self.listen_interval = listen_interval  # PostgreSQL: a safety poll besides NOTIFY
        self._subscribers: list[Subscription] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._cursor: datetime | None = None
        self._delivered: dict[int, datetime] = {}
        self._last_note = 0
        self.polls = 0  # ticks so far (tests and /health read it)

    # -- subscribers -----------------------------------------------------------------------------------------
    def subscribe_async(self, loop: asyncio.AbstractEventLoop | None = None) -> AsyncSubscription:
        return self._add(AsyncSubscription(self, loop or asyncio.get_running_loop()))

    def subscribe(self) -> QueueSubscription:
        return self._add(QueueSubscription(self))

    def _add(self, sub: Any) -> Any:
        with self._lock:
            if self._thread is None:
                self._start()
            self._subscribers.append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    # -- reading -----------------------------------------------------------------------------------------------
    def _start(self) -> None:
        self._mark()
        self._thread = threading.Thread(target=self._run, name="dastyar-events", daemon=True)
        self._thread.start()

    def _mark(self) -> None:
        """Start from what is in the database now: only later changes are events."""
        with session_scope() as s:
            self._last_note = s.exec(select(func.max(Notification.id))).one() or 0
            self._cursor = s.exec(select(func.max(Job.updated_at))).one()
            if self._cursor is not None:
                rows = s.exec(select(Job.id, Job.updated_at).where(col(Job.updated_at) >= self._cursor - LOOKBACK))
                self._delivered = {job_id: stamp for job_id, stamp in rows}

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def poll(self) -> list[Event]:
        """One tick: jobs changed and notifications added since the last one, sent to every subscriber."""
        events: list[Event] = []
        self.polls += 1
        with session_scope() as s:
            # Notifications are read first: each read may see a newer commit (SQLite reads outside a transaction), and
            # a job's end commits with its notification — so any notification read here has its job's end visible to
            # the job read below, and a chat always gets the end before the notification.
            notes = s.exec(select(Notification).where(col(Notification.id) > self._last_note)
                           .order_by(col(Notification.id)).limit(200)).all()
            query = select(Job)
            if self._cursor is not None:
                query = query.where(col(Job.updated_at) >= self._cursor - LOOKBACK)
            window: dict[int, datetime] = {}
            for job in s.exec(query.order_by(col(Job.updated_at))):
                assert job.id is not None
                window[job.id] = job.updated_at
                if self._delivered.get(job.id) != job.updated_at:
                    events.append(JobEvent(job))
                if self._cursor is None or job.updated_at > self._cursor:
                    self._cursor = job.updated_at
            self._delivered = window
            for note in notes:
                self._last_note = max(self._last_note, note.id or 0)
                events.append(NotificationEvent(note))
        if events:
            with self._lock:
                subscribers = list(self._subscribers)
            for sub in subscribers:
                for event in events:
                    sub._deliver(event)
        return events

    def _run(self) -> None:
        listener = self._listen()
        while not self._stop.is_set():
            try:
                self.poll()
            except Exception:  # a locked or restarting database: the next tick tries again
                log.exception("event feed: reading changes failed")
            if listener is not None:
                listener = self._wait_notify(listener)
            else:
                self._wake.wait(self.interval)
                self._wake.clear()
        if listener is not None:
            try:
                listener.close()
            except Exception:
                pass

    def _listen(self) -> Any:
        """A dedicated PostgreSQL connection on LISTEN, or None (SQLite, or LISTEN unavailable)."""
        engine = get_engine()
        if engine.dialect.name != "postgresql":
            return None
        try:
            raw = engine.raw_connection()
            conn = raw.driver_connection
            conn.autocommit = True
            conn.execute(f"LISTEN {CHANNEL}")
            return conn
        except Exception:
            log.warning("event feed: LISTEN failed; polling every %.1f s", self.interval, exc_info=True)
            return None

    def _wait_notify(self, conn: Any) -> Any:
        try:
            for _ in conn.notifies(timeout=self.listen_interval, stop_after=1):
                pass
            return conn
        except Exception:
            log.warning("event feed: the LISTEN connection dropped; polling", exc_info=True)
            return None


_feed: EventFeed | None = None
_feed_lock = threading.Lock()


def get_feed() -> EventFeed:
    """This process's feed (one per process, whatever the number of chats)."""
    global _feed
    with _feed_lock:
        if _feed is None:
            _feed = EventFeed()
        return _feed


def reset_feed() -> None:
    """Stop this process's feed (tests that switch databases)."""
    global _feed
    with _feed_lock:
        if _feed is not None:
            _feed.stop()
        _feed = None
