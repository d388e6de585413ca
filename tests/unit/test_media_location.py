"""PHOTOFEED_MEDIA_URL: the local directory by default, an S3 bucket by URL, bad URLs refused
while the settings load, with a message that says what to fix."""

import pytest
from pydantic import ValidationError

from photofeed.config import Settings
from photofeed.media_location import S3Location, parse_media_url


def test_the_local_directory_is_the_default() -> None:
    assert Settings().media_location is None
    assert parse_media_url("file:") is None


def test_a_bucket_with_endpoint_region_and_prefix() -> None:
    settings = Settings(media_url="s3://photos/site-a/?endpoint=http://127.0.0.1:8333"
                                  "&region=eu-west-1")
    assert settings.media_location == S3Location(bucket="photos", prefix="site-a",
                                                 endpoint="http://127.0.0.1:8333",
                                                 region="eu-west-1")
    assert settings.media_location.describe() == "s3://photos/site-a at http://127.0.0.1:8333"
    assert parse_media_url("s3://photos") == S3Location(bucket="photos")


@pytest.mark.parametrize(("url", "complaint"), [
    ("/var/media", "must be empty, 'file:' or s3://"),
    ("gs://photos", "must be empty, 'file:' or s3://"),
    ("s3://", "not a valid bucket name"),
    ("s3://Photos", "not a valid bucket name"),
    ("s3://ph", "not a valid bucket name"),
    ("s3://photos_2026", "not a valid bucket name"),
    ("s3://key:secret@photos", "must not hold credentials"),
    ("s3://photos/../other", "bad prefix"),
    ("s3://photos?endpiont=http://x", "unknown option(s) ['endpiont']"),
    ("s3://photos?endpoint=127.0.0.1:8333", "endpoint must be an http(s) URL"),
    ("s3://photos?endpoint=http://127.0.0.1:99999", "endpoint must be an http(s) URL"),
])
def test_bad_urls_are_refused_with_the_reason(url: str, complaint: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(media_url=url)
    assert complaint in str(refused.value)


def test_credentials_never_show_in_the_settings_repr() -> None:
    settings = Settings(media_url="s3://photos", s3_access_key="AKIDEXAMPLE",
                        s3_secret_key="wJalrXUtnFEMI")
    assert "wJalrXUtnFEMI" not in repr(settings)
    assert "AKIDEXAMPLE" not in repr(settings)
