"""Owners of jobs and notifications: a person sees their own, an admin everyone's.

Rows from before keep no owner (NULL): only admins see them — the first admin inherits them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    for table in ("job", "notification"):
        op.add_column(table, sa.Column("owner", sa.String(), nullable=True))
        op.create_index(f"ix_{table}_owner", table, ["owner"])


def downgrade() -> None:
    for table in ("job", "notification"):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_owner")
            batch.drop_column("owner")
