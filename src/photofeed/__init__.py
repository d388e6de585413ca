"""photofeed: self-hostable photo and video sharing with a pre-generated News Feed."""

__version__ = "0.1.0"
