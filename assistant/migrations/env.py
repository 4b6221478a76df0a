"""Alembic's environment: the project's own tables only (Chainlit, LangGraph and APScheduler keep theirs)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from assistant import models  # noqa: F401  (registers the tables)
from assistant.migrations import head_revision, include_object

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # the `python -m assistant.migrations` command line: open the configured database
    from assistant.db import raw_engine

    connection = raw_engine(config.get_main_option("sqlalchemy.url")).connect()



def number_the_revision(_context, _revision, directives) -> None:
    """New revisions are numbered after the newest (`0003_…`): the files sort, and the head is read from names."""
    directives[0].rev_id = f"{int(head_revision()) + 1:04d}"


context.configure(
    connection=connection,
    process_revision_directives=number_the_revision,
    target_metadata=SQLModel.metadata,
    include_object=include_object,
    render_as_batch=True,  # SQLite changes a column by copying its table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
