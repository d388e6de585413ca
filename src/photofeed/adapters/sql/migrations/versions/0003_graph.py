"""The follow graph, blocks, and account counters.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from photofeed.adapters.sql.types import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _edge_table(name: str, owner: str, other: str) -> None:
    op.create_table(
        name,
        sa.Column(owner, sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column(other, sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )


def upgrade() -> None:
    with op.batch_alter_table("accounts") as table:
        for counter in ("followers_count", "following_count", "statuses_count"):
            table.add_column(sa.Column(counter, sa.Integer, nullable=False, server_default="0"))
        table.add_column(sa.Column("last_status_at", UtcDateTime))
    _edge_table("follows", "account_id", "target_id")
    op.create_index("ix_follows_list", "follows", ["account_id", "state", "version"])
    _edge_table("followers", "target_id", "account_id")
    op.create_index("ix_followers_list", "followers", ["target_id", "state", "version"])
    _edge_table("blocks", "account_id", "target_id")
    _edge_table("blocked_by", "target_id", "account_id")
