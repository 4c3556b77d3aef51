"""What leaves the window besides the case file: the table as CSV, and the facts the
report and About state about the program (versions; whether the report module is there).

Kept apart from the window so they can be used and tested without widgets.
"""

from __future__ import annotations

import csv
import platform
from pathlib import Path

import numpy as np

from forensics_app import __version__
from forensics_app.core.case import Case
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.gui.attribution_text import decision_text, lr_of, naming_lr, top_match, words_of
from forensics_app.gui.evidence_model import status_text


def app_versions(extractor: Extractor | None) -> dict[str, str]:
    """Everything that shaped a result, for About and for the report."""
    import PySide6
    import torch
    from PySide6.QtCore import qVersion

    versions = {"Forensics App": __version__, "Python": platform.python_version(), "Qt": qVersion(),
                "PySide6": PySide6.__version__, "torch": torch.__version__, "numpy": np.__version__}
    if extractor is not None:
        versions["Device"] = str(extractor.device)
        versions["Extractor"] = extractor.extractor_id
    return versions


def report_module_available() -> bool:
    """Whether core's report module is installed (it is built separately from the window)."""
    import importlib.util

    try:
        return importlib.util.find_spec("forensics_app.core.report") is not None
    except (ImportError, ValueError):
        return False


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula (a generator named '=HYPERLINK(...)',
    a file named '@SUM...') gets a leading apostrophe, as OWASP advises for CSV injection;
    numbers stay numbers."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_STARTS):
        return value
    try:
        float(value)  # a negative similarity is a number, not a formula
        return value
    except ValueError:
        return "'" + value


def write_table_csv(case: Case, path: Path) -> None:
    """Every row with full hashes and raw numbers (not the table's shortened text).

    The top-ranked generator is given with its similarity and LR even when no generator
    was named, under a name that says it is a ranking, beside the decision itself.
    """
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["exhibit", "path", "sha256", "md5", "width", "height", "bytes", "format", "status",
                         "decision", "naming_lr", "top_ranked", "top_similarity", "top_lr", "top_support", "cluster"])
        for item in case.items:
            evidence, top = item.evidence, top_match(item)
            lr, level = lr_of(top), naming_lr(item)
            writer.writerow([spreadsheet_safe(cell) for cell in [
                item.exhibit, item.path, item.sha256 or "", *((evidence.md5, evidence.width, evidence.height,
                                                               evidence.size_bytes, evidence.format)
                                                              if evidence is not None else ("",) * 5),
                status_text(item), decision_text(item), "" if level is None else f"{level:g}",
                top.generator if top else "", f"{top.similarity:.4f}" if top else "",
                "" if lr is None else f"{lr:.6g}", words_of(top), "" if item.cluster is None else item.cluster]])
