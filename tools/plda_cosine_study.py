"""PLDA-motivated linear maps of the fused fingerprint, scored by the cosine.

Would a projection carry PLDA's gain, so the program could keep scoring by the cosine?
B and W are fitted on the rendered background only, as in `plda_study.py`; each map is
applied after centring on the background mean, and the cosine is scored with the
protocol of `evaluate` (10 references, 5 seeds).

    PYTHONPATH=. python tools/plda_cosine_study.py ../shared/data/dev-generators --exclude cnndet-real-photos \
        --background runs/backend-bg --cache runs/dev-streams.npz
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from scipy.linalg import eigh

from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.fingerprint.residual_stats import select_statistics
from forensics_app.core.validation.evaluation import dataset_files, gallery_accuracy, verification_auc
from forensics_app.core.vectors import normalise
from tools.plda_study import PLDA
from tools.stream_study import STUDY_STATS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--exclude", action="append", default=[])
    parser.add_argument("--background", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--group-prefix", default="aibingo-")
    args = parser.parse_args()

    from training.backend_data import load_background_features

    backend = Extractor.load(device="cpu").backend
    _, labels = dataset_files(args.dataset, exclude=tuple(args.exclude))
    labels = np.asarray(labels).astype(str)
    streams = dict(np.load(args.cache))

    def fused(stats: np.ndarray, learned: np.ndarray) -> np.ndarray:
        return backend.apply(select_statistics(stats, STUDY_STATS, backend.stats), learned)

    clean, reencoded = fused(streams["stats"], streams["cnn"]), fused(streams["stats_jpeg"], streams["cnn_jpeg"])
    background = load_background_features(Path(args.background))
    model = PLDA(fused(background.stats, background.embeddings), background.sources, dim=clean.shape[1])
    strength, directions = eigh(model.B, model.W)  # directions' W-norm 1, B diagonal
    scaled = directions * np.sqrt(strength / (strength + 1.0))
    maps = {"centring on the background mean": np.eye(model.W.shape[0]),
            "W-whitening": np.linalg.cholesky(np.linalg.inv(model.W)),
            "B, W diagonalised, sqrt(l / (l + 1))": scaled,
            "the same, 200 strongest directions": scaled[:, np.argsort(-strength)[:200]]}
    everyone, group = np.ones(labels.size, bool), np.char.startswith(labels, args.group_prefix)
    for name, matrix in maps.items():
        def mapped(x: np.ndarray) -> np.ndarray:
            return normalise(model.project(x) @ matrix)

        c, r = mapped(clean), mapped(reencoded)
        row = {"acc": gallery_accuracy(c, c, labels, everyone), "t2i": gallery_accuracy(c, c, labels, group),
               "jpeg_probe": gallery_accuracy(c, r, labels, everyone),
               "jpeg_matched": gallery_accuracy(r, r, labels, everyone), "pair_auc": verification_auc(c, labels)}
        print(name, json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)


if __name__ == "__main__":
    main()
