"""Schema migrations: a new database, a database made by the version before migrations, several processes at once.

tests/data/dastyar-v0.sqlite3.gz was made by commit a064d66 (the last version without migrations) through its real
flows: two finished test jobs, a queued download, notifications, settings, the agent's memory and Chainlit's tables.
"""

from __future__ import annotations

import gzip
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

import tests.job_fixtures  # noqa: F401  (test_count)

ROOT = Path(__file__).resolve().parent.parent
V0_SQLITE = ROOT / "tests" / "data" / "dastyar-v0.sqlite3.gz"


def schema_differences(engine) -> list:
    """What Alembic's autogenerate would still change: empty when models.py and the revisions agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlmodel import SQLModel

    from assistant.migrations import include_object

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        return compare_metadata(ctx, SQLModel.metadata)


def check_v0_rows(engine) -> None:
    """The rows the old version wrote, read through today's code."""
    from assistant.db import get_setting
    from assistant.jobs import store
    from assistant.models import JobStatus
    from assistant.services import notifications

    jobs = {j.id: j for j in store.list_jobs(limit=10)}
    assert sorted(jobs) == [1, 2, 3]
    assert jobs[1].status is JobStatus.succeeded and jobs[1].result["counted"] == 3
    assert jobs[2].session_id == "chat-1" and jobs[1].title == "شمارش کامل"
    assert jobs[3].kind == "download" and jobs[3].params["repo_id"] == "org/tiny"
    assert {n.title for n in notifications.list_notifications()} >= {"یادداشت آزمایشی"}
    assert get_setting("hf_endpoint_mirror") == "https://hf-mirror.example"
    names = set(inspect(engine).get_table_names())
    assert {"threads", "steps", "checkpoints", "apscheduler_jobs"} <= names  # others' tables untouched
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM checkpoints")).scalar() > 0
    assert "ix_job_updated_at" in {i["name"] for i in inspect(engine).get_indexes("job")}


def test_new_database_is_made_by_the_revisions_and_matches_the_models(data_dir):
    from alembic.script import ScriptDirectory

    from assistant import migrations
    from assistant.db import get_engine, raw_engine

    engine = get_engine()
    assert migrations.current_revision(engine) == migrations.head_revision()
    assert migrations.head_revision() == ScriptDirectory.from_config(migrations.config()).get_current_head()
    assert schema_differences(engine) == []
    # Down to the baseline and up again: the last revision undoes cleanly.
    other = raw_engine(f"sqlite:///{data_dir / 'roundtrip.db'}")
    migrations.upgrade(other)
    from alembic import command

    cfg = migrations.config()
    with other.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert "ix_job_updated_at" not in {i["name"] for i in inspect(other).get_indexes("job")}
    with other.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert not inspect(other).has_table("job")
    migrations.upgrade(other)
    assert schema_differences(other) == []


def test_database_from_the_version_before_migrations_upgrades_in_place(data_dir):
    from assistant import migrations
    from assistant.db import dispose_engines, get_engine
    from assistant.jobs.runner import get_runner, wait_for_job
    from assistant.models import JobStatus

    dispose_engines()
    data_dir.mkdir(parents=True, exist_ok=True)
    with gzip.open(V0_SQLITE) as src, open(data_dir / "dastyar.db", "wb") as dst:
        shutil.copyfileobj(src, dst)
    engine = get_engine()
    assert migrations.current_revision(engine) == migrations.head_revision()
    assert schema_differences(engine) == []
    check_v0_rows(engine)
    # And the app goes on using it: new ids continue after the old ones.
    job = get_runner().submit("test_count", {"steps": 2, "delay": 0.01}, title="بعد از ارتقا")
    assert job.id == 4
    assert wait_for_job(job.id, timeout=30).status == JobStatus.succeeded


def test_processes_starting_together_migrate_once(data_dir):
    """Three processes open a new database at the same moment: one migrates, the others wait and find it done."""
    code = "from assistant.db import get_engine; from assistant import migrations; " \
           "print(migrations.current_revision(get_engine()))"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    from assistant import migrations

    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert out.strip() == migrations.head_revision()


def test_a_database_newer_than_the_code_is_refused_clearly(data_dir):
    """A database from a newer Dastyar (an unknown revision) is not used; the CLI says so in Persian, no traceback."""
    from assistant.db import get_engine, raw_engine
    from assistant.migrations import SchemaTooNew

    data_dir.mkdir(parents=True, exist_ok=True)
    engine = raw_engine(f"sqlite:///{data_dir / 'dastyar.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('9999')"))
    with pytest.raises(SchemaTooNew) as caught:
        get_engine()
    assert "9999" in caught.value.user_message and "پایگاه داده" in caught.value.user_message
    cli = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "کارها"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert cli.returncode == 2 and "Traceback" not in cli.stderr and "پایگاه داده" in cli.stderr
    doctor = subprocess.run([sys.executable, "-m", "assistant.cli", "doctor"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert "✘ database" in doctor.stdout and "9999" in doctor.stdout
