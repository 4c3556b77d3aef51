"""The record of one image taken in: identity, metadata and pixels, and its stored form."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["EvidenceImage"]


@dataclass(frozen=True, eq=False)
class EvidenceImage:
    """One image taken in as evidence: its identity, its metadata and its RGB pixels.

    ``pixels`` is ``None`` in a copy made by :meth:`without_pixels`; callers keep such
    copies for long lists of images, where the metadata is small and the pixels are not.
    """

    path: str
    sha256: str
    md5: str
    size_bytes: int
    format: str
    width: int
    height: int
    mode: str
    exif: dict[str, str] = field(default_factory=dict)
    has_icc_profile: bool = False
    frames: int = 1
    notes: list[str] = field(default_factory=list)
    pixels: np.ndarray | None = None
    text_metadata: dict[str, str] = field(default_factory=dict)

    def without_pixels(self) -> EvidenceImage:
        """A copy with the same metadata and no pixels, to keep without the memory."""
        return dataclasses.replace(
            self,
            exif=dict(self.exif),
            notes=list(self.notes),
            text_metadata=dict(self.text_metadata),
            pixels=None,
        )

    def metadata_dict(self) -> dict[str, Any]:
        """Everything but the pixels, as plain JSON-ready values (for cases and reports)."""
        return {
            "path": self.path,
            "sha256": self.sha256,
            "md5": self.md5,
            "size_bytes": self.size_bytes,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "mode": self.mode,
            "exif": dict(self.exif),
            "text_metadata": dict(self.text_metadata),
            "has_icc_profile": self.has_icc_profile,
            "frames": self.frames,
            "notes": list(self.notes),
        }

    @classmethod
    def from_metadata_dict(cls, data: dict[str, Any]) -> EvidenceImage:
        """Rebuild a pixel-less record from :meth:`metadata_dict` (a reopened case)."""
        return cls(
            path=str(data["path"]),
            sha256=str(data["sha256"]),
            md5=str(data["md5"]),
            size_bytes=int(data["size_bytes"]),
            format=str(data["format"]),
            width=int(data["width"]),
            height=int(data["height"]),
            mode=str(data["mode"]),
            exif={str(k): str(v) for k, v in dict(data.get("exif", {})).items()},
            has_icc_profile=bool(data.get("has_icc_profile", False)),
            frames=int(data.get("frames", 1)),
            notes=[str(n) for n in data.get("notes", [])],
            text_metadata={
                str(k): str(v) for k, v in dict(data.get("text_metadata", {})).items()
            },
            pixels=None,
        )
