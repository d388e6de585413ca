"""Photos for the browser tests, made on the spot."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageDraw


def sunset_jpeg(width: int = 900, height: int = 675, *, noisy: bool = True) -> bytes:
    """A sunset; with noise it is a few hundred kB, so an upload takes visible time."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=(int(40 + 215 * t), int(20 + 110 * t), 90))
    draw.ellipse([width // 2 - 80, height // 2 - 80, width // 2 + 80, height // 2 + 80],
                 fill=(255, 210, 120))
    if noisy:
        rng = random.Random(5)
        pixels = image.load()
        assert pixels is not None
        for _ in range(width * height // 3):
            x, y = rng.randrange(width), rng.randrange(height)
            r, g, b = pixels[x, y]  # type: ignore[misc]
            shift = rng.randint(-40, 40)
            pixels[x, y] = (max(0, min(255, r + shift)), max(0, min(255, g + shift)), b)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()
