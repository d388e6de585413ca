"""Upload quotas: the bytes each upload keeps stored, and each account's uploads per day.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("media") as table:
        table.add_column(sa.Column("stored_bytes", sa.BigInteger, nullable=False,
                                   server_default="0"))
    op.create_index("ix_media_account", "media", ["account_id"])
    op.create_table(
        "upload_days",
        sa.Column("account_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("bytes", sa.BigInteger, nullable=False),
    )
    _count_existing_uploads()


def _count_existing_uploads() -> None:
    """Existing uploads count against the storage quota with the sizes they recorded."""
    bind = op.get_bind()
    media = sa.table("media", sa.column("id", sa.BigInteger), sa.column("body_json", sa.Text),
                     sa.column("stored_bytes", sa.BigInteger))
    for row in bind.execute(sa.select(media.c.id, media.c.body_json)).all():
        variants = json.loads(row.body_json).get("variants", {}).values()
        size = sum(int(v.get("size") or 0) for v in variants)
        bind.execute(sa.update(media).where(media.c.id == row.id).values(stored_bytes=size))
