"""Baseline: jobs, notifications and settings as they were before migrations.

Databases made by the versions before this one already have these tables (made by `create_all`); for them this
revision creates nothing and only records that they are at the baseline.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def _missing(name: str) -> bool:
    return not sa.inspect(op.get_bind()).has_table(name)


def upgrade() -> None:
    when = sa.DateTime(timezone=True)
    if _missing("job"):
        op.create_table(
            "job",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("kind", sa.String(), nullable=False),
            sa.Column("title", sa.String(), nullable=False),
            sa.Column("status", sa.String(), nullable=False),
            sa.Column("progress", sa.Float(), nullable=False),
            sa.Column("message", sa.String(), nullable=False),
            sa.Column("params", sa.JSON(), nullable=False),
            sa.Column("result", sa.JSON(), nullable=False),
            sa.Column("error", sa.String(), nullable=True),
            sa.Column("cancel_requested", sa.Boolean(), nullable=False),
            sa.Column("owner_pid", sa.Integer(), nullable=True),
            sa.Column("owner_started", sa.Float(), nullable=True),
            sa.Column("worker_pid", sa.Integer(), nullable=True),
            sa.Column("session_id", sa.String(), nullable=True),
            sa.Column("run_at", when, nullable=True),
            sa.Column("created_at", when, nullable=False),
            sa.Column("started_at", when, nullable=True),
            sa.Column("finished_at", when, nullable=True),
            sa.Column("updated_at", when, nullable=False),
        )
        op.create_index("ix_job_kind", "job", ["kind"])
        op.create_index("ix_job_status", "job", ["status"])
        op.create_index("ix_job_session_id", "job", ["session_id"])
    if _missing("notification"):
        op.create_table(
            "notification",
            sa.Column("id", sa.Integer(), primary_key=True),
            sa.Column("level", sa.String(), nullable=False),
            sa.Column("title", sa.String(), nullable=False),
            sa.Column("body", sa.String(), nullable=False),
            sa.Column("job_id", sa.Integer(), nullable=True),
            sa.Column("created_at", when, nullable=False),
            sa.Column("read", sa.Boolean(), nullable=False),
        )
        op.create_index("ix_notification_job_id", "notification", ["job_id"])
        op.create_index("ix_notification_read", "notification", ["read"])
    if _missing("setting"):
        op.create_table(
            "setting",
            sa.Column("key", sa.String(), primary_key=True),
            sa.Column("value", sa.String(), nullable=False),
            sa.Column("updated_at", when, nullable=False),
        )


def downgrade() -> None:
    op.drop_table("setting")
    op.drop_table("notification")
    op.drop_table("job")
