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

THE rule for turning any decoded image into RGB uint8 pixels (``H x W x 3``) keeps the
values the generator wrote wherever a faithful RGB reading exists and records every
conversion in ``notes``; it is written out, mode by mode, in
:mod:`forensics_app.core.evidence.pixels`, which applies it.

ICC profiles are recorded (``has_icc_profile``) but never applied: colour management would
change the stored values that carry the generator's trace.  The EXIF orientation is applied
(``PIL.ImageOps.exif_transpose``) so that width, height and every view match what the
analyst sees in any other viewer.  Of an animated or multi-page file only the first frame is
analysed, and the note gives the frame count.

Modules: ``intake`` (reading and decoding), ``record`` (:class:`EvidenceImage`),
``metadata`` (EXIF and text kept for the analyst), ``errors`` (the errors and their
wording), ``files`` (folders expanded into the files to take in), ``formats`` (what is
accepted, refused or unsupported) and ``pixels`` (THE rule).  The public names are
imported from the package.
"""

from forensics_app.core.evidence.errors import (
    EmptyFileError,
    EvidenceError,
    FileChangedError,
    ImageTooLargeError,
    ModeConversionError,
    NotAnImageError,
    TruncatedImageError,
    UnreadableFileError,
    UnsupportedImageError,
)
from forensics_app.core.evidence.files import IMAGE_EXTENSIONS, ScanResult, iter_image_files, scan_paths
from forensics_app.core.evidence.formats import ACCEPTED_FORMATS
from forensics_app.core.evidence.intake import (
    DEFAULT_MAX_FILE_BYTES,
    DEFAULT_MAX_PIXELS,
    MAX_COUNTED_FRAMES,
    MAX_JPEG_SCANS,
    MAX_WARNING_NOTES,
    PILLOW_STATE_LOCK,
    evidence_from_bytes,
    header_view,
    open_evidence,
    open_verified,
    read_evidence_bytes,
)
from forensics_app.core.evidence.record import EvidenceImage

__all__ = [
    "ACCEPTED_FORMATS",
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_PIXELS",
    "IMAGE_EXTENSIONS",
    "MAX_COUNTED_FRAMES",
    "MAX_JPEG_SCANS",
    "MAX_WARNING_NOTES",
    "PILLOW_STATE_LOCK",
    "EmptyFileError",
    "EvidenceError",
    "FileChangedError",
    "EvidenceImage",
    "ImageTooLargeError",
    "ModeConversionError",
    "NotAnImageError",
    "ScanResult",
    "TruncatedImageError",
    "UnreadableFileError",
    "UnsupportedImageError",
    "evidence_from_bytes",
    "header_view",
    "iter_image_files",
    "open_evidence",
    "open_verified",
    "read_evidence_bytes",
    "scan_paths",
]
