"""The options every command takes, defined once for the commands and the library actions."""

from __future__ import annotations

import argparse
import os

import numpy as np


def naming_level(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not np.isfinite(value) or value < 1.0:
        raise argparse.ArgumentTypeError("the naming level is a likelihood ratio of 1 or more, e.g. 10, 100 or 1000")
    return value


def pixel_limit(text: str) -> int:
    """--max-pixels: a whole number of pixels, at least one (``80_000_000`` and ``8e7`` are read too)."""
    try:
        value = float(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of pixels") from None
    if not np.isfinite(value) or value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"the pixel limit is a whole number of pixels of 1 or more, not {text!r} "
                                         "(e.g. 80000000 for 80 MP)")
    return int(value)


def common_options(nested: bool = False) -> argparse.ArgumentParser:
    """The options every command takes.  `nested` (a `library` action) leaves out the
    defaults, so an option given before the action (`library --library X list`) is not
    overwritten by the action's default."""
    from forensics_app.core.decision.attribution import DEFAULT_NAMING_LR
    from forensics_app.core.evidence import DEFAULT_MAX_PIXELS
    from forensics_app.core.decision.likelihood import format_lr, support_words

    def default(value):
        return argparse.SUPPRESS if nested else value

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--device", default=default(os.environ.get("FORENSICS_APP_DEVICE", "auto")),
                        choices=["auto", "cpu", "cuda", "mps"], help="where to compute fingerprints (default: auto)")
    common.add_argument("--json", action="store_true", default=default(False),
                        help="print JSON on stdout instead of tables")
    common.add_argument("--library", default=default(None),
                        help="library file (default: $FORENSICS_APP_LIBRARY or the user data folder)")
    common.add_argument("--max-pixels", type=pixel_limit, metavar="PIXELS", default=default(DEFAULT_MAX_PIXELS),
                        help=f"refuse images larger than this many pixels (default {DEFAULT_MAX_PIXELS:,})")
    common.add_argument("--naming-lr", type=naming_level, metavar="LR", default=default(None),
                        help="likelihood ratio a generator must reach to be named, and two images to be called one "
                             f"source (default {format_lr(DEFAULT_NAMING_LR)}: {support_words(DEFAULT_NAMING_LR)})")
    return common
