"""The same state on PostgreSQL (DATABASE_URL): jobs, notifications, settings and the agent's memory.

Starts a throwaway PostgreSQL cluster from the machine's binaries (skipped where there are none).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import tests.job_fixtures  # noqa: F401
from tests.pg_fixtures import BIN, postgres_url

pytestmark = pytest.mark.skipif(BIN is None, reason="no PostgreSQL server binaries on this machine")
FIXTURES = (postgres_url,)  # pytest finds it here


def test_jobs_notifications_and_memory_on_postgresql(postgres_url, monkeypatch):
    from agents.checkpoint import reset_checkpointers
    from agents.graph import run_agent
    from assistant.config import get_settings, reset_settings
    from assistant.db import dispose_engines, get_setting, set_setting
    from assistant.jobs import store
    from assistant.jobs.runner import get_runner, wait_for_job
    from assistant.models import JobStatus
    from assistant.services import notifications

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_settings()
    dispose_engines()
    reset_checkpointers()
    assert get_settings().db_url.startswith("postgresql")
    runner = get_runner()
    job = runner.submit("test_count", {"steps": 5, "delay": 0.02}, title="روی پستگرس")
    assert wait_for_job(job.id, timeout=30).status == JobStatus.succeeded
    assert store.get_job(job.id).result["counted"] == 5
    assert notifications.list_notifications()[0].job_id == job.id
    set_setting("k", "مقدار")
    assert get_setting("k") == "مقدار"
    # The agent's memory (LangGraph checkpointer) lives on the same database.
    run_agent(f"/job {job.id}", "pg-thread")
    reset_checkpointers()
    status = run_agent("چقدر مونده؟", "pg-thread")  # the job is remembered across a restart
    assert status.tool == "job_status" and status.args["job_id"] == job.id
    assert "job" in run_agent(f"/job {job.id}", "pg-thread").data


def test_chat_history_on_postgresql(postgres_url, monkeypatch, data_dir):
    """Chainlit's tables made twice (idempotent) and a thread's round trip through the data layer (psycopg 3 async)."""
    import asyncio

    from assistant.config import reset_settings
    from assistant.db import dispose_engines
    from assistant.ui import datalayer
    from tests.test_datalayer import round_trip

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_settings()
    dispose_engines()
    datalayer.create_tables()
    datalayer.create_tables()
    assert datalayer.async_db_url().startswith("postgresql+psycopg://")
    asyncio.run(round_trip(datalayer.async_db_url(), data_dir / "chat-files"))


def test_events_arrive_by_listen_notify_on_postgresql(postgres_url, monkeypatch):
    """On PostgreSQL the feed sleeps on LISTEN: a write by another process wakes it (no 5-s safety poll needed)."""
    import sys

    from assistant import events
    from assistant.config import reset_settings
    from assistant.db import dispose_engines

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    reset_settings()
    dispose_engines()
    events.reset_feed()
    feed = events.get_feed()
    feed.listen_interval = 120.0  # only NOTIFY can deliver within the wait below
    sub = feed.subscribe()
    code = "from assistant.services import notifications; notifications.notify('با NOTIFY', level='info')"
    subprocess.run([sys.executable, "-c", code], env={**os.environ, "DATABASE_URL": postgres_url}, check=True,
                   timeout=60, cwd=Path(__file__).resolve().parent.parent)
    ev = sub.get(timeout=60)
    while ev is not None and not isinstance(ev, events.NotificationEvent):
        ev = sub.get(timeout=60)
    assert ev is not None and ev.note.title == "با NOTIFY"
    events.reset_feed()


def test_database_from_the_version_before_migrations_upgrades_on_postgresql(postgres_url, monkeypatch, tmp_path):
    """tests/data/dastyar-v0.pg.sql.gz: pg_dump of a database made by a064d66 (the last version without migrations)."""
    import gzip

    from assistant import migrations
    from assistant.config import reset_settings
    from assistant.db import dispose_engines, get_engine
    from tests.test_migrations import check_v0_rows, schema_differences

    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    subprocess.run([str(BIN / "createdb"), "-h", "127.0.0.1", "-p", port, "-U", "dastyar", "v0"], check=True,
                   capture_output=True, timeout=60)
    dump = tmp_path / "v0.sql"
    dump.write_bytes(gzip.decompress((Path(__file__).parent / "data" / "dastyar-v0.pg.sql.gz").read_bytes()))
    subprocess.run([str(BIN / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", port, "-U", "dastyar",
                    "-d", "v0", "-f", str(dump)], check=True, capture_output=True, timeout=120)
    url = postgres_url.rsplit("/", 1)[0] + "/v0"
    monkeypatch.setenv("DATABASE_URL", url)
    reset_settings()
    dispose_engines()
    engine = get_engine()
    assert migrations.current_revision(engine) == migrations.head_revision()
    assert schema_differences(engine) == []
    check_v0_rows(engine)
    dispose_engines()
