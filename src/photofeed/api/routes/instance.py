"""Instance metadata: clients read it first, so it must answer whatever else is down."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from photofeed import __version__
from photofeed.api.deps import BaseUrl, Services

router = APIRouter()
# What client libraries compare against when deciding which endpoints exist.
MASTODON_COMPAT_VERSION = "4.5.0"
MAX_MEDIA_ATTACHMENTS = 10
MEDIA_DESCRIPTION_LIMIT = 1500  # Mastodon's; alt text longer than this is refused there


def _version() -> str:
    return f"{MASTODON_COMPAT_VERSION} (compatible; photofeed {__version__})"


def _configuration(base_url: str) -> dict[str, Any]:
    return {
        "urls": {"streaming": _streaming(base_url)},
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 5},
        "statuses": {"max_characters": 2200, "max_media_attachments": MAX_MEDIA_ATTACHMENTS,
                     "characters_reserved_per_url": 23},
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/webp", "image/gif",
                                     "image/heic", "image/heif", "video/mp4", "video/quicktime",
                                     "video/webm"],
            "image_size_limit": 16 * 1024 * 1024,
            "image_matrix_limit": 50_000_000,
            "video_size_limit": 200 * 1024 * 1024,
            "video_frame_rate_limit": 120,
            "video_matrix_limit": 8_294_400,
            "description_limit": MEDIA_DESCRIPTION_LIMIT,
        },
        "polls": {"max_options": 0, "max_characters_per_option": 0,
                  "min_expiration": 0, "max_expiration": 0},
        "translation": {"enabled": False},
    }


def _configuration_v2(base_url: str) -> dict[str, Any]:
    """What /api/v2/instance adds: clients of the version we claim read every key."""
    # No public, hashtag or link timelines exist here: say so rather than let clients try.
    no_feeds = {"local": "disabled", "remote": "disabled"}
    return {
        "urls": {"streaming": _streaming(base_url), "status": None, "about": base_url,
                 "privacy_policy": None, "terms_of_service": None},
        "vapid": {"public_key": ""},
        "limited_federation": False,
        "timelines_access": {"live_feeds": no_feeds, "hashtag_feeds": no_feeds,
                             "trending_link_feeds": no_feeds},
    }


def _streaming(base_url: str) -> str:
    return base_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


@router.get("/api/v1/instance")
async def instance_v1(services: Services, base_url: BaseUrl) -> dict[str, Any]:
    settings = services.settings
    return {
        "uri": base_url.split("://", 1)[-1],
        "title": settings.instance_title,
        "short_description": settings.instance_description,
        "description": settings.instance_description,
        "email": settings.contact_email,
        "version": _version(),
        "urls": {"streaming_api": _streaming(base_url)},
        "stats": {"user_count": 0, "status_count": 0, "domain_count": 0},
        "thumbnail": None,
        "languages": ["en"],
        "registrations": settings.registrations_open,
        "approval_required": False,
        "invites_enabled": False,
        "configuration": _configuration(base_url),
        "contact_account": None,
        "rules": [],
    }


@router.get("/api/v2/instance")
async def instance_v2(services: Services, base_url: BaseUrl) -> dict[str, Any]:
    settings = services.settings
    return {
        "domain": base_url.split("://", 1)[-1],
        "title": settings.instance_title,
        "version": _version(),
        "source_url": base_url,
        "description": settings.instance_description,
        "usage": {"users": {"active_month": 0}},
        "thumbnail": {"url": f"{base_url}/static/avatar.png"},
        "icon": [],
        "languages": ["en"],
        "configuration": _configuration(base_url) | _configuration_v2(base_url),
        "registrations": {"enabled": settings.registrations_open, "approval_required": False,
                          "message": None, "url": None, "min_age": None,
                          "reason_required": False},
        "api_versions": {"mastodon": 6},
        "contact": {"email": settings.contact_email, "account": None},
        "rules": [],
    }
