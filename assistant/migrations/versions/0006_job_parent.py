"""job.parent_id: the steps of a chain (a goal's download, training, evaluation) name the chain they belong to."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.add_column("job", sa.Column("parent_id", sa.Integer(), nullable=True))
    op.create_index("ix_job_parent_id", "job", ["parent_id"])


def downgrade() -> None:
    with op.batch_alter_table("job") as batch:
        batch.drop_index("ix_job_parent_id")
        batch.drop_column("parent_id")
