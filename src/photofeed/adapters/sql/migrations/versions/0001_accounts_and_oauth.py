"""Accounts, e-mail index, OAuth applications, tokens and codes, ID generator leases.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from photofeed.adapters.sql.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("username", sa.String(30), nullable=False),
        sa.Column("username_key", sa.String(30), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("display_name", sa.String(100), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("avatar_key", sa.String(200)),
        sa.Column("locked", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("bot", sa.Boolean, nullable=False, server_default="0"),
        sa.Column("discoverable", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("locale", sa.String(16), nullable=False, server_default="en"),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_accounts_created", "accounts", ["created_at"])
    op.create_table(
        "account_emails",
        sa.Column("email_key", sa.String(320), primary_key=True),
        sa.Column("account_id", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "oauth_apps",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("id", sa.BigInteger, nullable=False),
        sa.Column("client_secret_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("website", sa.String(2000)),
        sa.Column("redirect_uris", sa.Text, nullable=False),
        sa.Column("scopes", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.BigInteger),
        sa.Column("scopes", sa.String(500), nullable=False),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("expires_at", UtcDateTime),
        sa.Column("revoked_at", UtcDateTime),
    )
    op.create_table(
        "oauth_codes",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("redirect_uri", sa.String(2000), nullable=False),
        sa.Column("scopes", sa.String(500), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
        sa.Column("used_at", UtcDateTime),
    )
    op.create_table(
        "id_leases",
        sa.Column("slot", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("owner", sa.String(100), nullable=False),
        sa.Column("expires_at", UtcDateTime, nullable=False),
    )
