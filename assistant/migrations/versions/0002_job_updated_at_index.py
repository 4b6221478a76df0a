"""Index job.updated_at: the event feed asks every server for the jobs changed since its last look.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_job_updated_at", "job", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_job_updated_at", table_name="job")
