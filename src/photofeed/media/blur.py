"""Blurhash placeholders: a ~30-character string a client paints while the photo loads."""

import blurhash  # type: ignore[import-untyped]  # pure-Python package without type hints
from PIL import Image

# Encoding cost grows with pixels x components, so hash a tiny copy: 20 px is plenty for
# 4x3 cosine components and keeps the pure-Python encoder near 4 ms.
_HASH_SIDE = 20
_BACKGROUND = (255, 255, 255)


def blurhash_of(image: Image.Image) -> str:
    """Return the blurhash of an RGB or RGBA image (4x3 components, 3x4 when portrait)."""
    tiny = image.copy()
    tiny.thumbnail((_HASH_SIDE, _HASH_SIDE), Image.Resampling.BOX)
    if tiny.mode != "RGB":
        # Transparent parts show the page behind them; assume a white page.
        flat = Image.new("RGB", tiny.size, _BACKGROUND)
        flat.paste(tiny, mask=tiny.getchannel("A") if "A" in tiny.getbands() else None)
        tiny = flat
    width, height = tiny.size
    data = tiny.tobytes()
    rows = [
        [data[i : i + 3] for i in range(row * width * 3, (row + 1) * width * 3, 3)]
        for row in range(height)
    ]
    x_components, y_components = (4, 3) if width >= height else (3, 4)
    return str(blurhash.encode(rows, x_components, y_components))
