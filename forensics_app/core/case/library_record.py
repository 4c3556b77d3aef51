"""What a case records of the library its attributions were made against.

The identity (content hash, extractor, generators and their reference counts), the
gallery of generator means the attribution used, and for each matched condition the
gallery and policy of the references re-encoded to it.  The re-check
(:mod:`~forensics_app.core.case.check`) recomputes every attribution from these, so a
gallery that cannot be read is kept as the reason, never repaired.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forensics_app.core.decision.attribution import DecisionPolicy


@dataclass(frozen=True)
class SavedGallery:
    """The generator means attribution compared with, as saved: names and a (G, D) float32 matrix."""

    names: tuple[str, ...]
    means: np.ndarray

    @classmethod
    def of(cls, names: list[str], gallery: np.ndarray) -> "SavedGallery":
        return cls(tuple(names), np.asarray(gallery, np.float32).reshape(len(names), -1))

    def to_dict(self) -> dict[str, Any]:
        matrix = np.asarray(self.means, "<f4")
        return {"names": list(self.names), "dim": int(matrix.shape[1]) if matrix.ndim == 2 else 0,
                "means": base64.b64encode(matrix.tobytes()).decode("ascii")}

    @classmethod
    def from_dict(cls, record: Any) -> "SavedGallery":
        """The saved gallery back; ValueError when it is missing or damaged."""
        if not isinstance(record, dict):
            raise ValueError("no gallery was saved")
        names = record.get("names")
        try:
            dim = int(record.get("dim", 0))
            matrix = np.frombuffer(base64.b64decode(str(record.get("means", ""))), dtype="<f4")
        except (TypeError, ValueError) as exc:
            raise ValueError(f"the saved gallery is damaged ({exc})") from None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or dim <= 0:
            raise ValueError("the saved gallery's names or size are damaged")
        if matrix.size != len(names) * dim or not np.all(np.isfinite(matrix)):
            raise ValueError("the saved gallery's means are damaged")
        return cls(tuple(names), matrix.reshape(len(names), dim).astype(np.float32))


@dataclass(frozen=True)
class MatchedRecord:
    """One matched condition: its references' gallery and the policy calibrated on them.

    `gallery` or `policy` is None where the case's record of it cannot be read (`problem` says why).
    """

    gallery: SavedGallery | None
    policy: DecisionPolicy | None
    references: str = ""
    left_out: tuple[str, ...] = ()
    problem: str = ""
    raw: dict = field(default_factory=dict, compare=False, repr=False)  # as read, written back unchanged if unreadable

    def to_dict(self) -> dict[str, Any]:
        if self.gallery is None or self.policy is None:
            return dict(self.raw)
        return {"gallery": self.gallery.to_dict(), "policy": self.policy.to_dict(), "references": self.references,
                "left_out": list(self.left_out)}

    @classmethod
    def from_dict(cls, record: Any) -> "MatchedRecord":
        if not isinstance(record, dict):
            return cls(None, None, problem="the record is not readable", raw={})
        try:
            gallery = SavedGallery.from_dict(record.get("gallery"))
            policy = DecisionPolicy.from_dict(record.get("policy") or {})
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return cls(None, None, str(record.get("references") or ""), problem=str(exc), raw=dict(record))
        left_out = record.get("left_out")
        return cls(gallery, policy, str(record.get("references") or ""),
                   tuple(str(p) for p in left_out) if isinstance(left_out, list) else ())


@dataclass(frozen=True)
class GeneratorEntry:
    name: str
    family: str | None
    reference_count: int


@dataclass
class LibrarySnapshot:
    """The library an analysis used: identity, generators, the gallery and the matched galleries."""

    content_sha256: str = ""
    extractor_id: str = ""
    embedding_dim: int | None = None
    schema_version: int | None = None
    generators: tuple[GeneratorEntry, ...] = ()
    gallery: SavedGallery | None = None
    matched: dict[str, MatchedRecord] = field(default_factory=dict)
    #: Set when reading, never saved: why the saved gallery cannot be used ('' when it can or none was saved).
    gallery_problem: str = field(default="", compare=False)
    _raw_gallery: Any = field(default=None, compare=False, repr=False)

    @property
    def generator_count(self) -> int:
        return len(self.generators)

    @property
    def reference_count(self) -> int:
        return sum(g.reference_count for g in self.generators)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "extractor_id": self.extractor_id, "embedding_dim": self.embedding_dim,
            "schema_version": self.schema_version, "content_sha256": self.content_sha256,
            "generator_count": self.generator_count, "reference_count": self.reference_count,
            "generators": [{"name": g.name, "family": g.family, "reference_count": g.reference_count}
                           for g in self.generators],
        }
        if self.gallery is not None:
            data["gallery"] = self.gallery.to_dict()
        elif self._raw_gallery is not None:
            data["gallery"] = self._raw_gallery
        if self.matched:
            data["matched"] = {key: record.to_dict() for key, record in self.matched.items()}
        return data

    @classmethod
    def from_dict(cls, data: Any) -> "LibrarySnapshot":
        """The snapshot back; a gallery that cannot be read is kept as `gallery_problem`."""
        if not isinstance(data, dict):
            return cls()
        listed = data.get("generators")
        generators = tuple(GeneratorEntry(str(g.get("name")), None if g.get("family") is None else str(g["family"]),
                                          _count(g.get("reference_count")))
                           for g in (listed if isinstance(listed, list) else []) if isinstance(g, dict))
        gallery, problem = None, ""
        if "gallery" in data:
            try:
                gallery = SavedGallery.from_dict(data["gallery"])
            except ValueError as exc:
                problem = str(exc)
        matched = data.get("matched")
        return cls(str(data.get("content_sha256") or ""), str(data.get("extractor_id") or ""),
                   _optional_int(data.get("embedding_dim")), _optional_int(data.get("schema_version")), generators,
                   gallery, {str(k): MatchedRecord.from_dict(v) for k, v in matched.items()}
                   if isinstance(matched, dict) else {}, problem, data.get("gallery") if problem else None)


def _count(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def _optional_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
