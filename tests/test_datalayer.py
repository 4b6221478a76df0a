"""Chat history: Chainlit's tables on the project's database, a thread's round trip, kept files, the sign-in secret."""

from __future__ import annotations

import asyncio
import os
import stat
import uuid

from sqlalchemy import create_engine, inspect

from assistant.ui import datalayer

# Every key Chainlit 2.12 may write into a row (None values are left out of its INSERTs, the rest need a column).
_STEP_KEYS = {
    "name", "type", "id", "threadId", "parentId", "command", "modes", "streaming", "waitForAnswer", "isError",
    "metadata", "tags", "input", "output", "createdAt", "start", "end", "generation", "showInput", "defaultOpen",
    "autoCollapse", "language",
}
_ELEMENT_KEYS = {
    "id", "threadId", "type", "url", "chainlitKey", "name", "display", "objectKey", "size", "props", "page",
    "autoPlay", "playerConfig", "language", "forId", "mime",
}


def _columns(url: str) -> dict[str, set[str]]:
    engine = create_engine(url)
    try:
        insp = inspect(engine)
        return {name: {c["name"] for c in insp.get_columns(name)} for name in insp.get_table_names()}
    finally:
        engine.dispose()


def test_tables_are_created_on_a_fresh_sqlite_database_and_again_harmlessly(data_dir):
    from assistant.config import get_settings
    from assistant.db import get_engine

    url = get_settings().db_url
    assert url.startswith("sqlite") and not (data_dir / "dastyar.db").exists()
    datalayer.create_tables()
    tables = _columns(url)
    assert set(datalayer.TABLES) <= set(tables)
    with get_engine().begin() as conn:
        conn.exec_driver_sql(
            """INSERT INTO users ("id", "identifier", "metadata", "createdAt") VALUES ('u1', 'local', '{}', 'now')"""
        )
    datalayer.create_tables()  # a second start: nothing changes, nothing is lost
    datalayer.create_tables()
    assert _columns(url) == tables
    with get_engine().connect() as conn:
        assert conn.exec_driver_sql("SELECT identifier FROM users").scalars().all() == ["local"]


def test_schema_has_a_column_for_everything_chainlit_writes():
    from chainlit.element import ElementDict
    from chainlit.step import StepDict

    # The keys of this Chainlit version's dicts, less those it never stores (feedback rides in its own table).
    assert set(StepDict.__annotations__) - {"feedback", "icon"} == _STEP_KEYS
    assert set(ElementDict.__annotations__) - {"path"} == _ELEMENT_KEYS
    for dialect in ("sqlite", "postgresql"):
        ddl = "\n".join(datalayer.schema_statements(dialect))
        for key in _STEP_KEYS | _ELEMENT_KEYS | {"forId", "value", "comment", "identifier", "userIdentifier"}:
            assert f'"{key}"' in ddl, (dialect, key)


def test_async_url_follows_the_project_database():
    assert datalayer.async_db_url("sqlite:////srv/d/dastyar.db") == "sqlite+aiosqlite:////srv/d/dastyar.db"
    assert datalayer.async_db_url("postgresql://u:p@db:5432/dastyar") == "postgresql+psycopg://u:p@db:5432/dastyar"
    assert datalayer.async_db_url("postgresql+psycopg2://u@db/x") == "postgresql+psycopg://u@db/x"
    assert datalayer.async_db_url("mysql://u@db/x") is None


async def round_trip(url: str, files) -> None:
    """A thread's life through the data layer on the database at `url` (also run on PostgreSQL, test_postgres)."""
    from chainlit.context import ChainlitContext, context_var
    from chainlit.element import Image
    from chainlit.session import HTTPSession
    from chainlit.types import Feedback, Pagination, ThreadFilter
    from chainlit.user import User

    layer = datalayer.HistoryDataLayer(url, storage_provider=datalayer.LocalFileStorage(files))
    try:
        user = await layer.create_user(User(identifier="local", display_name="کاربر"))
        assert user is not None and user.identifier == "local"
        assert (await layer.create_user(User(identifier="local", metadata={"x": 1}))).metadata == {"x": 1}
        thread_id = str(uuid.uuid4())
        context_var.set(ChainlitContext(HTTPSession(id="s", thread_id=thread_id, user=user, client_type="webapp")))
        await layer.update_thread(thread_id, name="راهنما", user_id=user.id, tags=["a", "ب"])
        await layer.update_thread(thread_id, metadata={"chat_settings": {"speak_replies": True}})
        step_id, reply_id = str(uuid.uuid4()), str(uuid.uuid4())
        await layer.create_step({"id": step_id, "threadId": thread_id, "name": "کاربر", "type": "user_message",
                                 "output": "راهنما", "streaming": False, "createdAt": "2026-01-01T00:00:00Z",
                                 "metadata": {}, "tags": None})
        await layer.create_step({"id": reply_id, "threadId": thread_id, "name": "دستیار", "type": "assistant_message",
                                 "output": "در حال کار…", "streaming": False, "createdAt": "2026-01-01T00:00:01Z",
                                 "metadata": {"k": "v"}, "modes": {"mode": "x"}, "defaultOpen": False,
                                 "autoCollapse": False, "showInput": False})
        await layer.update_step({"id": reply_id, "threadId": thread_id, "name": "دستیار",
                                 "type": "assistant_message", "output": "تمام شد", "streaming": False,
                                 "createdAt": "2026-01-01T00:00:01Z", "metadata": {"k": "v"}})
        picture = files.parent / "نمودار.png"
        picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
        await layer.create_element(Image(name="نمودار.png", path=str(picture), for_id=reply_id, display="inline"))
        await layer.upsert_feedback(Feedback(forId=reply_id, value=1, threadId=thread_id))

        threads = await layer.list_threads(Pagination(first=10), ThreadFilter(userId=user.id))
        assert [t["id"] for t in threads.data] == [thread_id]
        thread = await layer.get_thread(thread_id)
        assert thread["name"] == "راهنما" and thread["userIdentifier"] == "local"
        assert thread["tags"] == ["a", "ب"]
        assert thread["metadata"]["chat_settings"] == {"speak_replies": True}
        steps = {s["id"]: s for s in thread["steps"]}
        assert steps[step_id]["output"] == "راهنما" and steps[reply_id]["output"] == "تمام شد"
        assert steps[reply_id]["metadata"] == {"k": "v"} and steps[reply_id]["feedback"]["value"] == 1
        (element,) = thread["elements"]
        key = element["objectKey"]
        assert key.startswith(f"{user.id}/") and element["url"] == datalayer.FILES_ROUTE + "/" + _quoted(key)
        kept = datalayer.LocalFileStorage(files).path_for(key)
        assert kept is not None and kept.read_bytes() == picture.read_bytes() and kept.is_relative_to(files)
        assert await layer.get_thread_author(thread_id) == "local"

        await layer.delete_thread(thread_id)
        assert await layer.get_thread(thread_id) is None and not kept.exists()
    finally:
        await layer.close()


def _quoted(key: str) -> str:
    from urllib.parse import quote

    return quote(key)


def test_a_thread_round_trip_on_sqlite(data_dir):
    datalayer.create_tables()
    asyncio.run(round_trip(datalayer.async_db_url(), data_dir / "chat-files"))


def test_storage_keys_never_leave_the_folder(tmp_path):
    store = datalayer.LocalFileStorage(tmp_path / "files")
    for key in ("../x", "u/../../x", "/etc/passwd", "u//x", "u/./x", "", "u/.."):
        path = store.path_for(key)
        assert path is None or path.is_relative_to(tmp_path / "files"), key
    assert store.path_for("u/e/a b.png").name == "a_b.png"
    assert store.path_for("u/e/صدا.wav").name == "صدا.wav"


def test_auth_secret_is_made_once_private_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("CHAINLIT_AUTH_SECRET", raising=False)  # restored (absent) after the test
    from assistant.ui import auth

    monkeypatch.delenv(auth.SECRET_ENV, raising=False)
    auth.ensure_auth_secret(tmp_path)
    first = os.environ[auth.SECRET_ENV]
    path = auth.secret_path(tmp_path)
    assert len(first) >= 32 and path.read_text() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    monkeypatch.delenv(auth.SECRET_ENV)
    auth.ensure_auth_secret(tmp_path)
    assert os.environ[auth.SECRET_ENV] == first
    # A secret given by the environment wins and the file is not touched.
    monkeypatch.setenv(auth.SECRET_ENV, "from-env")
    auth.ensure_auth_secret(tmp_path)
    assert os.environ[auth.SECRET_ENV] == "from-env" and path.read_text() == first


def test_a_write_refused_at_once_by_a_moved_snapshot_is_tried_again(data_dir):
    """A job process writing to the same SQLite file can make a history write fail at once with "database is locked"
    (WAL: its snapshot is stale, SQLite does not wait). It is tried again; other errors are not."""
    import sqlite3

    datalayer.create_tables()

    async def run() -> None:
        layer = datalayer.HistoryDataLayer(datalayer.async_db_url())
        try:
            conn = await layer._sqlite_connection()
            real, calls = conn.execute, []

            def refused_once(query, parameters=None):
                calls.append(query)
                if len(calls) == 1:
                    raise sqlite3.OperationalError("database is locked")
                return real(query, parameters)

            conn.execute = refused_once
            assert await layer._sqlite_execute("SELECT 1 AS one", {}) == [{"one": 1}] and len(calls) == 2
            calls.clear()
            assert await layer._sqlite_execute("SELECT * FROM no_such_table", {}) is None and len(calls) == 2
        finally:
            await layer.close()

    asyncio.run(run())
