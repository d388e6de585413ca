"""Blob references of media (shared blobs are deleted with their last user), header images.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_blobs",
        sa.Column("media_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("account_id", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_media_blobs_owner", "media_blobs", ["account_id", "key"])
    with op.batch_alter_table("accounts") as table:
        table.add_column(sa.Column("header_key", sa.String(200)))
