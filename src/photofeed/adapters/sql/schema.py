"""The metadata schema, shared by every physical database.

Every physical database carries every table; the shard router decides which database a
row goes to. Rows keyed by a 64-bit ID live on the logical shard inside that ID; rows keyed
by a natural key (a lowercased username, an e-mail, a token hash) live on
`ids.shard_for_key(key)`. An account's ID is minted on the shard of its username, so the
account row and its uniqueness constraint share a database.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from photofeed.adapters.sql.types import UtcDateTime

metadata = MetaData()

accounts = Table(
    "accounts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("username", String(30), nullable=False),
    Column("username_key", String(30), nullable=False, unique=True),
    Column("email", String(320), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("display_name", String(100), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("avatar_key", String(200)),
    Column("locked", Boolean, nullable=False, server_default="0"),
    Column("bot", Boolean, nullable=False, server_default="0"),
    Column("discoverable", Boolean, nullable=False, server_default="1"),
    Column("locale", String(16), nullable=False, server_default="en"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

account_emails = Table(
    "account_emails",
    metadata,
    Column("email_key", String(320), primary_key=True),
    Column("account_id", BigInteger, nullable=False),
)

oauth_apps = Table(
    "oauth_apps",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("id", BigInteger, nullable=False),
    Column("client_secret_hash", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("website", String(2000)),
    Column("redirect_uris", Text, nullable=False),
    Column("scopes", String(500), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

oauth_tokens = Table(
    "oauth_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("client_id", String(64), nullable=False),
    Column("account_id", BigInteger),
    Column("scopes", String(500), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime),
    Column("revoked_at", UtcDateTime),
)

oauth_codes = Table(
    "oauth_codes",
    metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("client_id", String(64), nullable=False),
    Column("account_id", BigInteger, nullable=False),
    Column("redirect_uri", String(2000), nullable=False),
    Column("scopes", String(500), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime),
)

# Generator slots for ids.IdGenerator; only the directory database (shard 0's) uses it.
id_leases = Table(
    "id_leases",
    metadata,
    Column("slot", Integer, primary_key=True, autoincrement=False),
    Column("owner", String(100), nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
)

Index("ix_accounts_created", accounts.c.created_at)
