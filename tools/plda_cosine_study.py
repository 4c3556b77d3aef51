"""PLDA-motivated linear maps of the fused fingerprint, scored by the cosine: would a projection carry PLDA's gain?

B and W as in plda_study.py (background only); each map is applied after centring and the
cosine is scored as the program scores it.  PYTHONPATH=. python tools/plda_cosine_study.py
"""
import json, numpy as np
from pathlib import Path
from scipy.linalg import eigh
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.fingerprint.residual_stats import select_statistics
from forensics_app.core.validation.evaluation import dataset_files, gallery_accuracy, verification_auc
from forensics_app.core.vectors import normalise
from tools.stream_study import STUDY_STATS
from tools.plda_study import PLDA
from training.backend_data import load_background_features
backend = Extractor.load(device="cpu").backend
_, labels = dataset_files("../shared/data/dev-generators", exclude=("cnndet-real-photos",))
labels = np.asarray(labels).astype(str)
st = dict(np.load("runs/dev-streams.npz"))
f = lambda s, c: backend.apply(select_statistics(s, STUDY_STATS, backend.stats), c)
clean, re = f(st["stats"], st["cnn"]), f(st["stats_jpeg"], st["cnn_jpeg"])
bgf = load_background_features(Path("runs/backend-bg"))
bg = f(bgf.stats, bgf.embeddings)
m = PLDA(bg, bgf.sources, dim=428, floor=1e-3)
W, B = m.W, m.B
lam, V = eigh(B, W)  # V^T W V = I, V^T B V = diag(lam)
g = np.ones(len(labels), bool); grp = np.char.startswith(labels, "aibingo-")
def run(name, T):
    t = lambda x: normalise(((x - m.mean) @ m.basis) @ T)
    c, r = t(clean), t(re)
    row = {"acc": gallery_accuracy(c, c, labels, g), "t2i": gallery_accuracy(c, c, labels, grp),
           "jpeg_probe": gallery_accuracy(c, r, labels, g), "jpeg_matched": gallery_accuracy(r, r, labels, g),
           "pair_auc": verification_auc(c, labels)}
    print(name, json.dumps({k: round(v, 3) for k, v in row.items()}), flush=True)
run("centred only", np.eye(W.shape[0]))
Lw = np.linalg.cholesky(np.linalg.inv(W))
run("W-whitened", Lw)
run("PLDA-diag lam/(lam+1)", V * np.sqrt(lam / (lam + 1)))
run("PLDA-diag sqrt(lam)", V * np.sqrt(np.maximum(lam, 0)))
run("PLDA-diag lam/(lam+1) top 200", (V * np.sqrt(lam / (lam + 1)))[:, np.argsort(-lam)[:200]])
