"""One investigation: its evidence, results and append-only audit log, in one file.

A case is JSON (readable in any editor, diffable, and easy to archive beside the
report): the analyst's details, one item per input file with its evidence record,
fingerprint, attribution and cluster, the map, the settings and the extractor and
library they were computed with.  The audit log only grows: every action appends an
entry (UTC time, action, file hash), and loading refuses a file whose log was cut.

A case is tamper-evident.  Each audit entry carries ``chain``, the SHA-256 of the entry
and the chain before it, so an entry removed, edited or inserted breaks every link after
it; the whole file carries ``seal``, the SHA-256 of everything else in it, renewed by each
save of the program.  Loading verifies both and keeps what it found in
``Case.load_problems`` (with the file's own SHA-256 in ``Case.source_sha256``) instead of
refusing the file: the analyst must be able to see a tampered case, and be told.  Neither
is a signature (anyone with this source can recompute them), so
:mod:`~forensics_app.core.case.check` also recomputes the stored results from the stored
fingerprints.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from forensics_app.core.case.library_record import LibrarySnapshot
from forensics_app.core.case.results import StoredAttribution, UnreadableAttribution
from forensics_app.core.case.settings import CaseSettings, ExtractorStamp
from forensics_app.core.evidence.record import EvidenceImage
from forensics_app.core.provenance.entry import ProvenanceEntry
from forensics_app.core.regular_file import FileRefused, read_regular_file

CASE_FORMAT = 2  # 2: an attribution may keep the fingerprint of its image brought down to a condition
#: Formats this program reads: 1 holds nothing format 2 reads differently.
READABLE_CASE_FORMATS = (1, 2)
CASE_SUFFIX = ".fcase"
#: Largest case file read, checked before reading: 100,000 exhibits fit in about 300 MB.
MAX_CASE_BYTES = 1024 * 2**20


class CaseError(Exception):
    """A case file cannot be read or written; the message says why."""


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
    chain: str = ""  # SHA-256 of the previous link and this entry; "" in cases older than the chain

    def link(self, previous: str) -> str:
        """This entry's link in the chain, given the link before it."""
        body = json.dumps([previous, self.time, self.action, self.sha256, self.detail], ensure_ascii=True)
        return hashlib.sha256(body.encode("ascii")).hexdigest()


def chain_problems(audit: list[AuditEntry]) -> list[str]:
    """Where the audit log's hash chain breaks: entries removed, edited, inserted or unlinked."""
    problems, previous, chained = [], "", False
    for number, entry in enumerate(audit, start=1):
        expected = entry.link(previous)
        if entry.chain:
            chained = True
            if entry.chain != expected:
                problems.append(f"audit entry {number} ({entry.action}, {entry.time}) does not follow from the "
                                "entries before it: entries were removed, edited or inserted")
                expected = entry.chain  # report each break once, not every entry after it
        elif chained:
            problems.append(f"audit entry {number} ({entry.action}, {entry.time}) carries no link in the chain: "
                            "it was added outside the program")
        previous = expected
    return problems


def seal_of(data: dict[str, Any]) -> str:
    """SHA-256 of a case's content (everything but the seal), in one canonical JSON form."""
    body = {key: value for key, value in data.items() if key != "seal"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass
class CaseItem:
    """One input file of the case."""

    exhibit: str
    path: str
    evidence: EvidenceImage | None = None  # without pixels; None when rejected at intake
    error: str | None = None
    embedding: np.ndarray | None = None
    padded: bool = False
    attribution: StoredAttribution | None = None
    cluster: int | None = None
    #: The earlier exhibit holding the very same bytes (same SHA-256), when there is one.
    same_as: str | None = None
    #: The analyst's note on this exhibit (each change logged); printed in the report.
    note: str = ""
    #: What the file declares, read at intake from the bytes that were hashed; None in a
    #: case from before declarations were read (an empty tuple: read, nothing found).
    provenance: tuple[ProvenanceEntry, ...] | None = None
    #: Records read from the file that could not be read as what they claim to be (by key),
    #: written back unchanged so that saving never deletes what the re-check reported.
    unread: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def sha256(self) -> str | None:
        return self.evidence.sha256 if self.evidence is not None else None

    @property
    def format(self) -> str:
        """The file's format as Pillow named it ('' for a file rejected at intake)."""
        return self.evidence.format if self.evidence is not None else ""

    def to_dict(self) -> dict:
        data = {name: getattr(self, name) for name in ("exhibit", "path", "error", "padded", "cluster", "same_as", "note")}
        data["embedding"] = _encode(self.embedding)
        data["attribution"] = self.attribution.to_dict() if self.attribution is not None else None
        data["evidence"] = None
        if self.evidence is not None:  # the provenance is kept inside the evidence record, as ever
            data["evidence"] = self.evidence.metadata_dict()
            if self.provenance is not None:
                data["evidence"]["provenance"] = [entry.to_dict() for entry in self.provenance]
        for key, raw in self.unread.items():
            if getattr(self, key) is None:  # not replaced since (a new analysis gives a new attribution)
                data[key] = raw
        return data

    @classmethod
    def from_dict(cls, data: dict, problems: list[str] | None = None) -> "CaseItem":
        """The item back; a stored attribution or evidence record that cannot be read is left
        out and said in `problems`."""
        values = dict(data)
        exhibit = values.get("exhibit")
        values["embedding"] = _decode(values.get("embedding"))
        values["unread"] = {}
        stored = values.get("attribution")
        try:
            values["attribution"] = StoredAttribution.from_dict(stored) if stored else None
        except UnreadableAttribution as exc:
            values["attribution"], values["unread"]["attribution"] = None, stored
            _said(problems, f"{exhibit}: its stored attribution cannot be read ({exc}): it was edited outside the "
                            "program")
        evidence = values.pop("evidence", None)
        values["evidence"], values["provenance"] = None, None
        if evidence is not None:
            try:
                values["evidence"] = EvidenceImage.from_metadata_dict(evidence)
                declared = evidence.get("provenance")
                if declared is not None:
                    values["provenance"] = tuple(ProvenanceEntry.from_dict(d) for d in declared if isinstance(d, dict))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                values["evidence"], values["provenance"], values["unread"]["evidence"] = None, None, evidence
                _said(problems, f"{exhibit}: its stored evidence record cannot be read ({exc!r}): it was edited "
                                "outside the program")
        return cls(**values)


def _said(problems: list[str] | None, problem: str) -> None:
    if problems is not None:
        problems.append(problem)


@dataclass
class ReferencePoints:
    """One enrolled generator's references on the case's map, drawn beside its images."""

    generator: str
    points: list[tuple[float, float]]

    def to_dict(self) -> dict:
        return {"generator": self.generator, "points": [[round(x, 4), round(y, 4)] for x, y in self.points]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ReferencePoints":
        return cls(str(data["generator"]), [(float(x), float(y)) for x, y in data.get("points") or []])


@dataclass
class Case:
    reference: str = ""
    examiner: str = ""
    organisation: str = ""
    question: str = ""
    case_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: str = field(default_factory=utc_now)
    extractor: ExtractorStamp | None = None  # None until the first image is fingerprinted
    settings: CaseSettings = field(default_factory=CaseSettings)
    library: LibrarySnapshot | None = None  # the library attribution used; None before any
    items: list[CaseItem] = field(default_factory=list)
    map: list[list[float]] | None = None  # t-SNE coordinates, one per fingerprinted item
    map_references: list[ReferencePoints] = field(default_factory=list)  # the library's, on the same map
    audit: list[AuditEntry] = field(default_factory=list)
    #: Set by :func:`load_case`, never saved: the file's SHA-256 as opened, and what its
    #: seal and audit chain revealed (empty when both hold).
    source_sha256: str | None = field(default=None, compare=False, repr=False)
    load_problems: list[str] = field(default_factory=list, compare=False, repr=False)

    def log(self, action: str, sha256: str | None = None, detail: str = "") -> AuditEntry:
        entry = AuditEntry(utc_now(), action, sha256, detail)
        entry.chain = entry.link(self._last_link())
        self.audit.append(entry)
        return entry

    def _last_link(self) -> str:
        """The chain value the next entry follows from (recomputed over unchained old entries)."""
        if self.audit and self.audit[-1].chain:
            return self.audit[-1].chain
        previous = ""
        for entry in self.audit:
            previous = entry.chain or entry.link(previous)
        return previous

    def next_exhibit(self) -> str:
        """The next exhibit number; one removed is never given again (its intake stays logged)."""
        logged = sum(1 for entry in self.audit if entry.action in ("intake", "rejected"))
        return f"E{max(len(self.items), logged) + 1:04d}"

    def set_note(self, exhibit: str, note: str) -> bool:
        """The analyst's note on an exhibit, logged when it changes; False when it did not."""
        item = next(i for i in self.items if i.exhibit == exhibit)
        note = str(note).strip()
        if note == item.note:
            return False
        item.note = note
        self.log("note", item.sha256, f"{exhibit}: {note}" if note else f"{exhibit}: note cleared")
        return True

    def remove_exhibit(self, exhibit: str, reason: str) -> CaseItem:
        """Take an exhibit out of the case, logged with its hash and the analyst's reason.

        Its number is not reused, and the stored map is dropped (it is one point per
        fingerprinted exhibit, in order): the analysis is to be run again.
        """
        item = next((i for i in self.items if i.exhibit == exhibit), None)
        if item is None:
            raise KeyError(f"no exhibit {exhibit} in the case")
        reason = " ".join(str(reason).split())
        if not reason:
            raise ValueError("removing an exhibit needs a reason, for the audit log")
        self.items.remove(item)
        self.map, self.map_references = None, []
        self.log("removed", item.sha256, f"{exhibit} {item.path}: {reason}")
        return item

    @property
    def library_sha256(self) -> str:
        """The content hash of the library the case was attributed against ('' when none)."""
        return self.library.content_sha256 if self.library is not None else ""

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
            "extractor": self.extractor.to_dict() if self.extractor is not None else {},
            "settings": self.settings.to_dict(),
            "library": self.library.to_dict() if self.library is not None else {},
            "items": [item.to_dict() for item in self.items],
            "map": self.map,
            "map_references": [r.to_dict() for r in self.map_references],
            "audit": [asdict(entry) for entry in self.audit],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Case":
        if data.get("format") not in READABLE_CASE_FORMATS:
            raise CaseError(f"unsupported case format {data.get('format')!r}; this program reads formats "
                            f"{', '.join(map(str, READABLE_CASE_FORMATS))}")
        try:
            problems: list[str] = []
            settings, settings_problems = CaseSettings.from_dict(data.get("settings", {}))
            case = cls(
                reference=data.get("reference", ""),
                examiner=data.get("examiner", ""),
                organisation=data.get("organisation", ""),
                question=data.get("question", ""),
                case_id=data["case_id"],
                created=data["created"],
                extractor=ExtractorStamp.from_dict(data.get("extractor")),
                settings=settings,
                library=LibrarySnapshot.from_dict(data["library"]) if data.get("library") else None,
                items=[CaseItem.from_dict(item, problems) for item in data.get("items", [])],
                map=data.get("map"),
                map_references=[ReferencePoints.from_dict(r) for r in data.get("map_references") or []],
                audit=[AuditEntry(**entry) for entry in data.get("audit", [])],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CaseError(f"the case file is damaged ({exc!r})") from exc
        case.load_problems = settings_problems + problems
        return case

    def save(self, path: Path) -> None:
        """Write atomically: a full disk or a crash leaves the previous file intact."""
        path = Path(path)
        if path.is_file():
            previous = load_case(path)
            if [asdict(e) for e in previous.audit] != [asdict(e) for e in self.audit[: len(previous.audit)]]:
                raise CaseError(f"{path} holds another audit log; save under a new name instead of overwriting it")
        tmp = path.with_name(path.name + ".tmp")
        data = self.to_dict()
        data["seal"] = seal_of(data)
        try:
            tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            os.replace(tmp, path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CaseError(f"cannot write the case to {path} ({exc.strerror or exc}); nothing was changed") from exc


def load_case(path: Path) -> Case:
    """Read a case file (a regular file only, of bounded size), verifying its seal and chain."""
    path = Path(path)
    try:
        raw = read_regular_file(path, MAX_CASE_BYTES)
    except FileRefused as exc:
        if exc.missing:
            raise CaseError(f"no case file at {path}") from None
        raise CaseError(f"{path} cannot be opened as a case: {exc.reason}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise CaseError(f"{path} is not a readable case file ({exc})") from exc
    if not isinstance(data, dict):
        raise CaseError(f"{path} is not a case file")
    case = Case.from_dict(data)
    case.source_sha256 = hashlib.sha256(raw).hexdigest()
    seal = data.get("seal")
    if not seal:
        case.load_problems.append("the case file carries no seal: it was written by an earlier version of the "
                                  "program or the seal was removed, so edits to it cannot be ruled out")
    elif seal != seal_of(data):
        case.load_problems.append("the case file's seal does not match its content: it was edited outside the "
                                  "program after it was last saved")
    case.load_problems.extend(chain_problems(case.audit))
    return case
