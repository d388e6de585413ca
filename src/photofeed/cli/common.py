"""What every command shares: settings from flags and environment."""

from __future__ import annotations

import argparse
from typing import Any

from photofeed.config import Settings


def settings_from(args: argparse.Namespace) -> Settings:
    """Flags override PHOTOFEED_* variables, which override the defaults."""
    overrides: dict[str, Any] = {key: value for key, value in vars(args).items()
                                 if value is not None and key in Settings.model_fields}
    return Settings(**overrides)
