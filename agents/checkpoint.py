"""The conversation memory store: a LangGraph checkpointer on the project's own database."""

from __future__ import annotations

import threading
from typing import Any

from assistant.config import get_settings

_lock = threading.Lock()
# A turn waits this long for another process's write lock (the same as the job store's) instead of failing.
LOCK_WAIT_SECONDS = 30
_savers: dict[str, Any] = {}


def get_checkpointer() -> Any:
    url = get_settings().db_url
    with _lock:
        saver = _savers.get(url)
        if saver is None:
            saver = _build(url)
            _savers[url] = saver
        return saver


def _build(url: str) -> Any:
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
    saver.setup()
    return saver


def reset_checkpointers() -> None:
    with _lock:
        for saver in _savers.values():
            conn = getattr(saver, "conn", None)
            if conn is not None:
                try:
                    conn.close()
                except Exception:
                    pass
        _savers.clear()
