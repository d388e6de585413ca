"""UserNewsFeed clustered by reader on SQLite.

Revision ID: 0008
Revises: 0007

A rowid table keeps feed entries in the order fan-out wrote them, so the twenty entries
of one reader's page lie on twenty different pages of the file. WITHOUT ROWID stores the
table in its primary key's order (reader, post): a page of a feed is one short range scan
that also holds author_id, with no second lookup. PostgreSQL reads the same page through
its primary key index and is left as it is.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _rebuild(with_rowid: bool) -> None:
    suffix = "" if with_rowid else " WITHOUT ROWID"
    op.execute("DROP INDEX IF EXISTS ix_user_feed_author")
    op.execute("ALTER TABLE user_feed RENAME TO user_feed_old")
    op.execute("CREATE TABLE user_feed (owner_id BIGINT NOT NULL, post_id BIGINT NOT NULL, "
               f"author_id BIGINT NOT NULL, PRIMARY KEY (owner_id, post_id)){suffix}")
    op.execute("INSERT INTO user_feed (owner_id, post_id, author_id) "
               "SELECT owner_id, post_id, author_id FROM user_feed_old ORDER BY owner_id, post_id")
    op.execute("DROP TABLE user_feed_old")
    op.execute("CREATE INDEX ix_user_feed_author ON user_feed (owner_id, author_id)")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_rowid=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(with_rowid=True)
