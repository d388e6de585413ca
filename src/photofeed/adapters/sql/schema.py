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
    Date,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    and_,
    literal_column,
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
    # Each counter lives on the row whose shard holds the rows it counts, and changes in the
    # same transaction as them, so it cannot drift.
    Column("followers_count", Integer, nullable=False, server_default="0"),
    Column("following_count", Integer, nullable=False, server_default="0"),
    Column("statuses_count", Integer, nullable=False, server_default="0"),
    Column("last_status_at", UtcDateTime),
    # When the person last read their feed; hybrid fan-out skips the long inactive.
    Column("last_active_at", UtcDateTime),
    Column("header_key", String(200)),
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

# Live events between processes that share the databases but no Redis (sql/events.py):
# a short-lived log on the directory database that every process reads.
bus_messages = Table(
    "bus_messages",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("origin", String(32), nullable=False),
    Column("channel", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

Index("ix_accounts_created", accounts.c.created_at)
Index("ix_accounts_followers", accounts.c.followers_count)

# Events for the workers, written in the same transaction as the change they describe. One
# queue per physical database; `shard` says which logical shard the change belongs to.
outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("shard", Integer, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("available_at", UtcDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("claimed_by", String(100)),
    Column("claimed_until", UtcDateTime),
    Column("last_error", Text),
)
Index("ix_outbox_due", outbox.c.available_at, outbox.c.id)

# The follow graph. `follows` on the follower's shard is the truth for an edge; `followers`
# on the followee's shard mirrors it for listing someone's followers and follow requests.
# `version` is the ID of the change that set the state; a mirror only takes newer versions,
# so repairs may arrive late or twice, in any order. State "none" is a tombstone that keeps
# the version after an unfollow.
follows = Table(
    "follows",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("target_id", BigInteger, primary_key=True, autoincrement=False),
    Column("state", String(10), nullable=False),
    Column("version", BigInteger, nullable=False),
)
Index("ix_follows_list", follows.c.account_id, follows.c.state, follows.c.version)

followers = Table(
    "followers",
    metadata,
    Column("target_id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("state", String(10), nullable=False),
    Column("version", BigInteger, nullable=False),
)
Index("ix_followers_list", followers.c.target_id, followers.c.state, followers.c.version)
# Whom an account follows, as seen on each followee's database: a hybrid feed reads it in
# the same statement as the celebrities' posts instead of asking the reader's database first.
Index("ix_followers_by_account", followers.c.account_id, followers.c.state, followers.c.target_id)

# Blocks: truth on the blocker's shard, mirrored on the blocked account's shard so that
# "who blocked me" is answered without asking every shard.
blocks = Table(
    "blocks",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("target_id", BigInteger, primary_key=True, autoincrement=False),
    Column("state", String(10), nullable=False),
    Column("version", BigInteger, nullable=False),
)

blocked_by = Table(
    "blocked_by",
    metadata,
    Column("target_id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("state", String(10), nullable=False),
    Column("version", BigInteger, nullable=False),
)

# A post lives on the shard inside its ID; a comment is minted on its post's shard, so a
# whole thread, its likes and its counters share one database.
posts = Table(
    "posts",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("title", String(200), nullable=False),
    Column("caption", Text, nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("sensitive", Boolean, nullable=False),
    Column("spoiler_text", String(500), nullable=False),
    Column("language", String(16)),
    Column("in_reply_to_id", BigInteger),
    Column("in_reply_to_account_id", BigInteger),
    Column("root_id", BigInteger, nullable=False),
    Column("media_json", Text, nullable=False),
    Column("mentions_json", Text, nullable=False),
    Column("tags_json", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("edited_at", UtcDateTime),
    Column("favourites_count", Integer, nullable=False, server_default="0"),
    Column("replies_count", Integer, nullable=False, server_default="0"),
)
Index("ix_posts_root", posts.c.root_id, posts.c.id)

post_tags = Table(
    "post_tags",
    metadata,
    Column("tag", String(100), primary_key=True),
    Column("post_id", BigInteger, primary_key=True, autoincrement=False),
)

favourites = Table(
    "favourites",
    metadata,
    Column("post_id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("cursor", BigInteger, nullable=False),
)
Index("ix_favourites_list", favourites.c.post_id, favourites.c.cursor)
Index("ix_favourites_account", favourites.c.account_id, favourites.c.post_id)

# Each author's posts, on the author's shard: the profile grid without asking every shard.
account_posts = Table(
    "account_posts",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("post_id", BigInteger, primary_key=True, autoincrement=False),
    Column("is_reply", Boolean, nullable=False),
    Column("has_media", Boolean, nullable=False),
    Column("visibility", String(10), nullable=False),
    Column("pinned", Boolean, nullable=False, server_default="0"),
)
# The posts a feed may show. Pulled feeds read authors' newest posts from it, one probe
# per author, so it holds only these: comments and direct posts cost a probe nothing, and
# the probe reads the index alone. The constant is part of the SQL, not a parameter: the
# plan PostgreSQL makes once for a prepared statement could not otherwise count on the
# index's condition.
FEED_WORTHY = and_(account_posts.c.is_reply.is_(False),
                   account_posts.c.visibility != literal_column("'direct'"))
Index("ix_account_posts_feed_worthy", account_posts.c.account_id, account_posts.c.post_id,
      postgresql_where=FEED_WORTHY, sqlite_where=FEED_WORTHY)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("key", String(200), primary_key=True),
    Column("post_id", BigInteger, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Uploads. A media row lives on the shard inside its own ID; once posted, a snapshot of it
# is copied into the post row so reading a post needs no second lookup.
media = Table(
    "media",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("account_id", BigInteger, nullable=False),
    Column("post_id", BigInteger),
    Column("status", String(12), nullable=False),
    Column("body_json", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # What this upload's files take on disk, summed per owner for the storage quota.
    Column("stored_bytes", BigInteger, nullable=False, server_default="0"),
)
Index("ix_media_unattached", media.c.post_id, media.c.created_at)
Index("ix_media_account", media.c.account_id)

# Bytes each account uploaded per UTC day, for the daily quota, on the account's shard.
# Kept when the uploads are deleted: deleting does not give back the day's allowance.
upload_days = Table(
    "upload_days",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("day", Date, primary_key=True),
    Column("bytes", BigInteger, nullable=False),
)

# Which blobs each upload uses, beside its media row. Identical content from one owner has
# one blob; it is deleted when the last row naming it goes (any shard may hold one).
media_blobs = Table(
    "media_blobs",
    metadata,
    Column("media_id", BigInteger, primary_key=True, autoincrement=False),
    Column("key", String(200), primary_key=True),
    Column("account_id", BigInteger, nullable=False),
)
Index("ix_media_blobs_owner", media_blobs.c.account_id, media_blobs.c.key)

# UserNewsFeed, the SQL adapter: post IDs pushed into each reader's feed, on the reader's
# shard. IDs are time-ordered, so ordering by post_id is ordering by time.
user_feed = Table(
    "user_feed",
    metadata,
    Column("owner_id", BigInteger, primary_key=True, autoincrement=False),
    Column("post_id", BigInteger, primary_key=True, autoincrement=False),
    Column("author_id", BigInteger, nullable=False),
    sqlite_with_rowid=False,  # clustered by reader: see migration 0008
)
Index("ix_user_feed_author", user_feed.c.owner_id, user_feed.c.author_id)

# How much a reader engages with an author (likes, comments), for the ranked feed.
affinity = Table(
    "affinity",
    metadata,
    Column("account_id", BigInteger, primary_key=True, autoincrement=False),
    Column("author_id", BigInteger, primary_key=True, autoincrement=False),
    Column("score", Integer, nullable=False),
)

# Moving logical shards (adapters/sql/shard_moves.py): on the control database, every move
# in order; moves that reached "switched" or "done" override the configured shard map.
shard_moves = Table(
    "shard_moves",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("first_shard", Integer, nullable=False),
    Column("last_shard", Integer, nullable=False),
    Column("source_url", Text, nullable=False),
    Column("target_url", Text, nullable=False),
    Column("state", String(12), nullable=False),
    Column("started_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

# On every database: ranges no write may touch here ("fenced" during a move's last catch-up,
# "moved" once they live elsewhere); checked inside each write transaction (fences.py).
shard_fences = Table(
    "shard_fences",
    metadata,
    Column("first_shard", Integer, primary_key=True, autoincrement=False),
    Column("last_shard", Integer, nullable=False),
    Column("state", String(8), nullable=False),
)

# On a move's source while the move runs: the key (JSON of the primary key columns) of every
# row written since the copy began, recorded by a trigger (migration 0009).
shard_move_changes = Table(
    "shard_move_changes",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("table_name", Text, nullable=False),
    Column("key", Text, nullable=False),
)
