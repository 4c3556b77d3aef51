"""Evidence records for checks that need a case item without taking a real file in."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from forensics_app.core.evidence import EvidenceImage


def evidence_record(path: str | Path = "/evidence/image.png", **fields: Any) -> EvidenceImage:
    """A pixel-less record of a 64 x 64 PNG at `path`; `fields` replace any of its values."""
    record = EvidenceImage(path=str(path), sha256="0" * 64, md5="0" * 32, size_bytes=1024, format="PNG",
                           width=64, height=64, mode="RGB")
    return replace(record, **fields)
