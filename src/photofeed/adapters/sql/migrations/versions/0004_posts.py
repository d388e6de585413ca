"""Media uploads, posts, hashtags, likes, the per-author index and idempotency keys.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from photofeed.adapters.sql.types import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posts",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("caption", sa.Text, nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("sensitive", sa.Boolean, nullable=False),
        sa.Column("spoiler_text", sa.String(500), nullable=False),
        sa.Column("language", sa.String(16)),
        sa.Column("in_reply_to_id", sa.BigInteger),
        sa.Column("in_reply_to_account_id", sa.BigInteger),
        sa.Column("root_id", sa.BigInteger, nullable=False),
        sa.Column("media_json", sa.Text, nullable=False),
        sa.Column("mentions_json", sa.Text, nullable=False),
        sa.Column("tags_json", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("edited_at", UtcDateTime),
        sa.Column("favourites_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replies_count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_posts_root", "posts", ["root_id", "id"])
    op.create_table(
        "post_tags",
        sa.Column("tag", sa.String(100), primary_key=True),
        sa.Column("post_id", sa.BigInteger, primary_key=True, autoincrement=False),
    )
    op.create_table(
        "favourites",
        sa.Column("post_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("cursor", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_favourites_list", "favourites", ["post_id", "cursor"])
    op.create_index("ix_favourites_account", "favourites", ["account_id", "post_id"])
    op.create_table(
        "account_posts",
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("post_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("is_reply", sa.Boolean, nullable=False),
        sa.Column("has_media", sa.Boolean, nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("pinned", sa.Boolean, nullable=False, server_default="0"),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("post_id", sa.BigInteger, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "media",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("post_id", sa.BigInteger),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("body_json", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_media_unattached", "media", ["post_id", "created_at"])
