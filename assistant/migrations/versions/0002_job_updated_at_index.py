"""Index job.updated_at: the event feed asks every server for the jobs changed since its last look."""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_index("ix_job_updated_at", "job", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_job_updated_at", table_name="job")
