"""The search index: FTS5 on SQLite, tsvector + GIN (and trigrams for names) on PostgreSQL.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Per field (title, caption, tags, alt) the stems, which whole words are looked for in,
# and the words as typed, which the word being typed is looked for in by prefix. Python
# computes both (adapters/sql/porter.py says why FTS5 must not stem); unicode61 only splits
# them. Prefix indexes up to 5 letters let a search walk a prefix's posts newest first and
# stop; longer prefixes are spelled out as the words of post_search_words that they start.
# `author` holds an "a<account id>" token, to search one person's posts. The visibility
# filter reads the unindexed columns of the rows it meets, which the ranking reads anyway.
_SQLITE = [
    """CREATE VIRTUAL TABLE post_search USING fts5(
        title, caption, tags, alt, title_words, caption_words, tag_words, alt_words, author,
        account_id UNINDEXED, visibility UNINDEXED,
        tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5')""",
    "CREATE TABLE post_search_words (word TEXT PRIMARY KEY) WITHOUT ROWID",
]
_SQLITE_DOWN = ["DROP TABLE IF EXISTS post_search_words", "DROP TABLE IF EXISTS post_search"]

_POSTGRES = [
    # Trusted since PostgreSQL 13: a database owner may create it without superuser rights.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """CREATE TABLE post_search (
        post_id BIGINT PRIMARY KEY,
        account_id BIGINT NOT NULL,
        public BOOLEAN NOT NULL,
        document TSVECTOR NOT NULL)""",
    "CREATE INDEX ix_post_search_document ON post_search USING gin (document)",
    "CREATE INDEX ix_post_search_account ON post_search (account_id, post_id)",
    # Hashtag prefixes are ranges in code point order, whatever the database's collation.
    'CREATE INDEX ix_post_tags_tag_c ON post_tags (tag COLLATE "C")',
    # People search matches name prefixes anywhere in a display name: trigrams index that.
    "CREATE INDEX ix_accounts_username_trgm ON accounts USING gin (username_key gin_trgm_ops)",
    """CREATE INDEX ix_accounts_display_name_trgm ON accounts
        USING gin (lower(display_name) gin_trgm_ops)""",
]
_POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS ix_accounts_display_name_trgm",
    "DROP INDEX IF EXISTS ix_accounts_username_trgm",
    "DROP INDEX IF EXISTS ix_post_tags_tag_c",
    "DROP TABLE IF EXISTS post_search",
]


def _run(statements: dict[str, list[str]]) -> None:
    dialect = op.get_bind().dialect.name
    if dialect not in statements:
        raise NotImplementedError(f"no search index for {dialect}")
    for statement in statements[dialect]:
        op.execute(statement)


def upgrade() -> None:
    _run({"sqlite": _SQLITE, "postgresql": _POSTGRES})


def downgrade() -> None:
    _run({"sqlite": _SQLITE_DOWN, "postgresql": _POSTGRES_DOWN})
