"""What a library holds, as the rest of the program sees it: references, generators, markers."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

__all__ = ["KEEP", "MIN_REFERENCES_ADVISED", "GeneratorInfo", "Keep", "OnConflict", "Reference"]

#: The one recommended number of reference images per generator, said everywhere (first-run
#: screen, enrolment, README).  Fewer still enrol, with a warning: the mean of a handful of
#: fingerprints is noisy, and every published figure was measured with ten references.
MIN_REFERENCES_ADVISED = 10

#: One reference image: (SHA-256 of the file bytes, path at enrolment, embedding).
Reference = tuple[str, str | os.PathLike[str], np.ndarray]
OnConflict = Literal["skip", "rename", "error"]



@dataclass(frozen=True)
class GeneratorInfo:
    """One enrolled generator as listed to the user."""

    name: str
    family: str | None
    notes: str | None
    reference_count: int
    created_at: str
    updated_at: str

    @property
    def warnings(self) -> list[str]:
        """Why attribution against this generator may be weak; empty when nothing stands out."""
        if self.reference_count >= MIN_REFERENCES_ADVISED:
            return []
        return [
            f"'{self.name}' has {self.reference_count} reference image(s); at least "
            f"{MIN_REFERENCES_ADVISED} are advised for a reliable mean fingerprint. Add more "
            "images from the same generator."
        ]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "warnings": self.warnings}


class Keep:
    """Marks a detail that ``set_details`` should leave unchanged (``None`` clears it)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep()
