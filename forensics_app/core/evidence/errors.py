"""Why a file cannot be taken in as evidence, in words the analyst can act on.

Every failure a user can cause while an image is read or decoded ends as one of these
errors, never as a raw Pillow or OS exception, so the GUI can show it and the CLI print
it as it stands.  The functions at the end turn Pillow's own failures into them; they
look at the file's first bytes only to word the message better.
"""

from __future__ import annotations

import os
from typing import Any

from forensics_app.core.evidence.formats import ACCEPTED_WORDS

__all__ = [
    "EmptyFileError",
    "EvidenceError",
    "ImageTooLargeError",
    "ModeConversionError",
    "NotAnImageError",
    "TruncatedImageError",
    "UnreadableFileError",
    "UnsupportedImageError",
    "decode_error",
    "unidentified_error",
]

# First bytes of common files, used only to word an error message helpfully.
_IMAGE_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
)
_OTHER_SIGNATURES = (
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Office document)"),
    (b"<!DOCTYPE html", "an HTML page"),
    (b"<html", "an HTML page"),
    (b"<?xml", "an XML or SVG file"),
    (b"<svg", "an SVG vector drawing"),
    (b"%!", "a PostScript/EPS program, which is not accepted"),
    (b"\xc5\xd0\xd3\xc6", "a PostScript/EPS program, which is not accepted"),
)

_SUPPORTED_WORDS = ACCEPTED_WORDS

_TRUNCATION_HINTS = (
    "truncat", "broken data stream", "unexpected end", "not enough data",
    "buffer is not large enough", "premature end", "incomplete", "broken png",
    "image data is incomplete",
)


class EvidenceError(Exception):
    """A file that cannot be taken in as evidence, with the reason in plain words.

    ``reason`` is written for the analyst: what is wrong and, where possible, what to do.
    Every subclass can be rebuilt from ``(path, reason)`` so the error survives pickling
    (worker processes) unchanged.
    """

    def __init__(self, path: str | os.PathLike[str], reason: str) -> None:
        super().__init__(str(path), reason)
        self.path = str(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.path, self.reason), self.__dict__)


class FileChangedError(EvidenceError):
    """The file at a path no longer holds the bytes recorded for it (at intake, at enrolment)."""


class EmptyFileError(EvidenceError):
    """The file has zero bytes (an interrupted download or copy, usually)."""


class TruncatedImageError(EvidenceError):
    """The image data ends early or is damaged, so the pixels cannot all be decoded."""


class NotAnImageError(EvidenceError):
    """Pillow does not recognise the file as an image at all (text, PDF, renamed file)."""


class UnsupportedImageError(EvidenceError):
    """The image was recognised but cannot be decoded or converted to RGB."""


class ImageTooLargeError(EvidenceError):
    """The image has more pixels than the configured limit against decompression bombs."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        reason: str,
        *,
        width: int | None = None,
        height: int | None = None,
        max_pixels: int | None = None,
    ) -> None:
        super().__init__(path, reason)
        self.width = width
        self.height = height
        self.max_pixels = max_pixels


class UnreadableFileError(EvidenceError):
    """The path cannot be read: missing, a folder, no permission, or an OS error."""

class ModeConversionError(Exception):
    """A mode Pillow cannot turn into RGB; :func:`decode_error` words it as unsupported."""

    def __init__(self, mode: str, detail: str) -> None:
        super().__init__(f"Pillow cannot convert mode {mode} to RGB ({detail})")
        self.mode = mode


# --------------------------------------------------------------------------- worded from Pillow's failures


def _sniff(data: bytes) -> tuple[str | None, str | None]:
    """(image format, other kind) that the first bytes suggest, for clearer messages."""
    head = data[:64]
    for signature, name in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            return name, None
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "WebP", None
    stripped = head.lstrip()
    for signature, kind in _OTHER_SIGNATURES:
        if stripped[: len(signature)].lower() == signature.lower():
            return None, kind
    if head and all(32 <= b < 127 or b in (9, 10, 13) for b in head):
        return None, "a text file"
    return None, None


def unidentified_error(path: str, data: bytes) -> EvidenceError:
    """A file Pillow does not recognise: damaged image, or not an image at all."""
    image_format, other = _sniff(data)
    if image_format is not None:
        return TruncatedImageError(
            path,
            f"the file starts like a {image_format} image but its header cannot be read, "
            "so it is truncated or damaged; obtain a complete copy of the file",
        )
    looks_like = f" (it looks like {other})" if other else ""
    return NotAnImageError(
        path,
        f"this is not an image file that can be read{looks_like}; only {_SUPPORTED_WORDS} "
        "images can be analysed. If it was renamed, check where it came from",
    )


_TRUNCATION_HINTS = (
    "truncat", "broken data stream", "unexpected end", "not enough data",
    "buffer is not large enough", "premature end", "incomplete", "broken png",
    "image data is incomplete",
)


def decode_error(path: str, exc: BaseException) -> EvidenceError:
    """Classify a Pillow decoding failure as truncation or as an unsupported image."""
    if isinstance(exc, ModeConversionError):
        return UnsupportedImageError(
            path,
            f"{exc}; export a PNG or JPEG copy with another program (keeping the "
            "original) and analyse the copy",
        )
    message = str(exc) or type(exc).__name__
    lowered = message.lower()
    if isinstance(exc, EOFError) or any(hint in lowered for hint in _TRUNCATION_HINTS):
        return TruncatedImageError(
            path,
            f"the image data ends early or is damaged (Pillow: {message}); the file is "
            "incomplete or corrupted, for example by an interrupted download or copy; "
            "obtain an intact copy",
        )
    if "decoder" in lowered or "not supported" in lowered or "unknown" in lowered:
        return UnsupportedImageError(
            path,
            f"the image uses a feature this installation cannot decode (Pillow: "
            f"{message}); export a PNG copy with another program (keeping the original) "
            "and analyse the copy",
        )
    return TruncatedImageError(
        path,
        f"the image data is damaged and cannot be decoded (Pillow: {message}); obtain "
        "an intact copy of the file",
    )
