"""THE rule for turning any decoded image into RGB uint8 pixels (``H x W x 3``).

The fingerprint is a trace of the values the generator wrote, so stored values are kept
wherever a faithful RGB reading exists, and every conversion is recorded in ``notes``.
This is the one place the rule is written down and the one place it is applied.

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
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from forensics_app.core.evidence.errors import ModeConversionError

__all__ = ["to_rgb"]

_SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N"})
_ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})


def to_rgb(image: Image.Image, notes: list[str]) -> np.ndarray:
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
        raise ModeConversionError(mode, str(exc)) from None
    if mode == "CMYK":
        notes.append("CMYK converted to RGB (Pillow's conversion, ICC profile not applied)")
    else:
        notes.append(f"{mode} converted to RGB by Pillow")
    return np.asarray(converted, dtype=np.uint8)
