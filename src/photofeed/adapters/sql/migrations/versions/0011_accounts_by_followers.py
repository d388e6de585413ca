"""Accounts by follower count: the hybrid feed's celebrities in one index range scan.

Revision ID: 0011
Revises: 0010

Every reader process keeps the set of accounts above the celebrity threshold and refreshes
it about once a second; without this index each refresh would scan every account.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_accounts_followers", "accounts", ["followers_count"])


def downgrade() -> None:
    op.drop_index("ix_accounts_followers", "accounts")
