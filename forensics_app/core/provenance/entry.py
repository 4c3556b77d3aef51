"""One thing a file says about its own origin, and how far that statement can be trusted.

Every reader in this package returns :class:`ProvenanceEntry` values, so the command line,
the window, the case file and the report all show the same sentences.  An entry is a claim
the file makes, never a conclusion of the program: ``bound`` is True only for a C2PA claim
whose signature the SDK validated, and every other kind (EXIF, XMP, PNG text) is worded as
freely editable.  Provenance is kept apart from the fingerprint and never enters its
likelihood ratio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from forensics_app.core.provenance.c2pa_chain import CAPTURED_SOURCES, GENERATED_SOURCES
from forensics_app.core.provenance.c2pa_words import source_words

#: The kinds an entry can have, in the order they are shown.
KINDS = ("c2pa", "png-text", "exif", "xmp", "file-format", "jpeg", "file-end", "size", "unreadable")

#: Appended to every statement that anyone with a metadata editor could have written.
EDITABLE = "freely editable metadata: a claim, not proof"


@dataclass
class ProvenanceEntry:
    """A statement found in the file: what it says, who it names, and whether it is bound.

    ``generator`` is the generating tool or model as the file states it; ``model`` a
    checkpoint or model name when a recipe names one; ``signer`` and ``valid`` belong to
    C2PA (``valid`` is None where there is no signature to validate); ``source_type`` is
    the IPTC digital source type a C2PA chain or an XMP packet declares
    ("trainedAlgorithmicMedia", "digitalCapture", ...).  ``flag`` is a few
    words for what the analyst must look at (a renamed file, a broken signature, data
    appended after the image), empty when there is nothing to look at.
    ``details`` holds every field read, for the Evidence tab and the JSON output.
    """

    kind: str
    says: str
    generator: str | None = None
    model: str | None = None
    signer: str | None = None
    valid: bool | None = None
    bound: bool = False
    flag: str = ""
    details: dict[str, str] = field(default_factory=dict)
    source_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON: ``kind`` and ``says`` always, the other fields only when set."""
        data: dict[str, Any] = {"kind": self.kind, "says": self.says}
        for key in ("generator", "model", "signer", "valid", "source_type"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.bound:
            data["bound"] = True
        if self.flag:
            data["flag"] = self.flag
        if self.details:
            data["details"] = dict(self.details)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ProvenanceEntry:
        """Rebuild an entry stored in a case; unknown keys are ignored (newer files)."""
        valid = data.get("valid")
        return cls(
            kind=str(data.get("kind", "unreadable")),
            says=str(data.get("says", "")),
            generator=_optional(data.get("generator")),
            model=_optional(data.get("model")),
            signer=_optional(data.get("signer")),
            valid=None if valid is None else bool(valid),
            bound=bool(data.get("bound", False)),
            flag=str(data.get("flag") or ""),
            details={str(k): str(v) for k, v in dict(data.get("details") or {}).items()},
            source_type=_optional(data.get("source_type")),
        )


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def quoted(text: str, limit: int = 120) -> str:
    """A value as the analyst reads it in a sentence: quoted, one line, cut when long."""
    line = " ".join(str(text).split())
    if len(line) > limit:
        line = line[: limit - 3].rstrip() + "..."
    return f"\u201c{line}\u201d"


def declaration(entries: list[ProvenanceEntry]) -> str:
    """One line for a table cell: what the file declares about its maker, and how bound.

    A validated C2PA claim comes first; otherwise the first editable declaration;
    otherwise "declares no generator".  A declared digital source type leads ("AI-generated"
    for trained algorithmic media).  Findings (renamed file, failed signature) follow.
    """
    ordered = sorted((e for e in entries if e.generator or e.source_type), key=lambda e: (not e.bound, e.kind != "c2pa"))
    if ordered:
        best = ordered[0]
        said = []
        if best.source_type:
            said.append(source_in_brief(best.source_type))
        if best.generator:
            said.append(f"made with {best.generator}")
            if best.model and best.model != best.generator:
                said[-1] += f" (model {best.model})"
        text = "declares: " + ", ".join(said)
        text += " [C2PA, signature valid]" if best.bound else f" [{_source_word(best)}, editable]"
        if best.kind == "c2pa" and not best.bound:
            text = text.replace(", editable]", ", signature NOT valid]")
    else:
        text = "declares no generator"
    flags = [e.flag for e in entries if e.flag]
    if flags:
        text += "; " + "; ".join(dict.fromkeys(flags))
    return text


def source_in_brief(source_type: str) -> str:
    """A digital source type in a few words for a table cell."""
    if source_type in GENERATED_SOURCES:
        return "AI-generated" if source_type == "trainedAlgorithmicMedia" else "partly AI-generated"
    if source_type in CAPTURED_SOURCES:
        return "a capture (" + source_words(source_type) + ")"
    return source_words(source_type)


def _source_word(entry: ProvenanceEntry) -> str:
    return {"c2pa": "C2PA", "png-text": "PNG text", "exif": "EXIF", "xmp": "XMP"}.get(entry.kind, entry.kind)
