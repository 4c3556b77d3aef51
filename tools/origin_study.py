"""Can the fingerprint's back-end tell a generated image from a camera photograph?

A logistic regression is fitted on the rendered background only (synthetic models'
outputs against photographs, lossless and re-encoded; `python -m training backend`),
on the bundled extractor's fused fingerprints, and calibrated there; it is then applied
to a labelled folder of real generators and of camera photographs, which it never sees
while fitting.  Reported: the AUC and Cllr on the folder, clean and with the generated
images re-encoded as JPEG, and the rate of misleading LRs at 100 and 1/100.

    python tools/origin_study.py ../shared/data/dev-generators --photos cnndet-real-photos \
        --background runs/backend-bg --cache runs/dev-streams.npz --photo-cache runs/dev-photos.npz
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.fingerprint.residual_stats import select_statistics
from forensics_app.core.validation.evaluation import dataset_files
from forensics_app.core.validation.lr_figures import cllr_figures
from tools.stream_study import STUDY_STATS, cached_streams


def photo_streams(folder: Path, learned_folder: Path, cache: Path, quality: int) -> dict[str, np.ndarray]:
    """The photographs' residual statistics and learned-stream embeddings, cached as `stream_study` caches the rest."""
    return cached_streams(cache, sorted(p for p in folder.iterdir() if p.is_file()), learned_folder, quality)


def cllr(llr_generated: np.ndarray, llr_photo: np.ndarray) -> float:
    """Cllr (lir's, as `evaluate` reports it) of natural-log LRs: 0 perfect, 1 uninformative."""
    llrs = np.concatenate([llr_generated, llr_photo]) / np.log(10.0)
    same = np.concatenate([np.ones(llr_generated.size, bool), np.zeros(llr_photo.size, bool)])
    return float(cllr_figures(llrs, same)["cllr"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--photos", default="cnndet-real-photos")
    parser.add_argument("--background", required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--photo-cache", required=True)
    parser.add_argument("--quality", type=int, default=85)
    parser.add_argument("--learned", default="runs/learned-extractor",
                        help="the learned stream's own extractor folder (no back-end), to fill --photo-cache")
    args = parser.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from training.backend_data import load_background_features

    extractor = Extractor.load(device="cpu")
    backend = extractor.backend
    dataset = Path(args.dataset)
    generated = cached_streams(Path(args.cache), dataset_files(dataset, exclude=(args.photos,))[0], Path(args.learned),
                               args.quality)
    photos = photo_streams(dataset / args.photos, Path(args.learned), Path(args.photo_cache), args.quality)
    background = load_background_features(Path(args.background))
    is_generated = (background.kinds == "synthetic").astype(int)
    rows = {}
    for name, features in {"fused fingerprint": lambda s, c: backend.apply(select_statistics(s, STUDY_STATS, backend.stats), c),
                           "residual stream": lambda s, c: backend.project(select_statistics(s, STUDY_STATS, backend.stats)),
                           "learned stream": lambda s, c: c}.items():
        train = features(background.stats, background.embeddings)
        model = LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced").fit(train, is_generated)
        def llr(x):
            return model.decision_function(x)  # balanced weights: the decision function is a log LR
        row = {}
        for condition, gen_key, photo_key in (("clean", "", ""), ("generated re-encoded", "_jpeg", ""),
                                              ("both re-encoded", "_jpeg", "_jpeg")):
            g = llr(features(generated["stats" + gen_key], generated["cnn" + gen_key]))
            p = llr(features(photos["stats" + photo_key], photos["cnn" + photo_key]))
            scores = np.concatenate([g, p])
            truth = np.concatenate([np.ones(g.size), np.zeros(p.size)])
            row[condition] = {"auc": round(float(roc_auc_score(truth, scores)), 3), "cllr": round(cllr(g, p), 3),
                              "generated_lr_below_1/100": round(float(np.mean(g < -np.log(100))), 3),
                              "photo_lr_above_100": round(float(np.mean(p > np.log(100))), 3)}
        row["background_auc"] = round(float(roc_auc_score(is_generated, llr(train))), 3)
        rows[name] = row
        print(name, json.dumps(row), flush=True)
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
