"""Schema migrations (Alembic) for the project's own tables, applied when a process first opens the database.

A database made before migrations existed has the tables but no `alembic_version`: the baseline revision creates
only what is missing, so such a database upgrades in place. New revision: `python -m assistant.migrations revision
-m "…"` (then write its upgrade by hand, or add `--autogenerate` and read what it wrote).
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from assistant.errors import SchemaTooNew

log = logging.getLogger(__name__)
logging.getLogger("alembic").setLevel(logging.WARNING)  # one line of ours says what changed, not Alembic's dozen
HERE = Path(__file__).resolve().parent
# Any fixed 64-bit number: PostgreSQL's advisory lock that keeps two starting processes from migrating at once.
_PG_LOCK_KEY = 0x64617374796172


def own_tables() -> set[str]:
    from sqlmodel import SQLModel

    from assistant import models  # noqa: F401  (registers the tables)

    return set(SQLModel.metadata.tables)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic looks only at the project's tables: the same database holds Chainlit's, LangGraph's and APScheduler's."""
    if type_ == "table":
        return name in own_tables()
    table = getattr(obj, "table", None)
    return table is None or table.name in own_tables()


def config(url: str | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def known_revisions() -> set[str]:
    return {p.name.split("_", 1)[0] for p in (HERE / "versions").glob("[0-9]*_*.py")}


def head_revision() -> str:
    """The newest revision. Revisions are numbered and their files named by number (`0002_….py` holds revision
    "0002"), so this needs no Alembic import on the path every process takes (a test checks Alembic agrees)."""
    return max(known_revisions())


def current_revision(engine: Engine) -> str | None:
    """The database's revision; None for a new database or one made before migrations."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database to `revision` (default: the newest); a no-op that costs one query when it is there."""
    target = head_revision() if revision == "head" else revision
    current = current_revision(engine)
    if current == target:
        return
    if current is not None and current not in known_revisions():
        raise SchemaTooNew(current, head_revision())
    from alembic import command

    with _migration_lock(engine):
        if current_revision(engine) == target:  # another process did it while this one waited
            return
        cfg = config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, target)
        log.info("database schema at revision %s", target)
