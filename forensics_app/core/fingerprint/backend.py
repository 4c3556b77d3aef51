"""The back-end: how the streams become one fingerprint, learned without real generators.

Raw co-occurrence frequencies are dominated by what every image shares (smooth content,
the 8-bit grid, JPEG's block structure), so compared as they are they rank sources by
scene and encoding more than by maker.  A projection learned on a varied background of
known sources (synthetic models' outputs and photographs, lossless and re-encoded;
`training.backend_data`) keeps the directions in which sources differ and scales each to
unit variance: PCA whitening, or LDA on the background's source ids.  The projected
vector is length-normalised and joined with the learned stream's embedding, each
weighted so that the fused cosine is `weight * cosine(residual) + (1 - weight) *
cosine(learned)`.  Library, policy, verification and clustering then compare fused
fingerprints exactly as they compared the learned one alone.

A back-end may also carry a square map of the joined vector (`fused_map`): the
two-covariance PLDA geometry of the background's fused fingerprints (between-source
covariance B, within-source W), diagonalised so that W is the identity and each
direction scaled by sqrt(b / (b + 1)), b its between-source variance.  The cosine after
that map weighs each direction by how far sources differ in it relative to how much one
source's images vary, as PLDA's likelihood ratio does, while every comparison stays a
cosine; it keeps the fingerprint's length, so nothing that stores fingerprints changes.
The diagonalisation undoes any rescaling of the two streams' blocks, so ahead of the map
the streams' weights act only through the small floor that keeps B and W invertible.

The back-end ships as `backend.npz` beside the weights; its SHA-256 is in the model card
and enters the extractor id, so references made under another back-end are refused as
references from other weights are.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forensics_app.core.fingerprint.residual_stats import ResidualStatsConfig, residual_statistics
from forensics_app.core.sealed_file import read_sealed

BACKEND_NAME = "backend.npz"


class BackendError(Exception):
    """The back-end cannot be used; the message says why."""


@dataclass(frozen=True)
class Backend:
    """Residual-statistics projection and stream weights; `apply` fuses the streams."""

    stats: ResidualStatsConfig
    mean: np.ndarray  # (F,) background mean of the residual statistics
    projection: np.ndarray  # (F, P) learned on the background
    residual_weight: float  # share of the fused cosine given to the residual stream
    method: str  # how the projection was learned, in plain words
    fused_mean: np.ndarray | None = None  # (P + D,) background mean of the joined streams
    fused_map: np.ndarray | None = None  # (P + D, P + D) PLDA-scaled map of the joined streams

    def __post_init__(self) -> None:
        if (self.mean.shape != (self.stats.dimension,) or self.projection.ndim != 2
                or self.projection.shape[0] != self.stats.dimension):
            raise BackendError("the back-end's projection does not fit its residual statistics")
        if not 0.0 <= self.residual_weight <= 1.0:
            raise BackendError("the residual stream's weight must lie between 0 and 1")
        if (self.fused_mean is None) != (self.fused_map is None):
            raise BackendError("the back-end's map of the joined streams lacks its mean or its matrix")
        if self.fused_map is not None:
            size = self.fused_mean.shape[0] if self.fused_mean.ndim == 1 else -1
            if size < 0 or self.fused_map.shape != (size, size) or size <= self.projected_dim:
                raise BackendError("the back-end's map of the joined streams does not fit them")

    @property
    def projected_dim(self) -> int:
        return int(self.projection.shape[1])

    def fused_dim(self, learned_dim: int) -> int:
        return self.projected_dim + learned_dim

    def residual_features(self, pixels: np.ndarray) -> np.ndarray:
        return residual_statistics(pixels, self.stats)

    def project(self, stats: np.ndarray) -> np.ndarray:
        """(N, F) residual statistics -> (N, P) unit vectors."""
        projected = (np.atleast_2d(np.asarray(stats, dtype=np.float64)) - self.mean) @ self.projection
        return _unit(projected).astype(np.float32)

    def join(self, stats: np.ndarray, learned: np.ndarray) -> np.ndarray:
        """The weighted streams side by side, before any map: (N, P + D) unit vectors."""
        residual = self.project(stats) * np.sqrt(self.residual_weight)
        learned = _unit(np.atleast_2d(np.asarray(learned, dtype=np.float64))) * np.sqrt(1.0 - self.residual_weight)
        joined = _unit(np.concatenate([residual, learned], axis=1))
        if self.fused_mean is not None and joined.shape[1] != self.fused_mean.shape[0]:
            raise BackendError(f"the back-end's map expects {self.fused_mean.shape[0] - self.projected_dim} learned "
                               f"values, the learned stream gives {joined.shape[1] - self.projected_dim}")
        return joined

    def apply(self, stats: np.ndarray, learned: np.ndarray) -> np.ndarray:
        """(N, F) statistics and (N, D) learned unit embeddings -> (N, P + D) unit fingerprints."""
        joined = self.join(stats, learned)
        if self.fused_map is not None:
            joined = _unit((joined - self.fused_mean) @ self.fused_map)
        return joined.astype(np.float32)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        fused = {} if self.fused_map is None else {"fused_mean": self.fused_mean.astype(np.float32),
                                                    "fused_map": self.fused_map.astype(np.float32)}
        np.savez(buffer, mean=self.mean.astype(np.float32), projection=self.projection.astype(np.float32),
                 residual_weight=np.array(self.residual_weight), method=np.array(self.method),
                 stats=np.array(json.dumps(self.stats.to_dict(), sort_keys=True)), **fused)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, payload: bytes) -> "Backend":
        with np.load(io.BytesIO(payload), allow_pickle=False) as data:
            return cls(
                stats=ResidualStatsConfig.from_dict(json.loads(str(data["stats"]))),
                mean=np.asarray(data["mean"], dtype=np.float64),
                projection=np.asarray(data["projection"], dtype=np.float64),
                residual_weight=float(data["residual_weight"]),
                method=str(data["method"]),
                fused_mean=np.asarray(data["fused_mean"], dtype=np.float64) if "fused_mean" in data else None,
                fused_map=np.asarray(data["fused_map"], dtype=np.float64) if "fused_map" in data else None,
            )

    def describe(self) -> str:
        mapped = "" if self.fused_map is None else "; the joined streams mapped to the background's PLDA geometry"
        return (f"residual co-occurrence statistics ({self.stats.dimension} values), {self.method}, "
                f"{self.projected_dim} dimensions, weight {self.residual_weight:.2f} beside the learned stream{mapped}")


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def read_backend(path: Path, expected_sha256: str) -> Backend:
    """Load and verify against the card; any mismatch is an error, never a fallback."""
    path = Path(path)
    payload = read_sealed(path, expected_sha256, "fingerprint back-end", BackendError)
    try:
        backend = Backend.from_bytes(payload)
    except (KeyError, ValueError, TypeError, OSError) as exc:
        raise BackendError(f"the fingerprint back-end {path} is damaged ({exc}); reinstall the program") from exc
    arrays = [backend.mean, backend.projection] + ([] if backend.fused_map is None else [backend.fused_mean, backend.fused_map])
    if not all(np.isfinite(array).all() for array in arrays):
        raise BackendError(f"the fingerprint back-end {path} is damaged; reinstall the program")
    return backend


def fused_extractor_id(weights_sha256: str, backend_sha256: str | None) -> str:
    """The id stamped on fingerprints: the weights' alone, or weights and back-end together."""
    if not backend_sha256:
        return weights_sha256[:12]
    return hashlib.sha256(f"{weights_sha256}+{backend_sha256}".encode()).hexdigest()[:12]
