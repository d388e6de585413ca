"""Moving logical shards between databases: the persisted map changes and the write fence.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from photofeed.adapters.sql.types import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Must equal adapters/sql/fences.py FENCE_LOCK: writers hold it shared, a new fence exclusive.
_FENCE_LOCK = 7_061_413_601

# One statement per write transaction: wait for a fence being raised, then report whether one
# covers any of the shards. VOLATILE, so the SELECT takes a snapshot after the lock is held
# and sees a fence committed while this transaction waited for it.
_FENCE_FUNCTION = """
CREATE OR REPLACE FUNCTION photofeed_write_fence(shards integer[]) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    found text;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(FENCE_LOCK);
    SELECT f.state INTO found FROM shard_fences f
     WHERE EXISTS (SELECT 1 FROM unnest(shards) s
                    WHERE s BETWEEN f.first_shard AND f.last_shard)
     LIMIT 1;
    RETURN found;
END $$""".replace("FENCE_LOCK", str(_FENCE_LOCK))


# While a move copies, a trigger on each table of the source records the key of every row
# written (its primary key columns, named by the trigger's arguments), so catching up copies
# only those rows again, and finds deletions too.
_CAPTURE_FUNCTION = """
CREATE OR REPLACE FUNCTION photofeed_capture_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    row_json jsonb;
    key jsonb := '{}';
    col text;
BEGIN
    IF TG_OP = 'DELETE' THEN row_json := to_jsonb(OLD); ELSE row_json := to_jsonb(NEW); END IF;
    FOREACH col IN ARRAY TG_ARGV LOOP
        key := key || jsonb_build_object(col, row_json -> col);
    END LOOP;
    INSERT INTO shard_move_changes (table_name, key) VALUES (TG_TABLE_NAME, key::text);
    RETURN NULL;
END $$"""


def upgrade() -> None:
    # On the control database (the one holding logical shard 0 in the configured map): every
    # move, in order. Moves that reached "switched" override the configured map.
    op.create_table(
        "shard_moves",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("first_shard", sa.Integer, nullable=False),
        sa.Column("last_shard", sa.Integer, nullable=False),
        sa.Column("source_url", sa.Text, nullable=False),
        sa.Column("target_url", sa.Text, nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    # On every database: ranges no write may touch here, "fenced" while a move copies its last
    # changes, "moved" for good once the range lives elsewhere.
    op.create_table(
        "shard_fences",
        sa.Column("first_shard", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last_shard", sa.Integer, nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
    )
    # On a move's source while it runs: the keys of rows written since the copy began.
    op.create_table(
        "shard_move_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("table_name", sa.Text, nullable=False),
        sa.Column("key", sa.Text, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_FENCE_FUNCTION)
        op.execute(_CAPTURE_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS photofeed_capture_change()")
        op.execute("DROP FUNCTION IF EXISTS photofeed_write_fence(integer[])")
    op.drop_table("shard_move_changes")
    op.drop_table("shard_fences")
    op.drop_table("shard_moves")
