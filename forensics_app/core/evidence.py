"""Safe intake of image files as forensic evidence.

Everything the program concludes about an image rests on two things: that the pixels it
analysed are the pixels in the file, and that the file itself was never altered.  This
module is the only place where image files are read, so both guarantees live here:

* The file is opened read-only (``'rb'``), read exactly once, and never written.  The
  SHA-256 and MD5 are computed from those same bytes, and Pillow decodes the in-memory copy
  (``io.BytesIO``), so the hash in the report is the hash of the bytes that were analysed.
* The pixel count is checked from the header *before* any pixel is decoded, against a
  configurable limit (``DEFAULT_MAX_PIXELS``), so a small file that claims to be enormous
  (a decompression bomb) is refused without allocating its memory.  Our limit governs, not
  Pillow's process-wide ``Image.MAX_IMAGE_PIXELS``: that global is only changed under a
  lock for the duration of one decode and is always restored.
* Every failure a user can cause becomes a specific :class:`EvidenceError` subclass whose
  ``reason`` says what went wrong and what to do; no raw Pillow or OS error escapes
  :func:`open_evidence`.  Truncated files are refused, never padded
  (``ImageFile.LOAD_TRUNCATED_IMAGES`` is left alone).

THE rule for turning any decoded image into RGB uint8 pixels (``H x W x 3``)
---------------------------------------------------------------------------
The fingerprint is a trace of the values the generator wrote, so stored values are kept
wherever a faithful RGB reading exists, and every conversion is recorded in ``notes``.

==========================  ===========================================================
Pillow mode                 What is done
==========================  ===========================================================
``RGB``                     kept as is.  (Pillow already reduces 16-bit RGB PNGs to
                            8 bits by keeping the high byte; this is noted.)
``1``                       black/white expanded to 0/255 in three channels.
``L``                       the grey value copied to R, G and B.
``P`` (palette)             looked up in the palette; if the palette or the file
                            declares transparency, looked up via RGBA and the alpha
                            channel then dropped as below.
``RGBA``, ``LA``, ``PA``,   alpha dropped; the colour values are kept exactly as stored
``RGBa``, ``La``            (not composited over a background), since that is what the
                            generator wrote.  The note says how many pixels were not
                            fully opaque.
``RGBX``                    the padding channel dropped.
``I;16``, ``I;16B``,        16-bit samples scaled to 8 bits as ``round(v / 257)``, so
``I;16L``, ``I;16N``, ``I``  65535 -> 255 and 257 -> 1 (``I`` is clipped to 0..65535
                            first, with a note if anything was clipped).
``F`` (float)               if the largest finite value is <= 1: ``clip(v, 0, 1) * 255``;
                            otherwise ``clip(v, 0, 255)``; rounded; NaN becomes 0.
``CMYK``, ``YCbCr``,        Pillow's own ``convert("RGB")``.  For CMYK this ignores any
``LAB``, ``HSV``, others    ICC profile, so colours are approximate (noted).
==========================  ===========================================================

ICC profiles are recorded (``has_icc_profile``) but never applied: colour management would
change the stored values that carry the generator's trace.  The EXIF orientation is applied
(``PIL.ImageOps.exif_transpose``) so that width, height and every view match what the
analyst sees in any other viewer.  Of an animated or multi-page file only the first frame is
analysed, and the note gives the frame count.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import stat
import threading
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "IMAGE_EXTENSIONS",
    "EmptyFileError",
    "EvidenceError",
    "EvidenceImage",
    "ImageTooLargeError",
    "NotAnImageError",
    "TruncatedImageError",
    "UnreadableFileError",
    "UnsupportedImageError",
    "iter_image_files",
    "open_evidence",
]

#: Largest image (width x height) decoded unless the caller raises the limit.  80 MP is
#: far above any generator's output and any camera's, yet small enough (about 240 MB as
#: RGB) that a desktop machine survives decoding it.
DEFAULT_MAX_PIXELS = 80_000_000

#: Extensions picked up when a *folder* is scanned (files named explicitly are always
#: taken).  Only formats that Pillow in this installation can read are listed, so a scan
#: never collects files that are certain to be rejected.
_CANDIDATE_EXTENSIONS = (
    ".png", ".apng", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".gif", ".bmp",
    ".tif", ".tiff", ".avif", ".heic", ".heif",
)


def _readable_extensions() -> tuple[str, ...]:
    """The candidate extensions that Pillow has a reader registered for."""
    Image.init()
    registered = Image.registered_extensions()
    readable = {ext for ext, fmt in registered.items() if fmt in Image.OPEN}
    return tuple(ext for ext in _CANDIDATE_EXTENSIONS if ext in readable)


IMAGE_EXTENSIONS: tuple[str, ...] = _readable_extensions()

#: Longest EXIF value kept: EXIF is for the analyst to read, not an archive of the file.
_MAX_EXIF_CHARS = 200
#: Longest text chunk kept (PNG "parameters" of a diffusion UI can hold a long prompt).
_MAX_TEXT_CHARS = 4000
#: Bytes shown (as hex) of a binary EXIF value that is not readable text.
_MAX_EXIF_HEX_BYTES = 32

# EXIF tags that describe the file's layout rather than the picture; their values are
# offsets or long tuples that mean nothing to an analyst.
_SKIPPED_EXIF_TAGS = frozenset({
    "ExifOffset", "GPSInfo", "InteropOffset", "MakerNote", "StripOffsets",
    "StripByteCounts", "TileOffsets", "TileByteCounts", "JpegIFOffset",
    "JpegIFByteCount", "PrintImageMatching", "XMLPacket", "IPTCNAA", "ImageResources",
    "InterColorProfile",
})

# Keys in ``Image.info`` that hold structure, not text written by a person or a tool.
_NON_TEXT_INFO_KEYS = frozenset({
    "icc_profile", "exif", "transparency", "dpi", "gamma", "aspect", "interlace",
    "progression", "progressive", "jfif", "jfif_version", "jfif_unit", "jfif_density",
    "adobe", "adobe_transform", "version", "background", "loop", "duration", "disposal",
    "blend", "bbox", "default_image", "compression", "srgb", "chromaticity",
})

_ORIENTATION_TAG = 0x0112
_ORIENTATION_WORDS = {
    2: "mirrored left to right",
    3: "rotated 180 degrees",
    4: "mirrored top to bottom",
    5: "transposed (mirrored and rotated 90 degrees)",
    6: "rotated 90 degrees clockwise",
    7: "transversed (mirrored and rotated 90 degrees)",
    8: "rotated 90 degrees counter-clockwise",
}

_SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})

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
)

_SUPPORTED_WORDS = "PNG, JPEG, WebP, GIF, BMP or TIFF"

# Pillow's decompression-bomb limit is one process-wide variable; this lock makes our
# temporary change of it atomic with respect to every other intake in this process.
_PILLOW_LIMIT_LOCK = threading.Lock()


# --------------------------------------------------------------------------- errors


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


# --------------------------------------------------------------------------- the record


@dataclass(frozen=True, eq=False)
class EvidenceImage:
    """One image taken in as evidence: its identity, its metadata and its RGB pixels.

    ``pixels`` is ``None`` in a copy made by :meth:`without_pixels`; callers keep such
    copies for long lists of images, where the metadata is small and the pixels are not.
    """

    path: str
    sha256: str
    md5: str
    size_bytes: int
    format: str
    width: int
    height: int
    mode: str
    exif: dict[str, str] = field(default_factory=dict)
    has_icc_profile: bool = False
    frames: int = 1
    notes: list[str] = field(default_factory=list)
    pixels: np.ndarray | None = None
    text_metadata: dict[str, str] = field(default_factory=dict)

    def without_pixels(self) -> EvidenceImage:
        """A copy with the same metadata and no pixels, to keep without the memory."""
        return dataclasses.replace(
            self,
            exif=dict(self.exif),
            notes=list(self.notes),
            text_metadata=dict(self.text_metadata),
            pixels=None,
        )

    def metadata_dict(self) -> dict[str, Any]:
        """Everything but the pixels, as plain JSON-ready values (for cases and reports)."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "md5": self.md5,
            "size_bytes": self.size_bytes,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "mode": self.mode,
            "exif": dict(self.exif),
            "text_metadata": dict(self.text_metadata),
            "has_icc_profile": self.has_icc_profile,
            "frames": self.frames,
            "notes": list(self.notes),
        }

    @classmethod
    def from_metadata_dict(cls, data: dict[str, Any]) -> EvidenceImage:
        """Rebuild a pixel-less record from :meth:`metadata_dict` (a reopened case)."""
        return cls(
            path=str(data["path"]),
            sha256=str(data["sha256"]),
            md5=str(data["md5"]),
            size_bytes=int(data["size_bytes"]),
            format=str(data["format"]),
            width=int(data["width"]),
            height=int(data["height"]),
            mode=str(data["mode"]),
            exif={str(k): str(v) for k, v in dict(data.get("exif", {})).items()},
            has_icc_profile=bool(data.get("has_icc_profile", False)),
            frames=int(data.get("frames", 1)),
            notes=[str(n) for n in data.get("notes", [])],
            text_metadata={
                str(k): str(v) for k, v in dict(data.get("text_metadata", {})).items()
            },
            pixels=None,
        )


# --------------------------------------------------------------------------- intake


def open_evidence(
    path: str | os.PathLike[str], max_pixels: int = DEFAULT_MAX_PIXELS
) -> EvidenceImage:
    """Read one image file as evidence, without ever modifying it.

    Raises a specific :class:`EvidenceError` subclass for every file that cannot be taken
    in; ``ValueError`` only for a ``max_pixels`` that is not a positive integer (a bug in
    the caller, not a property of the file).
    """
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
        raise ValueError(f"max_pixels must be a positive integer, not {max_pixels!r}")
    abs_path = os.path.abspath(os.fspath(path))
    data = _read_bytes(abs_path)
    if not data:
        raise EmptyFileError(
            abs_path,
            "the file is empty (0 bytes), usually an interrupted download or copy; "
            "obtain the file again from its source",
        )
    decoded = _decode(abs_path, data, max_pixels)
    pixels = decoded.pixels
    return EvidenceImage(
        path=abs_path,
        sha256=hashlib.sha256(data).hexdigest(),
        md5=hashlib.md5(data).hexdigest(),
        size_bytes=len(data),
        format=decoded.format,
        width=int(pixels.shape[1]),
        height=int(pixels.shape[0]),
        mode=decoded.mode,
        exif=decoded.exif,
        has_icc_profile=decoded.has_icc_profile,
        frames=decoded.frames,
        notes=decoded.notes,
        pixels=pixels,
        text_metadata=decoded.text_metadata,
    )


def _read_bytes(path: str) -> bytes:
    """All bytes of the file, read once in read-only mode; OS failures made specific."""
    if os.path.isdir(path):
        raise UnreadableFileError(
            path,
            "this is a folder, not a file; add the folder itself to scan the images in "
            "it, or choose the image files inside it",
        )
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise UnreadableFileError(
            path, "no such file; check the path, or whether the file was moved or deleted"
        ) from None
    except IsADirectoryError:
        raise UnreadableFileError(path, "this is a folder, not a file") from None
    except PermissionError:
        raise UnreadableFileError(
            path,
            "permission denied; ask for read access to the file, or work on a copy "
            "that you can read",
        ) from None
    except OSError as exc:
        raise UnreadableFileError(
            path, f"the operating system could not read the file ({exc.strerror or exc})"
        ) from None


@dataclass
class _Decoded:
    """What :func:`_decode` learns from the bytes; hashing is done by the caller."""

    format: str
    mode: str
    frames: int
    exif: dict[str, str]
    text_metadata: dict[str, str]
    has_icc_profile: bool
    notes: list[str]
    pixels: np.ndarray


def _decode(path: str, data: bytes, max_pixels: int) -> _Decoded:
    """Decode the first frame to RGB under our pixel limit; every failure made specific."""
    notes: list[str] = []
    with _pillow_limits(max_pixels) as caught:
        try:
            decoded = _decode_unguarded(path, data, max_pixels, notes)
        except EvidenceError:
            raise
        except Image.DecompressionBombError as exc:
            raise ImageTooLargeError(
                path,
                f"Pillow found a frame or tile too large to decode safely ({exc}); "
                "raise the limit in Settings or with --max-pixels if you trust this file",
                max_pixels=max_pixels,
            ) from None
        except UnidentifiedImageError:
            raise _unidentified_error(path, data) from None
        except MemoryError:
            raise UnsupportedImageError(
                path,
                "not enough memory to decode this image; close other programs or lower "
                "the number of images processed at once",
            ) from None
        except (_UnsupportedMode, OSError, EOFError, SyntaxError) as exc:
            raise _decode_error(path, exc) from None
        except Exception as exc:  # Pillow plugins raise many types on malformed files.
            raise UnsupportedImageError(
                path,
                f"the image could not be decoded ({type(exc).__name__}: {exc}); the file "
                "may be damaged, or export a PNG copy with another program (keeping the "
                "original) and analyse the copy",
            ) from None
    decoded.notes.extend(_warning_notes(caught))
    return decoded


@contextmanager
def _pillow_limits(max_pixels: int) -> Iterator[list[warnings.WarningMessage]]:
    """Let our limit, not Pillow's global one, decide what is too large.

    Pillow checks sizes against the process-wide ``Image.MAX_IMAGE_PIXELS`` (a warning
    above it, ``DecompressionBombError`` above twice it).  Under a lock we set it to our
    limit, silence its warning (our own check is the one that reports) and restore the
    previous value afterwards, so nothing leaks to other users of Pillow.  Other warnings
    raised while decoding are collected and returned so that they can become notes.
    """
    with _PILLOW_LIMIT_LOCK:
        previous = Image.MAX_IMAGE_PIXELS
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                Image.MAX_IMAGE_PIXELS = max_pixels
                yield caught
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def _decode_unguarded(path: str, data: bytes, max_pixels: int, notes: list[str]) -> _Decoded:
    """The decoding steps in order; errors are classified by the caller."""
    image = _open_header(data)
    _check_size(path, image.size, max_pixels)
    fmt = image.format or "unknown"
    frames = _count_frames(image)
    if frames > 1:
        image.seek(0)
        notes.append(f"{_animation_word(fmt)} with {frames} frames: first frame analysed")
    notes.extend(_bit_depth_notes(image))  # before load(), which empties image.tile
    image.load()
    original_mode = image.mode
    if fmt == "PNG":
        notes.extend(_png_integrity_notes(data))
    exif, orientation, exif_notes = _read_exif(image)
    notes.extend(exif_notes)
    has_icc = bool(image.info.get("icc_profile"))
    if has_icc:
        notes.append("ICC profile present: colour values kept as stored, not colour-managed")
    text_metadata = _read_text_metadata(image.info)
    image = _apply_orientation(image, orientation, notes)
    pixels = _to_rgb(image, notes)
    return _Decoded(
        format=fmt,
        mode=original_mode,
        frames=frames,
        exif=exif,
        text_metadata=text_metadata,
        has_icc_profile=has_icc,
        notes=notes,
        pixels=pixels,
    )


def _open_header(data: bytes) -> Image.Image:
    """Parse only the header, with Pillow's own size check off (ours follows at once).

    Pillow would otherwise refuse a large header before we learn its width and height,
    and the user would get a message without the numbers needed to decide.  Opening
    allocates no pixel memory; the limit is restored before anything is decoded.
    """
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        return Image.open(io.BytesIO(data))
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def _check_size(path: str, size: tuple[int, int], max_pixels: int) -> None:
    """Refuse an image above the limit before a single pixel is decoded."""
    width, height = size
    if width * height > max_pixels:
        raise ImageTooLargeError(
            path,
            f"{width} x {height} = {_describe_pixels(width * height, max_pixels)} "
            "set against decompression bombs; raise the limit in Settings or with "
            "--max-pixels if you trust this file",
            width=width,
            height=height,
            max_pixels=max_pixels,
        )


def _describe_pixels(pixels: int, limit: int) -> str:
    """'400.0 MP exceeds the limit of 80.0 MP', exact counts where MP would look equal."""
    size, cap = f"{pixels / 1e6:.1f} MP", f"{limit / 1e6:.1f} MP"
    if size == cap or limit < 1_000_000:
        size, cap = f"{pixels:,} pixels", f"{limit:,} pixels"
    return f"{size} exceeds the limit of {cap}"


def _count_frames(image: Image.Image) -> int:
    """Number of frames or pages; Pillow's single-frame formats have no ``n_frames``."""
    return max(1, int(getattr(image, "n_frames", 1) or 1))


def _animation_word(fmt: str) -> str:
    """How an analyst would name a multi-frame file of this format."""
    return {
        "GIF": "animated GIF",
        "PNG": "animated PNG",
        "WEBP": "animated WebP",
        "TIFF": "multi-page TIFF",
        "MPO": "multi-picture JPEG (MPO)",
    }.get(fmt, f"multi-frame {fmt}")


def _png_integrity_notes(data: bytes) -> list[str]:
    """Check every PNG chunk and its CRC, which decoding the pixels alone does not.

    A PNG cut after its pixel data still decodes completely; the pixels are then sound,
    so the file is analysed, but the analyst is told the file is incomplete or damaged.
    """
    try:
        Image.open(io.BytesIO(data)).verify()
    except Exception as exc:  # verify() raises several types for a damaged file.
        return [
            f"PNG integrity check failed ({exc}): the pixels decoded completely, but the "
            "file is incomplete or damaged after them"
        ]
    return []


def _read_exif(image: Image.Image) -> tuple[dict[str, str], int, list[str]]:
    """Readable EXIF tags by name, the orientation value, and notes on any problem."""
    try:
        exif = image.getexif()
        merged: dict[int, Any] = dict(exif)
        for ifd in (ExifTags.IFD.Exif, ExifTags.IFD.GPSInfo):
            if ifd in exif:
                merged.update(exif.get_ifd(ifd))
    except Exception as exc:  # A malformed EXIF block must not cost the pixels.
        return {}, 1, [f"EXIF block could not be read ({exc}); EXIF ignored"]
    orientation = merged.get(_ORIENTATION_TAG, 1)
    tags: dict[str, str] = {}
    for tag, value in merged.items():
        name = ExifTags.TAGS.get(tag) or ExifTags.GPSTAGS.get(tag) or f"Tag0x{tag:04X}"
        if name in _SKIPPED_EXIF_TAGS:
            continue
        text = _exif_value_text(value)
        if text:
            tags[name] = text
    try:
        orientation = int(orientation)
    except (TypeError, ValueError):
        orientation = 0
    return tags, orientation, []


def _exif_value_text(value: Any) -> str:
    """A short readable string for an EXIF value; binary values as trimmed hex."""
    if isinstance(value, bytes):
        return _bytes_text(value)
    if isinstance(value, tuple):
        text = ", ".join(_exif_value_text(v) for v in value)
    else:
        text = str(value)
    return _trim(text.replace("\x00", "").strip(), _MAX_EXIF_CHARS)


def _bytes_text(value: bytes) -> str:
    """Readable ASCII as text (e.g. a UserComment), anything else as trimmed hex."""
    if value.startswith(b"ASCII\x00\x00\x00"):  # EXIF character-code prefix
        value = value[8:]
    stripped = value.rstrip(b"\x00").strip()
    if not stripped:
        return ""
    if all(32 <= b < 127 or b in (9, 10, 13) for b in stripped):
        return _trim(stripped.decode("ascii"), _MAX_EXIF_CHARS)
    shown = stripped[:_MAX_EXIF_HEX_BYTES].hex()
    if len(stripped) > _MAX_EXIF_HEX_BYTES:
        return f"0x{shown}... ({len(stripped)} bytes)"
    return f"0x{shown}"


def _trim(text: str, limit: int) -> str:
    """Cut long text, saying how long it was, so nothing looks complete that is not."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters in all)"


def _read_text_metadata(info: dict[str, Any]) -> dict[str, str]:
    """Text the file carries besides EXIF: PNG text chunks, comments, XMP.

    Generators and their front-ends often write their name, settings or prompt here (a
    PNG "parameters" or "Software" chunk, a C2PA/IPTC mark in XMP), so the analyst sees it.
    """
    texts: dict[str, str] = {}
    for key, value in info.items():
        if not isinstance(key, str) or key in _NON_TEXT_INFO_KEYS:
            continue
        if isinstance(value, bytes):
            if key not in ("comment", "xmp", "XML:com.adobe.xmp"):
                continue
            value = value.decode("utf-8", errors="replace")
        if isinstance(value, str) and value.strip():
            texts[key] = _trim(value.strip(), _MAX_TEXT_CHARS)
    return texts


def _bit_depth_notes(image: Image.Image) -> list[str]:
    """Say so when Pillow reduces 16-bit colour samples while decoding (16-bit RGB PNG).

    Pillow's decoder for such files keeps the high byte of each sample; the raw mode of
    the pending decode (``image.tile``, read before ``load()``) is the only sign of it.
    """
    if image.mode not in ("RGB", "RGBA"):
        return []
    for tile in getattr(image, "tile", None) or []:
        rawmode = tile[3] if len(tile) > 3 else None
        if isinstance(rawmode, tuple):
            rawmode = rawmode[0] if rawmode else None
        if isinstance(rawmode, str) and ";16" in rawmode:
            return [f"16-bit {image.mode} samples reduced to 8 bits by Pillow (high byte kept)"]
    return []


def _apply_orientation(image: Image.Image, orientation: int, notes: list[str]) -> Image.Image:
    """Turn the image upright as every viewer shows it, and say so."""
    if orientation == 1:
        return image
    if orientation not in _ORIENTATION_WORDS:
        notes.append(f"EXIF orientation {orientation} is not a valid value; ignored")
        return image
    upright = ImageOps.exif_transpose(image)
    notes.append(f"EXIF orientation {orientation} applied ({_ORIENTATION_WORDS[orientation]})")
    return upright if upright is not None else image


# --------------------------------------------------------------------------- THE rule


def _to_rgb(image: Image.Image, notes: list[str]) -> np.ndarray:
    """Apply THE rule of the module docstring: any mode to RGB uint8, H x W x 3."""
    mode = image.mode
    if mode == "RGB":
        rgb = np.asarray(image, dtype=np.uint8)
        _note_colour_key(image, notes)
    elif mode == "1":
        rgb = _grey_to_rgb(np.asarray(image.convert("L"), dtype=np.uint8))
        notes.append("1-bit image expanded to RGB (0 and 255)")
    elif mode == "L":
        rgb = _grey_to_rgb(np.asarray(image, dtype=np.uint8))
        notes.append("greyscale image copied to three RGB channels")
        _note_colour_key(image, notes)
    elif mode == "P":
        rgb = _palette_to_rgb(image, notes)
    elif mode in _ALPHA_MODES:
        rgb = _drop_alpha(_as_rgba(image), notes)
    elif mode == "RGBX":
        rgb = np.asarray(image, dtype=np.uint8)[..., :3]
        notes.append("padding channel of RGBX dropped")
    elif mode in _SIXTEEN_BIT_MODES:
        rgb = _grey_to_rgb(_scale_16bit(np.asarray(image)))
        notes.append("16-bit samples scaled to 8 bits (round(v / 257))")
    elif mode == "I":
        rgb = _grey_to_rgb(_int32_to_8bit(np.asarray(image), notes))
    elif mode == "F":
        rgb = _grey_to_rgb(_float_to_8bit(np.asarray(image, dtype=np.float64), notes))
    else:
        rgb = _pillow_convert(image, notes)
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def _grey_to_rgb(grey: np.ndarray) -> np.ndarray:
    """One channel copied to three, which is what Pillow's L -> RGB does."""
    return np.repeat(grey.astype(np.uint8, copy=False)[..., None], 3, axis=2)


def _note_colour_key(image: Image.Image, notes: list[str]) -> None:
    """A colour-key transparency in an RGB or L file is recorded, not applied."""
    if "transparency" in image.info:
        notes.append("transparent colour key ignored; colour values kept as stored")


def _palette_to_rgb(image: Image.Image, notes: list[str]) -> np.ndarray:
    """Palette lookup; through RGBA when the palette or the file declares transparency."""
    palette_mode = image.palette.mode if image.palette is not None else "RGB"
    if "transparency" in image.info or palette_mode == "RGBA":
        notes.append("palette image expanded to RGB")
        return _drop_alpha(image.convert("RGBA"), notes)
    notes.append("palette image expanded to RGB")
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _as_rgba(image: Image.Image) -> Image.Image:
    """Any mode with alpha as RGBA; 'La' has no direct conversion in Pillow."""
    if image.mode == "La":
        image = image.convert("LA")
    return image if image.mode == "RGBA" else image.convert("RGBA")


def _drop_alpha(rgba: Image.Image, notes: list[str]) -> np.ndarray:
    """Keep the stored colour values, drop alpha, and count what alpha would have hidden."""
    array = np.asarray(rgba, dtype=np.uint8)
    translucent = int(np.count_nonzero(array[..., 3] < 255))
    if translucent:
        notes.append(f"alpha channel dropped; {translucent} pixels were not fully opaque")
    else:
        notes.append("alpha channel dropped; all pixels were fully opaque")
    return array[..., :3]


def _scale_16bit(values: np.ndarray) -> np.ndarray:
    """round(v / 257) in integers: 0 -> 0, 257 -> 1, 65535 -> 255."""
    wide = values.astype(np.uint32)
    return ((wide + 128) // 257).astype(np.uint8)


def _int32_to_8bit(values: np.ndarray, notes: list[str]) -> np.ndarray:
    """Mode 'I' holds 16-bit data in 32 bits (Pillow's reading of many 16-bit files)."""
    clipped = np.clip(values.astype(np.int64), 0, 65535)
    outside = int(np.count_nonzero(clipped != values))
    notes.append("16-bit samples scaled to 8 bits (round(v / 257))")
    if outside:
        notes.append(f"{outside} 32-bit samples outside 0..65535 were clipped")
    return _scale_16bit(clipped)


def _float_to_8bit(values: np.ndarray, notes: list[str]) -> np.ndarray:
    """Floats in [0, 1] are scaled by 255; anything larger is taken as 0..255."""
    finite = np.isfinite(values)
    peak = float(values[finite].max()) if finite.any() else 0.0
    values = np.where(finite, values, 0.0)
    if peak <= 1.0:
        scaled = np.clip(values, 0.0, 1.0) * 255.0
        notes.append("floating-point samples in [0, 1] scaled to 0..255")
    else:
        scaled = np.clip(values, 0.0, 255.0)
        notes.append("floating-point samples clipped to 0..255")
    if not finite.all():
        notes.append(f"{int(np.count_nonzero(~finite))} non-finite samples set to 0")
    return np.rint(scaled).astype(np.uint8)


def _pillow_convert(image: Image.Image, notes: list[str]) -> np.ndarray:
    """CMYK, YCbCr, LAB, HSV and anything rarer: Pillow's own conversion."""
    mode = image.mode
    try:
        converted = image.convert("RGB")
    except (ValueError, OSError) as exc:
        raise _UnsupportedMode(mode, str(exc)) from None
    if mode == "CMYK":
        notes.append("CMYK converted to RGB (Pillow's conversion, ICC profile not applied)")
    else:
        notes.append(f"{mode} converted to RGB by Pillow")
    return np.asarray(converted, dtype=np.uint8)


class _UnsupportedMode(Exception):
    """Internal: a mode Pillow cannot turn into RGB (classified as unsupported)."""

    def __init__(self, mode: str, detail: str) -> None:
        super().__init__(f"Pillow cannot convert mode {mode} to RGB ({detail})")
        self.mode = mode


# --------------------------------------------------------------------------- errors, worded


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


def _unidentified_error(path: str, data: bytes) -> EvidenceError:
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


def _decode_error(path: str, exc: BaseException) -> EvidenceError:
    """Classify a Pillow decoding failure as truncation or as an unsupported image."""
    if isinstance(exc, _UnsupportedMode):
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


def _warning_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    """Pillow's warnings about the file (e.g. corrupt EXIF), kept as notes, once each."""
    notes: list[str] = []
    for warning in caught:
        if issubclass(warning.category, Image.DecompressionBombWarning):
            continue
        text = f"decoder warning: {warning.message}"
        if text not in notes:
            notes.append(text)
    return notes


# --------------------------------------------------------------------------- folders


def iter_image_files(paths: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Expand the given paths into the list of files to take in, in a fixed order.

    Files named explicitly are kept whatever their extension (and even if missing), so
    that :func:`open_evidence` reports why they cannot be used instead of them silently
    vanishing.  Folders are walked recursively in sorted order; inside them only files
    with an extension in ``IMAGE_EXTENSIONS`` (any case) are kept, and hidden files and
    folders are skipped.  A file reached twice is listed once, where first reached.
    A folder that cannot be listed raises :class:`UnreadableFileError`.
    """
    found: list[Path] = []
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        candidates = _walk_folder(path) if path.is_dir() else [path]
        for candidate in candidates:
            key = os.path.normcase(os.path.abspath(candidate))
            if key not in seen:
                seen.add(key)
                found.append(candidate)
    return found


def _walk_folder(folder: Path) -> list[Path]:
    """Image files under ``folder``, sorted, depth-first, hidden entries skipped."""

    def fail(error: OSError) -> None:
        where = error.filename or str(folder)
        raise UnreadableFileError(
            where,
            f"this folder cannot be listed ({error.strerror or error}); check the "
            "permissions or choose the files individually",
        )

    files: list[Path] = []
    for root, dirs, names in os.walk(folder, onerror=fail):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if not _is_hidden(root_path / d))
        for name in sorted(names):
            candidate = root_path / name
            if candidate.suffix.lower() in IMAGE_EXTENSIONS and not _is_hidden(candidate):
                files.append(candidate)
    return files


def _is_hidden(path: Path) -> bool:
    """Dot-files everywhere, and the hidden attribute on Windows."""
    if path.name.startswith("."):
        return True
    try:
        attributes = getattr(os.stat(path, follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))
