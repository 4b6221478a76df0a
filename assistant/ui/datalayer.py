"""Chat history on the project's database: Chainlit's SQLAlchemy data layer, its tables and a local file store.

Threads, messages, feedback and attachments live in the same database as everything else (SQLite by default,
PostgreSQL when `DATABASE_URL` says so), so old threads reopen in the sidebar. Chainlit does not create its own
tables; `create_tables()` does, idempotently, the first time the data layer is asked for.

Chainlit only keeps an element (image, audio, file) of an old thread when a storage client holds its bytes; the
client here keeps them under `<data dir>/chat-files/` and `/dastyar/files/...` serves them to the signed-in user.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import os
import re
import shutil
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import chainlit as cl
from chainlit.data.sql_alchemy import SQLAlchemyDataLayer
from chainlit.data.storage_clients.base import BaseStorageClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from assistant.config import get_settings

log = logging.getLogger("dastyar.ui.history")

FILES_ROUTE = "/dastyar/files"
# Attachments larger than this stay out of the history (their message is kept); Chainlit reads a file whole.
MAX_STORED_FILE_BYTES = 200 * 1024 * 1024
# Served inline; anything else is sent as a download so an uploaded page or script never runs on this origin.
_INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "audio/", "video/", "application/pdf")

# The tables Chainlit 2.12's SQLAlchemyDataLayer reads and writes (chainlit/data/sql_alchemy.py): every key it
# may insert from a StepDict, ElementDict or Feedback has a column. On SQLite, UUIDs are text and JSON and arrays
# are stored as JSON text.
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS users (
        "id" {uuid} PRIMARY KEY,
        "identifier" TEXT NOT NULL UNIQUE,
        "metadata" {json} NOT NULL,
        "createdAt" TEXT
    )""",
    """CREATE TABLE IF NOT EXISTS threads (
        "id" {uuid} PRIMARY KEY,
        "createdAt" TEXT,
        "name" TEXT,
        "userId" {uuid},
        "userIdentifier" TEXT,
        "tags" {array},
        "metadata" {json},
        FOREIGN KEY ("userId") REFERENCES users("id") ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS steps (
        "id" {uuid} PRIMARY KEY,
        "name" TEXT NOT NULL,
        "type" TEXT NOT NULL,
        "threadId" {uuid} NOT NULL,
        "parentId" {uuid},
        "streaming" BOOLEAN NOT NULL,
        "waitForAnswer" BOOLEAN,
        "isError" BOOLEAN,
        "metadata" {json},
        "tags" {array},
        "input" TEXT,
        "output" TEXT,
        "createdAt" TEXT,
        "command" TEXT,
        "modes" {json},
        "start" TEXT,
        "end" TEXT,
        "generation" {json},
        "showInput" TEXT,
        "language" TEXT,
        "indent" INT,
        "defaultOpen" BOOLEAN,
        "autoCollapse" BOOLEAN,
        FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS elements (
        "id" {uuid} PRIMARY KEY,
        "threadId" {uuid},
        "type" TEXT,
        "url" TEXT,
        "chainlitKey" TEXT,
        "name" TEXT NOT NULL,
        "display" TEXT,
        "objectKey" TEXT,
        "size" TEXT,
        "page" INT,
        "language" TEXT,
        "forId" {uuid},
        "mime" TEXT,
        "props" {json},
        "autoPlay" BOOLEAN,
        "playerConfig" {json},
        FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
    )""",
    """CREATE TABLE IF NOT EXISTS feedbacks (
        "id" {uuid} PRIMARY KEY,
        "forId" {uuid} NOT NULL,
        "threadId" {uuid},
        "value" INT NOT NULL,
        "comment" TEXT,
        FOREIGN KEY ("threadId") REFERENCES threads("id") ON DELETE CASCADE
    )""",
    'CREATE INDEX IF NOT EXISTS threads_user_idx ON threads ("userId")',
    'CREATE INDEX IF NOT EXISTS steps_thread_idx ON steps ("threadId")',
    'CREATE INDEX IF NOT EXISTS elements_thread_idx ON elements ("threadId")',
    'CREATE INDEX IF NOT EXISTS feedbacks_for_idx ON feedbacks ("forId")',
)
_TYPES = {
    "postgresql": {"uuid": "UUID", "json": "JSONB", "array": "TEXT[]"},
    "sqlite": {"uuid": "TEXT", "json": "TEXT", "array": "TEXT"},
}
TABLES = ("users", "threads", "steps", "elements", "feedbacks")
# Result columns that hold JSON; SQLite hands them back as text.
_JSON_RESULT_KEYS = frozenset(
    {"metadata", "tags", "generation", "thread_metadata", "thread_tags", "step_metadata", "step_tags",
     "step_generation"}
)


def async_db_url(url: str | None = None) -> str | None:
    """The async form of the project's database URL, or None for a database the data layer's SQL does not fit."""
    parsed = make_url(url or get_settings().db_url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif backend == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3 is async too: no other driver needed
    else:
        return None
    return parsed.render_as_string(hide_password=False)


def schema_statements(dialect: str) -> list[str]:
    types = _TYPES["postgresql" if dialect.startswith("postgres") else "sqlite"]
    return [statement.format(**types) for statement in _SCHEMA]


def create_tables(engine: Engine | None = None) -> None:
    """Create Chainlit's tables if they are missing (safe to run at every start)."""
    from assistant.db import get_engine

    engine = engine or get_engine()
    with engine.begin() as conn:
        for statement in schema_statements(engine.dialect.name):
            conn.execute(text(statement))


# -- attachments ---------------------------------------------------------------------------------------------------
_UNSAFE = re.compile(r"[^\w.\-]+")


class LocalFileStorage(BaseStorageClient):
    """Keeps the bytes of chat elements in a folder of the data directory (Chainlit's storage-client interface)."""

    def __init__(self, root: Path, url_prefix: str = FILES_ROUTE) -> None:
        self.root = root.resolve()
        self.url_prefix = url_prefix.rstrip("/")

    def path_for(self, object_key: str) -> Path | None:
        """Where a key's file lives; None for a key that would leave the folder."""
        parts = [_UNSAFE.sub("_", part).lstrip(".") for part in object_key.split("/")]
        if not parts or any(not part for part in parts):
            return None
        path = (self.root / Path(*parts)).resolve()
        return path if path.is_relative_to(self.root) and path != self.root else None

    def url_for(self, object_key: str) -> str:
        return f"{self.url_prefix}/{quote(object_key)}"

    async def upload_file(
        self,
        object_key: str,
        data: bytes | str,
        mime: str = "application/octet-stream",
        overwrite: bool = True,
        content_disposition: str | None = None,
    ) -> dict[str, Any]:
        path = self.path_for(object_key)
        if path is None:
            return {}
        payload = data.encode("utf-8") if isinstance(data, str) else data

        def write() -> None:
            if path.exists() and not overwrite:
                return
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(path.name + ".partial")
            partial.write_bytes(payload)
            partial.replace(path)

        await asyncio.to_thread(write)
        return {"object_key": object_key, "url": self.url_for(object_key)}

    async def delete_file(self, object_key: str) -> bool:
        path = self.path_for(object_key)
        if path is None or not path.is_file():
            return False
        await asyncio.to_thread(path.unlink)
        return True

    async def get_read_url(self, object_key: str) -> str:
        return self.url_for(object_key)

    async def close(self) -> None:
        return None


# -- the data layer ------------------------------------------------------------------------------------------------
class HistoryDataLayer(SQLAlchemyDataLayer):
    """Chainlit's SQLAlchemy data layer; on SQLite, lists and dicts travel as JSON text both ways."""

    def __init__(self, conninfo: str, storage_provider: BaseStorageClient | None = None) -> None:
        self._sqlite = conninfo.startswith("sqlite")
        # A job process may be writing to the same SQLite file: wait for its lock rather than fail.
        connect_args = {"timeout": 10} if self._sqlite else {}
        super().__init__(conninfo=conninfo, connect_args=connect_args, storage_provider=storage_provider)
        self._sqlite_path = make_url(conninfo).database if self._sqlite else None
        self._sqlite_conn: Any = None
        self._sqlite_loop: asyncio.AbstractEventLoop | None = None
        self._sqlite_open = asyncio.Lock()

    async def _sqlite_connection(self) -> Any:
        """One autocommitting connection for the event loop: every chat message writes a step or two, and through an
        ORM session each write cost more time under the interpreter lock than the rest of the message's handling."""
        import aiosqlite

        loop = asyncio.get_running_loop()
        async with self._sqlite_open:
            if self._sqlite_conn is None or self._sqlite_loop is not loop:
                if self._sqlite_conn is not None:  # of an ended loop (tests run one per case): stop its thread here
                    self._sqlite_conn.stop()
                conn = await aiosqlite.connect(self._sqlite_path, timeout=10, isolation_level=None)
                conn.row_factory = aiosqlite.Row
                self._sqlite_conn, self._sqlite_loop = conn, loop
            return self._sqlite_conn

    async def close(self) -> None:
        if self._sqlite_conn is not None:
            conn, self._sqlite_conn = self._sqlite_conn, None
            if self._sqlite_loop is asyncio.get_running_loop():
                await conn.close()
            else:
                conn.stop()
        await super().close()

    async def _sqlite_execute(self, query: str, parameters: dict) -> list[dict[str, Any]] | int | None:
        import sqlite3

        conn = await self._sqlite_connection()
        loop = asyncio.get_running_loop()
        for attempt in range(5):
            started = loop.time()
            try:
                async with conn.execute(query, parameters) as cursor:
                    if cursor.description is None:
                        return cursor.rowcount
                    return [dict(row) for row in await cursor.fetchall()]
            except sqlite3.OperationalError as exc:
                # In WAL mode a write whose snapshot another process (a job) has just moved past fails at once as
                # "database is locked", without waiting: tried again on a fresh snapshot. A real wait (the busy
                # timeout spent) is not repeated.
                if "locked" in str(exc) and loop.time() - started < 1.0 and attempt < 4:
                    await asyncio.sleep(0.05 * (attempt + 1))
                    continue
                log.warning("history query failed: %s", exc)
                return None
            except sqlite3.Error as exc:  # as Chainlit's own execute_sql: a warning, and no result
                log.warning("history query failed: %s", exc)
                return None
        return None

    def _bindable(self, value: Any) -> Any:
        if isinstance(value, dict) or (self._sqlite and isinstance(value, list)):
            return json.dumps(value, ensure_ascii=False)
        return value

    async def execute_sql(self, query: str, parameters: dict) -> list[dict[str, Any]] | int | None:
        bound = {k: self._bindable(v) for k, v in parameters.items()}
        result = await (self._sqlite_execute(query, bound) if self._sqlite else super().execute_sql(query, bound))
        if self._sqlite and isinstance(result, list):
            for row in result:
                for key in _JSON_RESULT_KEYS.intersection(row):
                    value = row[key]
                    if isinstance(value, str) and value[:1] in "[{":
                        try:
                            row[key] = json.loads(value)
                        except ValueError:
                            pass
        return result

    async def get_thread_author(self, thread_id: str) -> str:
        """The thread's owner, or "" when it has none (unknown id, or a thread whose first write failed): Chainlit's
        routes answer "" with 404 where the parent class's ValueError became a 500. A failed query is a 503, so a
        locked database never reads as "not found" nor lets anyone in."""
        from fastapi import HTTPException

        rows = await self.execute_sql('SELECT "userIdentifier" FROM threads WHERE "id" = :id', {"id": thread_id})
        if rows is None:
            raise HTTPException(status_code=503, detail="history unavailable")
        return (rows[0].get("userIdentifier") or "") if isinstance(rows, list) and rows else ""

    async def create_element(self, element) -> None:
        try:
            if element.path and os.path.getsize(element.path) > MAX_STORED_FILE_BYTES:
                log.info("element %s is too large to keep in the history", element.id)
                return
            await super().create_element(element)
        except Exception:  # history is a convenience: a file that cannot be kept must not break the chat
            log.warning("element %s not kept in the history", element.id, exc_info=True)


_layer_lock = threading.Lock()


@cl.data_layer
def history_data_layer() -> SQLAlchemyDataLayer | None:
    with _layer_lock:
        url = async_db_url()
        if url is None:
            log.warning("chat history is off: its SQL needs SQLite or PostgreSQL")
            return None
        create_tables()
        return HistoryDataLayer(url, storage_provider=LocalFileStorage(files_dir(), url_prefix=_files_url_prefix()))


def files_dir() -> Path:
    return get_settings().data_dir / "chat-files"


def _files_url_prefix() -> str:
    return os.environ.get("CHAINLIT_ROOT_PATH", "").rstrip("/") + FILES_ROUTE


# -- serving attachments -------------------------------------------------------------------------------------------
def install_file_route() -> None:
    """`GET /dastyar/files/<key>`: an element of an old thread, for the signed-in user who owns it."""
    from chainlit.auth import get_current_user
    from chainlit.server import app
    from fastapi import Depends, HTTPException
    from fastapi.responses import FileResponse
    from fastapi.routing import APIRoute

    if any(getattr(r, "name", "") == "dastyar_files" for r in app.router.routes):
        return

    async def serve_file(key: str, user=Depends(get_current_user)) -> FileResponse:
        owner = key.split("/", 1)[0]
        if owner == "unknown":
            # Chainlit names the owner "unknown" when an element is saved before its thread row (a thread whose
            # first message is answered with a file): the owner is the thread's, found through the element.
            owner = await _owner_of_element(key) or owner
        if user is not None and getattr(user, "id", None) not in (None, owner):
            raise HTTPException(status_code=404)
        path = LocalFileStorage(files_dir()).path_for(key)
        if path is None or not path.is_file():
            raise HTTPException(status_code=404)
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=3600"}
        if not mime.startswith(_INLINE_TYPES):
            mime = "application/octet-stream"
            headers["Content-Disposition"] = "attachment"
        return FileResponse(path, media_type=mime, headers=headers)

    from assistant.ui.routes import put_first

    put_first(APIRoute(FILES_ROUTE + "/{key:path}", serve_file, methods=["GET"], name="dastyar_files"))


async def _owner_of_element(key: str) -> str | None:
    from chainlit.data import get_data_layer

    layer = get_data_layer()
    if layer is None:
        return None
    rows = await layer.execute_sql(
        'SELECT t."userId" AS owner FROM elements e JOIN threads t ON t.id = e."threadId" WHERE e."objectKey" = :key',
        {"key": key},
    )
    return rows[0]["owner"] if isinstance(rows, list) and rows and rows[0].get("owner") else None


def use_private_session_files() -> Path:
    """Chainlit keeps uploads and sent files of live sessions in `<project>/.files` and deletes that folder when a
    server stops, also under any other server started from the same checkout (`make run` while the browser tests
    run). Each server gets its own folder in its data directory instead (`<data dir>/.files/<pid>`: still a
    `.files` folder, which is how tools recognise a chat upload); those of servers gone are swept here."""
    import chainlit.config

    root = get_settings().data_dir / ".files"
    for old in root.glob("*"):
        if old.is_dir() and old.name.isdigit() and not _alive(int(old.name)):
            shutil.rmtree(old, ignore_errors=True)
    mine = root / str(os.getpid())
    mine.mkdir(parents=True, exist_ok=True)
    chainlit.config.FILES_DIRECTORY = mine  # read at each use by Chainlit's sessions
    return mine


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare() -> None:
    """At start-up: tables in place, the file route installed before the first request, session files apart."""
    from chainlit.data import get_data_layer

    get_data_layer()
    install_file_route()
    use_private_session_files()
