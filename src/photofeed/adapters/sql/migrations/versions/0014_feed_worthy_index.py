"""A pulled feed's index holds only the posts a feed may show.

Revision ID: 0014
Revises: 0013

0012's posts index held every post of an author, comments too, so probing a followee who
comments a lot read all those comments only to drop them. The partial index leaves them
out, on SQLite as well, where the primary key index made each probe read the table rows.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

# The same condition as schema.FEED_WORTHY, as each database writes it: a query's condition
# must read the same for the database to use the index.
_WHERE = {"postgresql": "is_reply IS false AND visibility != 'direct'",
          "sqlite": "is_reply IS 0 AND visibility != 'direct'"}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # If missing: on a large live database it may have been built beforehand with
    # CREATE INDEX CONCURRENTLY, which does not hold writes while it runs (README).
    where = sa.text(_WHERE[dialect])
    op.create_index("ix_account_posts_feed_worthy", "account_posts", ["account_id", "post_id"],
                    postgresql_where=where, sqlite_where=where, if_not_exists=True)
    op.drop_index("ix_account_posts_feed", "account_posts", if_exists=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_account_posts_feed", "account_posts", ["account_id", "post_id"],
                        postgresql_include=["is_reply", "visibility"], if_not_exists=True)
    op.drop_index("ix_account_posts_feed_worthy", "account_posts")
