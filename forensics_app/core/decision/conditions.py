"""The condition an image is stored in, and how to bring references to it.

Residual statistics and the learned stream both see a file's last compression as
strongly as its maker: with clean references, every JPEG probe of the dev set went to the
one JPEG-stored generator.  So a JPEG probe is compared with references brought to the
same condition: the references, kept by the lab and hashed in the library, are re-encoded
at the probe's JPEG quality (read from its quantisation tables), fingerprinted again and
calibrated on their own.  Qualities are snapped to a ladder so a case of social-media
images needs a handful of matched galleries, not one per file.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from PIL import Image

#: JPEG qualities a probe is matched at (the nearest one is used).
QUALITY_LADDER = (100, 95, 90, 85, 80, 75, 70, 65, 60, 55, 50, 40, 30, 20)
AS_STORED = "as stored"
#: Formats that store pixels without loss: any JPEG is more compressed than they are.
LOSSLESS_FORMATS = frozenset({"PNG", "BMP", "PPM"})

_QUALITY = re.compile(r"^\s*(\d{1,3})\b")


@dataclass(frozen=True)
class Condition:
    """A probe's storage condition: JPEG at a ladder quality, or None (compared as stored)."""

    jpeg_quality: int | None = None
    read_quality: int | None = None  # the quality the file's tables gave, before snapping
    exact: bool = False  # the tables are libjpeg's own scaling (not an estimate)

    @property
    def key(self) -> str:
        return f"jpeg-{self.jpeg_quality}" if self.jpeg_quality is not None else AS_STORED

    @property
    def matched(self) -> bool:
        return self.jpeg_quality is not None

    def describe(self) -> str:
        if self.jpeg_quality is None:
            return "compared with the references as they are stored"
        how = "read from its standard quantisation tables" if self.exact else "estimated from its quantisation tables"
        snapped = "" if self.read_quality == self.jpeg_quality else f", matched at {self.jpeg_quality}"
        return f"stored as JPEG quality {self.read_quality} ({how}{snapped})"


def snap_quality(quality: int) -> int:
    return min(QUALITY_LADDER, key=lambda q: (abs(q - quality), -q))


def condition_from_quality(text: str | None) -> Condition:
    """The condition from the JPEG entry's quality field ("85 (exact libjpeg tables)")."""
    match = _QUALITY.match(text or "")
    if not match:
        return Condition()
    quality = max(1, min(100, int(match.group(1))))
    return Condition(snap_quality(quality), quality, "exact" in (text or ""))


class Declared(Protocol):
    """What a condition is read from: a provenance entry's kind and the fields it read."""

    kind: str
    details: dict[str, str]


def condition_of(provenance: Sequence[Declared] | None) -> Condition:
    """A probe's condition from the provenance read at intake (its JPEG entry), else as stored."""
    for entry in provenance or ():
        if entry.kind == "jpeg":
            return condition_from_quality(str(entry.details.get("quality", "")))
    return Condition()


def jpeg_round_trip(pixels: np.ndarray, quality: int) -> np.ndarray:
    """The pixels as a JPEG of `quality` decodes them (Pillow's libjpeg, its default subsampling)."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="JPEG", quality=int(quality))
    buffer.seek(0)
    with Image.open(buffer) as image:
        return np.asarray(image.convert("RGB"))


@dataclass(frozen=True)
class ComparedCondition:
    """How one attribution was compared: the probe's condition and, when matched, the references'.

    Stored with the attribution, so the report and the re-check say which condition was
    used; `why` says why a JPEG probe could not be matched (compared as stored instead).
    A probe stored with less loss than every reference is brought down to theirs: it is
    re-encoded at the key's quality and fingerprinted again, and that `fingerprint` is
    kept, since the attribution was computed from it and not from the exhibit's own.
    """

    key: str
    probe: str
    matched: bool
    references: str = ""
    why: str = ""
    fingerprint: tuple[float, ...] = ()  # the probe brought down to the key's quality; () when it was not

    @property
    def brought_down(self) -> bool:
        return bool(self.fingerprint)

    @property
    def quality(self) -> int | None:
        """The JPEG quality of the compared condition, from its key ("jpeg-75")."""
        prefix, _, number = self.key.partition("-")
        return int(number) if prefix == "jpeg" and number.isdigit() else None

    def words(self) -> str:
        """How the comparison was made, in the report's and the ranked pane's words."""
        if self.matched and self.brought_down:
            return (f"Brought down: the image is {self.probe}; every reference is a JPEG and the most compressed is "
                    f"at quality {self.quality}, so the image was re-encoded at that quality and fingerprinted again; "
                    f"{self.references}. The error rates of such comparisons are not validated.")
        if self.matched:
            return f"Matched condition: the image is {self.probe}; {self.references}."
        return (f"Not compared in a matched condition (the image is {self.probe}): {self.why or 'not recorded'}; "
                "compared with the references as stored, which may understate or misplace its likelihood ratios.")

    def to_dict(self) -> dict:
        data = {"key": self.key, "probe": self.probe, "matched": self.matched}
        data.update({"references": self.references} if self.matched else {"why": self.why})
        if self.fingerprint:
            data["brought_down"] = True
            data["fingerprint"] = [float(value) for value in self.fingerprint]
        return data

    @classmethod
    def from_dict(cls, data: object) -> "ComparedCondition | None":
        """The stored record back; None when there is none or it is not a record."""
        if not isinstance(data, dict) or not data:
            return None
        fingerprint = data.get("fingerprint")
        try:
            values = tuple(float(v) for v in fingerprint) if isinstance(fingerprint, list) else ()
        except (TypeError, ValueError):
            values = (float("nan"),)  # unreadable: the re-check says so rather than dropping it
        return cls(str(data.get("key") or "?"), str(data.get("probe") or ""), bool(data.get("matched")),
                   str(data.get("references") or ""), str(data.get("why") or ""), values)
