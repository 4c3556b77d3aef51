"""Which decoders may touch evidence bytes: an allow-list, never Pillow's open-by-content.

Pillow picks a decoder from a file's content, whatever its name, and some of its
decoders hand the bytes to another program: a PostScript file named ``eps.png`` is run
through Ghostscript.  Evidence comes from the people an analyst investigates, so only
the decoders listed here are ever offered a file (``Image.open(..., formats=...)``), and
a file whose first bytes are PostScript is refused by name before Pillow sees it.

Phone pictures arrive as HEIC/HEIF (and AVIF): the maintained ``pillow-heif`` plugin is
registered for HEIF when installed, and AVIF uses Pillow's own decoder where this Pillow
has one.  Without them such files get a reason that says what to install.
"""

from __future__ import annotations

from PIL import Image, features

__all__ = [
    "ACCEPTED_FORMATS",
    "ACCEPTED_WORDS",
    "HEIF_AVAILABLE",
    "refused_kind",
    "unsupported_kind",
]


def _register_heif() -> bool:
    """Register pillow-heif's HEIF decoder when the package is installed."""
    try:
        import pillow_heif
    except ImportError:
        return False
    pillow_heif.register_heif_opener()
    return True


HEIF_AVAILABLE: bool = _register_heif()
_AVIF_AVAILABLE: bool = bool(features.check("avif")) if "avif" in features.modules else False

#: Pillow format names that may decode evidence.  MPO is how Pillow names the
#: multi-picture JPEG that cameras and phones write.
def _accepted() -> tuple[str, ...]:
    """The wanted formats that this Pillow opens by name (MPO is opened by the JPEG reader)."""
    Image.init()
    wanted = ["PNG", "JPEG", "MPO", "WEBP", "GIF", "BMP", "TIFF"] + (["HEIF"] if HEIF_AVAILABLE else []) + (
        ["AVIF"] if _AVIF_AVAILABLE else [])
    return tuple(fmt for fmt in wanted if fmt in Image.OPEN)


ACCEPTED_FORMATS: tuple[str, ...] = _accepted()
ACCEPTED_WORDS = "PNG, JPEG, WebP, GIF, BMP, TIFF" + (", HEIC/HEIF" if HEIF_AVAILABLE else "") + (
    ", AVIF" if _AVIF_AVAILABLE else "")

_POSTSCRIPT = (b"%!PS", b"%!", b"\xc5\xd0\xd3\xc6")  # text PostScript/EPS, DOS EPS binary header
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")
_AVIF_BRANDS = (b"avif", b"avis")


def refused_kind(data: bytes) -> str | None:
    """A reason to refuse the bytes before any decoder sees them, or None.

    PostScript and EPS are programs, not pictures: decoding them means running them.
    """
    if data.lstrip()[:4].startswith(_POSTSCRIPT[:2]) or data.startswith(_POSTSCRIPT[2]):
        return ("PostScript/EPS is not accepted: such a file is a program that must be run to draw it, and is "
                "never run on evidence; ask for the image in PNG or JPEG, or export one from a trusted viewer "
                "(keeping the original)")
    return None


def unsupported_kind(data: bytes) -> str | None:
    """Why a recognised phone format cannot be read in this installation, or None."""
    brand = data[8:12] if data[4:8] == b"ftyp" else b""
    if brand in _HEIF_BRANDS and not HEIF_AVAILABLE:
        return ("this is a HEIC/HEIF image, which needs the pillow-heif package; install it "
                "('pip install pillow-heif') or export a PNG copy (keeping the original)")
    if brand in _AVIF_BRANDS and not _AVIF_AVAILABLE:
        return ("this is an AVIF image, which this Pillow cannot decode; update Pillow (11 or later) "
                "or export a PNG copy (keeping the original)")
    return None
