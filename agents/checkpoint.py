"""The conversation memory store: a LangGraph checkpointer on the project's own database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from assistant.config import get_settings

_lock = threading.Lock()
# A turn waits this long for another process's write lock (the same as the job store's) instead of failing.
LOCK_WAIT_SECONDS = 30
# One saver (one connection) per thread that runs turns: a saver serializes everything on its connection behind one
# lock, so with one for the server 50 chats queued on it; per thread, reads run side by side (WAL) and only writes
# take turns in the database. The in-memory saver (no database) stays one: it is the memory.
_savers: dict[tuple[str, int | None], Any] = {}
_ready: set[str] = set()  # urls whose tables are set up


def get_checkpointer() -> Any:
    url = get_settings().db_url
    key = (url, threading.get_ident() if url.startswith(("sqlite", "postgres")) else None)
    with _lock:
        saver = _savers.get(key)
        if saver is None:
            saver = _build(url, setup=url not in _ready)
            _ready.add(url)
            _savers[key] = saver
            _forget_gone_threads()
        return saver


def _forget_gone_threads() -> None:
    """Close the savers of threads that have ended (a pool replaced its worker)."""
    alive = {t.ident for t in threading.enumerate()}
    for key in [k for k in _savers if k[1] is not None and k[1] not in alive]:
        conn = getattr(_savers.pop(key), "conn", None)
        if conn is not None:
            try:
                conn.close()
            except Exception:
                pass


def _build(url: str, setup: bool = True) -> Any:
    if url.startswith("sqlite"):
        import sqlite3

        from langgraph.checkpoint.sqlite import SqliteSaver

        path = url.split(":///", 1)[1]
        conn = sqlite3.connect(path, check_same_thread=False, timeout=LOCK_WAIT_SECONDS)
        conn.execute("PRAGMA journal_mode=WAL")
        # As the main database (assistant/db.py): with WAL, a commit needs no disk sync of its own to stay consistent;
        # a sync per turn, beside a download and a training writing to the same disk, was where turns queued.
        conn.execute("PRAGMA synchronous=NORMAL")
        saver = SqliteSaver(conn)
    elif url.startswith(("postgresql", "postgres")):
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg import Connection
        from psycopg.rows import dict_row
        from sqlalchemy.engine import make_url

        plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        conn = Connection.connect(plain, autocommit=True, prepare_threshold=0, row_factory=dict_row)
        saver = PostgresSaver(conn)
    else:
        from langgraph.checkpoint.memory import InMemorySaver

        saver = InMemorySaver()
    if setup:
        saver.setup()
    return saver


_reset_hooks: list[Callable[[], None]] = []


def on_reset(func: Callable[[], None]) -> Callable[[], None]:
    """Called when the conversation store is let go (another data directory, a test's fresh database): what was
    kept from the old one must go too."""
    _reset_hooks.append(func)
    return func


def reset_checkpointers() -> None:
    for hook in _reset_hooks:
        hook()
    with _lock:
        for saver in _savers.values():
            conn = getattr(saver, "conn", None)
            if conn is not None:
                try:
                    conn.close()
                except Exception:
                    pass
        _savers.clear()
        _ready.clear()
