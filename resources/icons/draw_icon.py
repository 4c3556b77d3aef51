"""Draws the application icon files beside this script: PNG, Windows ICO and macOS ICNS.

The desktop app draws its window icon with Qt at run time (gui/widgets/icons.py); the
bundle needs the same picture as files, because Windows and macOS read the executable's
icon before any Qt code runs.  Drawing it here, from the same recipe (a spectrum tile with
the four periodic peaks of an upsampling layer, under a magnifier), keeps one design and
no bitmap of unknown origin in the repository.  Run it again after changing the design:

    .venv/bin/python resources/icons/draw_icon.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
NAME = "forensics-app"
CANVAS = 1024  # drawn large, then reduced, so every size is antialiased
ICO_SIZES = [(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)]
GRADIENT = ((0.0, (0xFC, 0xAE, 0x5C)), (0.35, (0xB5, 0x36, 0x7A)), (1.0, (0x1D, 0x11, 0x47)))


def _unit(value: float) -> int:
    """A length on the 64-unit design grid of icons.py, in canvas pixels."""
    return round(value * CANVAS / 64.0)


def _radial_gradient(size: int, centre: tuple[float, float], radius: float) -> Image.Image:
    """An RGB image whose colour follows GRADIENT with the distance from `centre`."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    t = np.clip(np.hypot(xs - centre[0], ys - centre[1]) / radius, 0.0, 1.0)
    stops = np.array([stop for stop, _ in GRADIENT], np.float32)
    colours = np.array([colour for _, colour in GRADIENT], np.float32)
    channels = [np.interp(t, stops, colours[:, c]) for c in range(3)]
    return Image.fromarray(np.stack(channels, axis=-1).round().astype(np.uint8), "RGB")


def _tile(canvas: Image.Image) -> None:
    """The spectrum tile: a rounded square, bright centre, four periodic peaks."""
    left, size = _unit(4), _unit(44)
    centre = left + size / 2
    gradient = _radial_gradient(CANVAS, (centre, centre), _unit(22))
    mask = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((left, left, left + size, left + size), radius=_unit(6), fill=255)
    canvas.paste(gradient, (0, 0), mask)
    draw = ImageDraw.Draw(canvas)
    dot = _unit(2.2)
    for dx in (-11, 11):
        for dy in (-11, 11):
            x, y = centre + _unit(dx), centre + _unit(dy)
            draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=(0xFD, 0xE9, 0xA9, 255))


def _magnifier(canvas: Image.Image) -> None:
    """A light lens ring with a dark rim, and its handle."""
    draw = ImageDraw.Draw(canvas)
    cx = cy = _unit(38)
    light = (0xF5, 0xF5, 0xF5, 255)
    handle = _unit(7)
    draw.line((_unit(48), _unit(48), _unit(59), _unit(59)), fill=light, width=handle)
    for x, y in ((_unit(48), _unit(48)), (_unit(59), _unit(59))):  # round caps
        draw.ellipse((x - handle / 2, y - handle / 2, x + handle / 2, y + handle / 2), fill=light)
    ring = _unit(13)
    width = _unit(5)
    draw.ellipse((cx - ring - width / 2, cy - ring - width / 2, cx + ring + width / 2, cy + ring + width / 2),
                 outline=light, width=width)
    rim = _unit(2.5)
    draw.ellipse((cx - ring - rim / 2, cy - ring - rim / 2, cx + ring + rim / 2, cy + ring + rim / 2),
                 outline=(0x26, 0x32, 0x38, 255), width=max(1, rim))


def draw_icon() -> Image.Image:
    """The icon at CANVAS x CANVAS pixels, RGBA on a transparent background."""
    canvas = Image.new("RGBA", (CANVAS, CANVAS), (0, 0, 0, 0))
    _tile(canvas)
    _magnifier(canvas)
    return canvas


def write_icons(folder: Path = HERE) -> list[Path]:
    """Write the PNG (512 px), ICO (16-256 px) and ICNS files; returns their paths."""
    icon = draw_icon()
    large = icon.resize((512, 512), Image.Resampling.LANCZOS)
    paths = [folder / f"{NAME}.png", folder / f"{NAME}.ico", folder / f"{NAME}.icns"]
    large.save(paths[0], optimize=True)
    icon.resize((256, 256), Image.Resampling.LANCZOS).save(paths[1], sizes=ICO_SIZES)
    icon.save(paths[2])
    return paths


if __name__ == "__main__":
    for path in write_icons():
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
