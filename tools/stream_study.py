"""Measure fingerprint streams and back-ends on a labelled folder, without fitting on it.

Every stream (the learned spectrum embedding, the residual statistics) is computed once
per image, clean and re-encoded as JPEG, and cached; each back-end is fitted on the
rendered background only (`python -m training backend`), then applied to the labelled
folder and scored by the protocol of `evaluate` (10 references, 5 seeds).  The labelled
folder is measured, never fitted on.

    python tools/stream_study.py ../shared/data/dev-generators --exclude cnndet-real-photos \
        --background runs/backend-bg --cache runs/dev-streams.npz
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from forensics_app.core.validation.evaluation import dataset_files, gallery_accuracy, identification, verification_auc
from forensics_app.core.evidence import open_evidence
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.fingerprint.residual_stats import ResidualStatsConfig, residual_statistics, select_statistics
from forensics_app.core.decision.conditions import jpeg_round_trip

STUDY_STATS = ResidualStatsConfig(filters=("first", "second", "third"))


def compute(files: list, extractor: Extractor, quality: int) -> dict[str, np.ndarray]:
    clean, reencoded = [], []
    for path in files:
        rgb = open_evidence(path).pixels
        clean.append(rgb)
        reencoded.append(jpeg_round_trip(rgb, quality))
    return {
        "stats": np.stack([residual_statistics(p, STUDY_STATS) for p in clean]),
        "stats_jpeg": np.stack([residual_statistics(p, STUDY_STATS) for p in reencoded]),
        "cnn": extractor.embed_pixels(clean),
        "cnn_jpeg": extractor.embed_pixels(reencoded),
    }


def cached_streams(cache: Path, files: list, learned_folder: Path, quality: int) -> dict[str, np.ndarray]:
    """The files' streams from `cache`, computed with the learned stream's own extractor where it is absent.

    The cache is stamped with that extractor's id and refused under another, so a cache
    filled by a fused extractor (whose fingerprints are not the learned stream) is never read as one.
    """
    learned = Extractor.load(learned_folder, device="cpu")
    if learned.backend is not None:
        raise SystemExit(f"{learned_folder} fuses a back-end already; --learned needs the learned stream alone")
    if cache.exists():
        streams = dict(np.load(cache))
        if str(streams.pop("learned_id", "")) != learned.extractor_id:
            raise SystemExit(f"{cache} was not computed with the learned stream {learned.extractor_id}; delete it")
        return streams
    streams = compute(files, learned, quality)
    np.savez(cache, learned_id=np.array(learned.extractor_id), **streams)
    return streams


def figures(clean: np.ndarray, reencoded: np.ndarray, labels: np.ndarray, group: np.ndarray) -> dict:
    everything = np.ones(labels.size, dtype=bool)
    result = identification(clean, labels)
    return {
        "acc": result.accuracy,
        "auc": verification_auc(clean, labels),
        "t2i": gallery_accuracy(clean, clean, labels, group),
        "gan": gallery_accuracy(clean, clean, labels, ~group),
        "jpeg_probe": gallery_accuracy(clean, reencoded, labels, everything),
        "jpeg_matched": gallery_accuracy(reencoded, reencoded, labels, everything),
        "jpeg_matched_t2i": gallery_accuracy(reencoded, reencoded, labels, group),
    }


def synthetic_heldout(name: str, background, refs: int = 2) -> float:
    """Accuracy on synthetic models the back-end was not fitted on (every other architecture)."""
    from training.backend_fit import VARIANTS, fit_backend

    synthetic = background.kinds == "synthetic"
    architecture = np.array([s.rsplit("-s", 1)[0] for s in background.sources])
    names = np.unique(architecture[synthetic])
    heldout = synthetic & np.isin(architecture, names[1::2])
    backend = fit_backend(VARIANTS[name], background.stats[~heldout], background.sources[~heldout],
                          background.kinds[~heldout], embeddings=background.embeddings[~heldout])
    stats = select_statistics(background.stats[heldout], STUDY_STATS, backend.stats)
    fused = backend.apply(stats, background.embeddings[heldout])
    labels = background.sources[heldout]
    return gallery_accuracy(fused, fused, labels, np.ones(labels.size, dtype=bool), refs=refs)


def study_parser(doc: str) -> argparse.ArgumentParser:
    """The arguments every study on cached dev streams and the rendered background takes."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--exclude", action="append", default=[])
    parser.add_argument("--background", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--group-prefix", default="aibingo-")
    parser.add_argument("--learned", default="runs/learned-extractor",
                        help="the learned stream's own extractor folder (no back-end), to fill --cache")
    return parser


@dataclass
class FusedStudy:
    """The bundled back-end's fused fingerprints of the cached folder and of the background."""

    labels: np.ndarray
    group: np.ndarray  # the text-to-image group's images
    clean: np.ndarray
    reencoded: np.ndarray
    background: np.ndarray
    background_sources: np.ndarray


def fused_study(args: argparse.Namespace) -> FusedStudy:
    """Fuse the cached streams (`--cache`) and the background (`--background`) with the bundled back-end."""
    from training.backend_data import load_background_features

    backend = Extractor.load(device="cpu").backend
    files, labels = dataset_files(args.dataset, exclude=tuple(args.exclude))
    labels = np.asarray(labels).astype(str)
    streams = cached_streams(Path(args.cache), files, Path(args.learned), 85)

    def fused(stats: np.ndarray, learned: np.ndarray) -> np.ndarray:
        return backend.apply(select_statistics(stats, STUDY_STATS, backend.stats), learned)

    background = load_background_features(Path(args.background))
    return FusedStudy(labels, np.char.startswith(labels, args.group_prefix), fused(streams["stats"], streams["cnn"]),
                      fused(streams["stats_jpeg"], streams["cnn_jpeg"]),
                      fused(background.stats, background.embeddings), background.sources)


def main() -> None:
    parser = study_parser(__doc__)
    parser.add_argument("--quality", type=int, default=85)
    parser.add_argument("--variant", action="append", default=[], help="measure only these back-end variants")
    args = parser.parse_args()

    from training.backend_data import load_background_features
    from training.backend_fit import VARIANTS, fit_variant

    files, labels = dataset_files(args.dataset, exclude=tuple(args.exclude))
    labels = np.asarray(labels)
    streams = cached_streams(Path(args.cache), files, Path(args.learned), args.quality)
    group = np.char.startswith(labels.astype(str), args.group_prefix)
    background = load_background_features(Path(args.background))
    rows = {"learned stream alone": figures(streams["cnn"], streams["cnn_jpeg"], labels, group)}
    heldout = background.kinds == "synthetic"
    rows["learned stream alone"]["synthetic_heldout"] = gallery_accuracy(
        background.embeddings[heldout], background.embeddings[heldout], background.sources[heldout],
        np.ones(heldout.sum(), dtype=bool), refs=2)
    for name in args.variant or VARIANTS:
        backend = fit_variant(name, background)
        clean = select_statistics(streams["stats"], STUDY_STATS, backend.stats)
        reencoded = select_statistics(streams["stats_jpeg"], STUDY_STATS, backend.stats)
        rows[name] = figures(backend.apply(clean, streams["cnn"]), backend.apply(reencoded, streams["cnn_jpeg"]),
                             labels, group)
        rows[name]["synthetic_heldout"] = synthetic_heldout(name, background)
        print(name, json.dumps({k: round(v, 3) for k, v in rows[name].items()}), flush=True)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
