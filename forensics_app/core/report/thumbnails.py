"""The small picture of each exhibit that lets a reader tell the exhibits apart at a glance.

A thumbnail is made only from pixels decoded from a file that still holds the bytes
analysed at intake, so the picture printed is the picture analysed; for any other file
the report prints a placeholder saying why there is none.  Thumbnails are JPEG: at this
size a PNG of a photograph costs ten times the bytes and shows nothing more.
"""

from __future__ import annotations

import io

import numpy as np

#: Longest side of a thumbnail in pixels: sharp at the 52 pt the report prints it at.
THUMBNAIL_PIXELS = 100


def thumbnail_jpeg(pixels: np.ndarray, size: int = THUMBNAIL_PIXELS) -> bytes:
    """An RGB uint8 image scaled down (never up) to `size` on its longest side, as JPEG."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(pixels[..., :3]).astype(np.uint8, copy=False))
    image.thumbnail((size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()
