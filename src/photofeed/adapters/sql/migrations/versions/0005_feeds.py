"""UserNewsFeed, reader activity and affinity.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from photofeed.adapters.sql.types import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("accounts") as table:
        table.add_column(sa.Column("last_active_at", UtcDateTime))
    op.create_table(
        "user_feed",
        sa.Column("owner_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("post_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("author_id", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_user_feed_author", "user_feed", ["owner_id", "author_id"])
    op.create_table(
        "affinity",
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("author_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("score", sa.Integer, nullable=False),
    )
