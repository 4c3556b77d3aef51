"""Intake: one file's bytes read once, checked, decoded to RGB and described.

The rules are the package's (see :mod:`forensics_app.core.evidence`); this module applies them.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from forensics_app.core.evidence.errors import (
    EmptyFileError,
    EvidenceError,
    FileChangedError,
    ImageTooLargeError,
    ModeConversionError,
    NotAnImageError,
    UnreadableFileError,
    UnsupportedImageError,
    decode_error,
    unidentified_error,
)
from forensics_app.core.evidence.formats import ACCEPTED_FORMATS, refused_kind, unsupported_kind
from forensics_app.core.evidence.metadata import png_texts, read_exif, read_text_metadata
from forensics_app.core.evidence.pixels import to_rgb as _to_rgb
from forensics_app.core.evidence.record import EvidenceImage
from forensics_app.core.file_layout import PNG_SIGNATURE, PngLayout, jpeg_scan_count, png_without_text
from forensics_app.core.regular_file import FileRefused, read_regular_file

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_PIXELS",
    "MAX_COUNTED_FRAMES",
    "MAX_JPEG_SCANS",
    "MAX_WARNING_NOTES",
    "PILLOW_STATE_LOCK",
    "header_view",
    "open_verified",
    "evidence_from_bytes",
    "open_evidence",
    "read_evidence_bytes",
]

#: Largest image (width x height) decoded unless the caller raises the limit.  80 MP is
#: far above any generator's output and any camera's, yet small enough (about 240 MB as
#: RGB) that a desktop machine survives decoding it.
DEFAULT_MAX_PIXELS = 80_000_000
#: Largest file read, checked from its size before a byte is read: well above an 80 MP
#: uncompressed 16-bit TIFF (480 MB), far below what would exhaust a desktop's memory.
DEFAULT_MAX_FILE_BYTES = 768 * 2**20

#: Most scans a JPEG may hold: a progressive file has about ten (libjpeg's default script)
#: and no encoder writes more than a few dozen, while each extra scan of a large image costs
#: a pass over all of it (100,000 empty scans decode for hours under any pixel limit).
MAX_JPEG_SCANS = 100
#: Pages or frames counted one by one (TIFF); past it the count is "more than".  Counting
#: 100,000 TIFF pages took 45 s, and only the first is analysed.
MAX_COUNTED_FRAMES = 1000

#: Decoder warnings kept as notes word for word; further ones are counted in one note.
MAX_WARNING_NOTES = 10

_ORIENTATION_WORDS = {
    2: "mirrored left to right",
    3: "rotated 180 degrees",
    4: "mirrored top to bottom",
    5: "transposed (mirrored and rotated 90 degrees)",
    6: "rotated 90 degrees clockwise",
    7: "transversed (mirrored and rotated 90 degrees)",
    8: "rotated 90 degrees counter-clockwise",
}

#: Pillow's decompression-bomb limit and Python's warning filters are process-wide; every
#: temporary change of either (here and in provenance) is made holding this lock, so it is
#: atomic with respect to every other reader in this process.
PILLOW_STATE_LOCK = threading.Lock()


# --------------------------------------------------------------------------- the record


# --------------------------------------------------------------------------- intake


def open_evidence(
    path: str | os.PathLike[str], max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> EvidenceImage:
    """Read one image file as evidence, without ever modifying it.

    Raises a specific :class:`EvidenceError` subclass for every file that cannot be taken
    in; ``ValueError`` only for a ``max_pixels`` that is not a positive integer (a bug in
    the caller, not a property of the file).
    """
    _check_max_pixels(max_pixels)
    abs_path, data = read_evidence_bytes(path, max_bytes)
    return evidence_from_bytes(abs_path, data, max_pixels)


def open_verified(path: str | os.PathLike[str], sha256: str | None, max_pixels: int = DEFAULT_MAX_PIXELS,
                  since: str = "intake") -> EvidenceImage:
    """The evidence at `path`, refused with :class:`FileChangedError` when its bytes are no longer
    the ones recorded (`sha256`, taken `since` intake or enrolment); hashed once, with the decoding."""
    evidence = open_evidence(path, max_pixels=max_pixels)
    if sha256 and evidence.sha256 != sha256:
        raise FileChangedError(path, f"the file has changed since {since} (SHA-256 {evidence.sha256[:12]}... now, "
                                     f"{sha256[:12]}... then)")
    return evidence


def _check_max_pixels(max_pixels: int) -> None:
    if isinstance(max_pixels, bool) or not isinstance(max_pixels, int) or max_pixels < 1:
        raise ValueError(f"max_pixels must be a positive integer, not {max_pixels!r}")


def read_evidence_bytes(path: str | os.PathLike[str], max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> tuple[str, bytes]:
    """(absolute path, every byte of the file), read once; a refusal is an :class:`EvidenceError`.

    For callers that read more than pixels from the same bytes (provenance at intake), so
    the file is opened once and everything said about it describes the bytes hashed.
    """
    abs_path = os.path.abspath(os.fspath(path))
    return abs_path, _read_bytes(abs_path, max_bytes)


def evidence_from_bytes(path: str, data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS,
                        png: PngLayout | None = None) -> EvidenceImage:
    """The evidence record of bytes read by :func:`read_evidence_bytes` (``path`` as it returned).

    ``png``: the walk of these bytes' chunks when the caller made one for another reader
    too (provenance), so a PNG's text is inflated once per file, not once per reader.
    """
    _check_max_pixels(max_pixels)
    abs_path = path
    if not data:
        raise EmptyFileError(
            abs_path,
            "the file is empty (0 bytes), usually an interrupted download or copy; "
            "obtain the file again from its source",
        )
    refused = refused_kind(data)
    if refused:
        raise NotAnImageError(abs_path, refused)
    decoded = _decode(abs_path, data, max_pixels, png)
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


def _read_bytes(path: str, max_bytes: int) -> bytes:
    """All bytes of a regular file, read once, read-only, after its size was checked.

    A FIFO, a device (a link to ``/dev/zero``), a socket or a file above ``max_bytes`` is
    refused before it is read, so no entry in an evidence folder can hang the run or
    exhaust the memory.
    """
    if os.path.isdir(path):
        raise UnreadableFileError(
            path,
            "this is a folder, not a file; add the folder itself to scan the images in "
            "it, or choose the image files inside it",
        )
    try:
        return read_regular_file(path, max_bytes)
    except FileRefused as exc:
        raise UnreadableFileError(path, exc.reason) from None


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


def _decode(path: str, data: bytes, max_pixels: int, png: PngLayout | None = None) -> _Decoded:
    """Decode the first frame to RGB under our pixel limit; every failure made specific."""
    notes: list[str] = []
    with _pillow_limits(max_pixels) as caught:
        try:
            decoded = _decode_unguarded(path, data, max_pixels, notes, png)
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
            unsupported = unsupported_kind(data)
            if unsupported:
                raise UnsupportedImageError(path, unsupported) from None
            raise unidentified_error(path, data) from None
        except MemoryError:
            raise UnsupportedImageError(
                path,
                "not enough memory to decode this image; close other programs or lower "
                "the number of images processed at once",
            ) from None
        except (ModeConversionError, OSError, EOFError, SyntaxError) as exc:
            raise decode_error(path, exc) from None
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
    with PILLOW_STATE_LOCK:
        previous = Image.MAX_IMAGE_PIXELS
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                Image.MAX_IMAGE_PIXELS = max_pixels
                yield caught
        finally:
            Image.MAX_IMAGE_PIXELS = previous


def _decode_unguarded(path: str, data: bytes, max_pixels: int, notes: list[str],
                      png: PngLayout | None = None) -> _Decoded:
    """The decoding steps in order; errors are classified by the caller."""
    is_png = data.startswith(PNG_SIGNATURE)
    decodable = png_without_text(data) if is_png else data
    image = _open_header(decodable)
    _check_size(path, image.size, max_pixels)
    fmt = image.format or "unknown"
    if fmt in ("JPEG", "MPO"):
        _check_scans(path, data)
    frames, frames_note = _count_frames(image, fmt)
    if frames_note:
        notes.append(frames_note)
    notes.extend(_bit_depth_notes(image))  # before load(), which empties image.tile
    image.load()
    original_mode = image.mode
    if fmt == "PNG":
        notes.extend(_png_integrity_notes(decodable))
    exif, orientation, exif_notes = read_exif(image)
    notes.extend(exif_notes)
    has_icc = bool(image.info.get("icc_profile"))
    if has_icc:
        notes.append("ICC profile present: colour values kept as stored, not colour-managed")
    text_metadata = read_text_metadata(image.info)
    if is_png:
        text_metadata.update(png_texts(data, png))
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


def _open_header(data: bytes, formats: tuple[str, ...] | None = ACCEPTED_FORMATS) -> Image.Image:
    """Parse only the header, with Pillow's own size check off (ours follows at once).

    Pillow would otherwise refuse a large header before we learn its width and height,
    and the user would get a message without the numbers needed to decide.  Opening
    allocates no pixel memory; the limit is restored before anything is decoded.  The
    caller holds :data:`PILLOW_STATE_LOCK`.
    """
    limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None
    try:
        return Image.open(io.BytesIO(data), formats=formats)
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def header_view(data: bytes) -> Image.Image | None:
    """Pillow's view of a file's header only (size, the EXIF of formats walked by no reader
    of ours), for readers that need no pixels; None when Pillow cannot parse it.

    The one header opener besides intake's own: under the lock, any format Pillow knows, a
    PNG without its text chunks (their inflation is bounded by the readers that need them).
    """
    with PILLOW_STATE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # damage Pillow warns of here is reported by the readers that meet it
        try:
            return _open_header(png_without_text(data) if data.startswith(PNG_SIGNATURE) else data, formats=None)
        except Exception:  # Any file Pillow cannot parse simply has no header view.
            return None


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


def _check_scans(path: str, data: bytes) -> None:
    """Refuse a JPEG whose scan count makes decoding a denial of service, before decoding it."""
    scans = jpeg_scan_count(data, MAX_JPEG_SCANS)
    if scans > MAX_JPEG_SCANS:
        raise UnsupportedImageError(
            path,
            f"the JPEG holds more than {MAX_JPEG_SCANS} scans (a progressive JPEG has about ten); decoding it "
            "could take hours, a known way to stall image software, so it was not decoded. If the file matters, "
            "re-encode a copy with another program (keeping the original) and analyse the copy",
        )


def _count_frames(image: Image.Image, fmt: str) -> tuple[int, str | None]:
    """(frames or pages, the note saying so), counted no further than :data:`MAX_COUNTED_FRAMES`.

    A TIFF's pages are counted by walking them, so the walk stops at the cap.  An animated
    PNG *declares* its frame count (acTL), which the note says in those words: the number
    is the file's claim, not a count.
    """
    if fmt == "TIFF":
        frames = 1
        try:
            while frames <= MAX_COUNTED_FRAMES:
                image.seek(frames)
                frames += 1
        except EOFError:
            pass
        finally:
            image.seek(0)
        if frames > MAX_COUNTED_FRAMES:
            return MAX_COUNTED_FRAMES, (f"multi-page TIFF with more than {MAX_COUNTED_FRAMES:,} pages "
                                        "(not counted further): first page analysed")
    else:
        frames = max(1, int(getattr(image, "n_frames", 1) or 1))
        if frames > 1:
            image.seek(0)
    if frames == 1:
        return 1, None
    if fmt == "PNG":
        return frames, f"animated PNG declaring {frames:,} frames (not counted): first frame analysed"
    if fmt == "TIFF":
        return frames, f"multi-page TIFF with {frames:,} pages: first page analysed"
    return frames, f"{_animation_word(fmt)} with {frames:,} frames: first frame analysed"


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
        Image.open(io.BytesIO(data), formats=["PNG"]).verify()
    except Exception as exc:  # verify() raises several types for a damaged file.
        return [
            f"PNG integrity check failed ({exc}): the pixels decoded completely, but the "
            "file is incomplete or damaged after them"
        ]
    return []


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


def _warning_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    """Pillow's warnings about the file (e.g. corrupt EXIF), kept as notes, once each.

    At most :data:`MAX_WARNING_NOTES` are kept word for word and the rest counted: one
    damaged EXIF block can raise a warning per tag, 65,535 of them.
    """
    distinct = list(dict.fromkeys(f"decoder warning: {w.message}" for w in caught
                                  if not issubclass(w.category, Image.DecompressionBombWarning)))
    if len(distinct) <= MAX_WARNING_NOTES:
        return distinct
    rest = len(distinct) - MAX_WARNING_NOTES
    return distinct[:MAX_WARNING_NOTES] + [f"decoder warning: {rest:,} more warnings of the decoder, not listed"]

