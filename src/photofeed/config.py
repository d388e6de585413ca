"""Settings: one object, filled from flags and PHOTOFEED_* environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from photofeed.media_location import S3Location, parse_media_url

Role = Literal["read", "write", "all"]


class Settings(BaseSettings):
    """Everything configurable; embedded defaults need no configuration at all."""

    model_config = SettingsConfigDict(env_prefix="PHOTOFEED_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    role: Role = "all"
    # Requests (open streams included) one server process handles at once; past it, a 503.
    max_connections: int = Field(default=500, ge=1)
    data_dir: Path = Path("data")
    # Comma-separated database URLs; logical shards are spread over them in ranges.
    # Empty means one SQLite file under data_dir. A PostgreSQL database may be followed
    # by its read replicas: `PRIMARY|REPLICA|REPLICA`.
    database_url: str = ""
    # An explicit shard map instead: `FIRST-LAST=URL` entries separated by ";", covering
    # every logical shard 0-8191 exactly once. Overrides database_url when set.
    shards: str = ""
    # A replica lagging more than this is skipped; checked every replica_check_seconds.
    # Whoever wrote reads the primary for replica_max_lag_seconds + 2 checks afterwards.
    replica_max_lag_seconds: float = Field(default=5.0, gt=0)
    replica_check_seconds: float = Field(default=1.0, gt=0)
    # How often each process re-reads the shard moves recorded on the control database, so a
    # move's new map reaches every process; `shards move` waits a few of these before it
    # deletes the moved rows from the old database.
    shard_map_refresh_seconds: float = Field(default=1.0, gt=0, le=60)
    public_url: str = ""
    instance_title: str = "photofeed"
    instance_description: str = "Photos and videos from the people you follow."
    contact_email: str = ""
    registrations_open: bool = True
    # Tokens live until revoked when unset; set to expire them after this many seconds.
    access_token_ttl_seconds: int | None = Field(default=None, gt=0)
    rate_limits: Literal["on", "off"] = "on"
    signin_limit_per_ip: str = "30/minute"
    signin_limit_per_account: str = "10/minute"
    registration_limit_per_ip: str = "10/hour"
    write_limit_per_account: str = "300/5minutes"
    write_limit_per_ip: str = "1500/5minutes"
    # Where limits are counted across servers (redis://…); empty counts in each process.
    redis_url: str = ""
    # The UserNewsFeed store: "sql" (a table on each reader's shard) or a redis:// URL.
    feed_url: str = "sql"
    # Live events between server processes: a redis:// URL, or empty to pass them through
    # the directory database (an event log on SQLite, LISTEN/NOTIFY on PostgreSQL).
    events_url: str = ""
    # Prefix of every Redis key and channel, so several instances can share one Redis.
    redis_prefix: str = "photofeed"
    # Run the outbox workers inside each server process (the embedded default); at scale,
    # run `photofeed worker` processes instead and turn this off.
    inprocess_workers: bool = True
    # How feeds are built: push (fan-out on write), pull (at read), or hybrid.
    fanout: Literal["push", "pull", "hybrid"] = "hybrid"
    celebrity_followers: int = Field(default=10_000, ge=1)
    inactive_days: int = Field(default=30, ge=1)
    feed_cap: int = Field(default=800, ge=20)
    # A worker that dies holding events releases them after this long.
    outbox_lease_seconds: float = Field(default=10.0, gt=0)
    # Argon2 parameters; the defaults follow the library's recommendation.
    password_time_cost: int = Field(default=3, ge=1)
    password_memory_kib: int = Field(default=65536, ge=8)
    # Media limits; over them an upload is refused with 413 (bytes, pixels) or 422 (length).
    max_photo_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    max_video_bytes: int = Field(default=200 * 1024 * 1024, ge=1024)
    max_video_seconds: float = Field(default=600.0, gt=0)
    max_pixels: int = Field(default=50_000_000, ge=1)
    # Signs the expiring URLs of media that is not public. Unset: one is made on first start
    # and kept in data_dir/secret_key, which every process of the install then shares.
    secret_key: str = Field(default="", repr=False)
    # How long a signed media URL stays valid, at least; URLs are stable within this window
    # so browsers can cache them.
    media_url_ttl_seconds: int = Field(default=3600, ge=60)
    # Where media files live: empty (or "file:") for data_dir/media, or an S3-compatible
    # bucket, s3://BUCKET[/PREFIX]?endpoint=http://host:port&region=NAME (docs/media.md).
    media_url: str = ""
    # S3 credentials; unset, the standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and
    # AWS_SESSION_TOKEN) variables are used.
    s3_access_key: str = Field(default="", repr=False)
    s3_secret_key: str = Field(default="", repr=False)
    # Upload quotas per account, in bytes (0: none). Stored bytes are what the account's
    # uploads take on disk, given back when they are deleted (413 past it); the daily
    # quota counts bytes uploaded per UTC day, deleted or not (429 past it).
    storage_quota_bytes: int = Field(default=10 * 1024**3, ge=0)
    daily_upload_quota_bytes: int = Field(default=2 * 1024**3, ge=0)
    # On SIGTERM a server stops accepting and finishes the requests in flight; past this
    # many seconds, what still runs (open event streams) is cut and clients reconnect.
    shutdown_grace_seconds: int = Field(default=30, ge=1)
    # A comment line on quiet event streams this often keeps proxies from closing them.
    stream_heartbeat_seconds: float = Field(default=15.0, gt=0)
    # /metrics counts the outbox and the feed store at most this often (a query per
    # database each); scrapes in between show the last count.
    metrics_sample_seconds: float = Field(default=30.0, ge=0)
    # Unposted uploads are deleted after this long.
    unattached_media_hours: float = Field(default=24.0, gt=0)

    @field_validator("data_dir")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("media_url")
    @classmethod
    def _check_media_url(cls, value: str) -> str:
        parse_media_url(value)  # a MediaUrlError (a ValueError) says what is wrong
        return value

    @property
    def media_location(self) -> S3Location | None:
        """The S3 bucket media is kept in, or None for the local data directory."""
        return parse_media_url(self.media_url)

    @property
    def database_urls(self) -> list[str]:
        """The physical databases, in shard-range order."""
        urls = [u.strip() for u in self.database_url.split(",") if u.strip()]
        return urls or [f"sqlite:///{self.data_dir / 'photofeed.sqlite3'}"]

    @property
    def media_dir(self) -> Path:
        """Where uploads live: private blobs, and the public copies served without a lookup."""
        return self.data_dir / "media"

    @property
    def secret_key_file(self) -> Path:
        return self.data_dir / "secret_key"

    @property
    def base_url(self) -> str:
        """The URL people reach this instance at, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    @property
    def domain(self) -> str:
        return self.base_url.split("://", 1)[-1].split("/", 1)[0]
