"""Indexes for pulling a feed in one statement per database.

Revision ID: 0012
Revises: 0011

A pulled feed (pull mode, and hybrid's celebrities) reads whom the reader follows from the
followers copies on the followees' own databases, in the statement that reads their posts,
so it needs those copies by follower as well as by followee. On PostgreSQL the posts index
also carries the columns the feed filters on, so probing hundreds of followees reads no
table pages.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # If missing: on a large live database they may have been built beforehand with
    # CREATE INDEX CONCURRENTLY, which does not hold writes while it runs (README).
    op.create_index("ix_followers_by_account", "followers", ["account_id", "state", "target_id"],
                    if_not_exists=True)
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_account_posts_feed", "account_posts", ["account_id", "post_id"],
                        postgresql_include=["is_reply", "visibility"], if_not_exists=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_account_posts_feed", "account_posts")
    op.drop_index("ix_followers_by_account", "followers")
