"""Live events between processes without Redis: a short-lived message log.

Revision ID: 0013
Revises: 0012

Several processes on the embedded configuration (`serve --workers 2`, or a separate
`photofeed worker`) have no Redis to meet on; they pass live events through this table on
the directory database (adapters/sql/events.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from photofeed.adapters.sql.types import UtcDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "bus_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("origin", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("bus_messages")
