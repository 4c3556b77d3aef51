"""PLDA-motivated linear maps of the fused fingerprint, scored by the cosine.

Would a projection carry PLDA's gain, so the program could keep scoring by the cosine?
B and W are fitted on the rendered background only, as in `plda_study.py`; each map is
applied after centring on the background mean, and the cosine is scored with the
protocol of `evaluate` (10 references, 5 seeds).

    PYTHONPATH=. python tools/plda_cosine_study.py ../shared/data/dev-generators --exclude cnndet-real-photos \
        --background runs/backend-bg --cache runs/dev-streams.npz
"""

from __future__ import annotations

import json

import numpy as np
from scipy.linalg import eigh

from forensics_app.core.validation.evaluation import gallery_accuracy, verification_auc
from forensics_app.core.vectors import normalise
from tools.plda_study import PLDA
from tools.stream_study import fused_study, study_parser


def main() -> None:
    study = fused_study(study_parser(__doc__).parse_args())
    model = PLDA(study.background, study.background_sources, dim=study.clean.shape[1])
    strength, directions = eigh(model.B, model.W)  # directions' W-norm 1, B diagonal
    scaled = directions * np.sqrt(strength / (strength + 1.0))
    maps = {"centring on the background mean": np.eye(model.W.shape[0]),
            "W-whitening": np.linalg.cholesky(np.linalg.inv(model.W)),
            "B, W diagonalised, sqrt(l / (l + 1))": scaled,
            "the same, 200 strongest directions": scaled[:, np.argsort(-strength)[:200]]}
    labels, everyone = study.labels, np.ones(study.labels.size, bool)
    for name, matrix in maps.items():
        c, r = (normalise(model.project(x) @ matrix) for x in (study.clean, study.reencoded))
        row = {"acc": gallery_accuracy(c, c, labels, everyone), "t2i": gallery_accuracy(c, c, labels, study.group),
               "jpeg_probe": gallery_accuracy(c, r, labels, everyone),
               "jpeg_matched": gallery_accuracy(r, r, labels, everyone), "pair_auc": verification_auc(c, labels)}
        print(name, json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)


if __name__ == "__main__":
    main()
