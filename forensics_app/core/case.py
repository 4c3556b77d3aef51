"""One investigation: its evidence, results and append-only audit log, in one file.

A case is JSON (readable in any editor, diffable, and easy to archive beside the
report): the analyst's details, one item per input file with its evidence record,
fingerprint, attribution and cluster, the map, the settings and the extractor and
library they were computed with.  The audit log only grows: every action appends an
entry (UTC time, action, file hash), and loading refuses a file whose log was cut.
"""

from __future__ import annotations

import base64
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

CASE_FORMAT = 1
CASE_SUFFIX = ".fcase"


class CaseError(Exception):
    """A case file cannot be read or written; the message says why."""


def extractor_stamp(card) -> dict:
    """What a case records of the extractor: its id, weights hash and calibration.

    The calibration is kept so that a report can state how scores were calibrated even
    when other weights are installed by the time it is written.
    """
    return {"id": card.extractor_id, "sha256": card.sha256, "calibration": card.calibration.to_dict()}


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _encode(vector: np.ndarray | None) -> str | None:
    return None if vector is None else base64.b64encode(np.asarray(vector, "<f4").tobytes()).decode("ascii")


def _decode(text: str | None) -> np.ndarray | None:
    return None if text is None else np.frombuffer(base64.b64decode(text), dtype="<f4").copy()


@dataclass
class AuditEntry:
    time: str
    action: str
    sha256: str | None = None
    detail: str = ""


@dataclass
class CaseItem:
    """One input file of the case."""

    exhibit: str
    path: str
    evidence: dict | None = None  # EvidenceImage.metadata_dict(), None when rejected at intake
    error: str | None = None
    embedding: np.ndarray | None = None
    padded: bool = False
    attribution: dict | None = None  # Attribution.to_dict()
    cluster: int | None = None

    @property
    def sha256(self) -> str | None:
        return (self.evidence or {}).get("sha256")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["embedding"] = _encode(self.embedding)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "CaseItem":
        values = dict(data)
        values["embedding"] = _decode(values.get("embedding"))
        return cls(**values)


@dataclass
class Case:
    reference: str = ""
    examiner: str = ""
    organisation: str = ""
    question: str = ""
    case_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: str = field(default_factory=utc_now)
    extractor: dict = field(default_factory=dict)  # id, sha256
    settings: dict = field(default_factory=dict)  # threshold, crops, device, ...
    library: dict = field(default_factory=dict)  # Library.snapshot()
    items: list[CaseItem] = field(default_factory=list)
    map: list[list[float]] | None = None  # t-SNE coordinates, one per fingerprinted item
    audit: list[AuditEntry] = field(default_factory=list)

    def log(self, action: str, sha256: str | None = None, detail: str = "") -> AuditEntry:
        entry = AuditEntry(utc_now(), action, sha256, detail)
        self.audit.append(entry)
        return entry

    def next_exhibit(self) -> str:
        return f"E{len(self.items) + 1:04d}"

    def has_sha256(self, sha256: str) -> bool:
        return any(item.sha256 == sha256 for item in self.items)

    def to_dict(self) -> dict:
        return {
            "format": CASE_FORMAT,
            "reference": self.reference,
            "examiner": self.examiner,
            "organisation": self.organisation,
            "question": self.question,
            "case_id": self.case_id,
            "created": self.created,
            "extractor": self.extractor,
            "settings": self.settings,
            "library": self.library,
            "items": [item.to_dict() for item in self.items],
            "map": self.map,
            "audit": [asdict(entry) for entry in self.audit],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Case":
        if data.get("format") != CASE_FORMAT:
            raise CaseError(f"unsupported case format {data.get('format')!r}; this program reads format {CASE_FORMAT}")
        try:
            return cls(
                reference=data.get("reference", ""),
                examiner=data.get("examiner", ""),
                organisation=data.get("organisation", ""),
                question=data.get("question", ""),
                case_id=data["case_id"],
                created=data["created"],
                extractor=data.get("extractor", {}),
                settings=data.get("settings", {}),
                library=data.get("library", {}),
                items=[CaseItem.from_dict(item) for item in data.get("items", [])],
                map=data.get("map"),
                audit=[AuditEntry(**entry) for entry in data.get("audit", [])],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CaseError(f"the case file is damaged ({exc!r})") from exc

    def save(self, path: Path) -> None:
        """Write atomically: a full disk or a crash leaves the previous file intact."""
        path = Path(path)
        if path.is_file():
            previous = load_case(path)
            if [asdict(e) for e in previous.audit] != [asdict(e) for e in self.audit[: len(previous.audit)]]:
                raise CaseError(f"{path} holds another audit log; save under a new name instead of overwriting it")
        tmp = path.with_name(path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CaseError(f"cannot write the case to {path} ({exc.strerror or exc}); nothing was changed") from exc


def load_case(path: Path) -> Case:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CaseError(f"no case file at {path}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CaseError(f"{path} is not a readable case file ({exc})") from exc
    if not isinstance(data, dict):
        raise CaseError(f"{path} is not a case file")
    return Case.from_dict(data)
