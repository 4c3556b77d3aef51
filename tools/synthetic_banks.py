"""Identification among synthetic models an extractor never trained on.

The issue's third yardstick, beside the dev set's text-to-image group and its
re-encoded probes: the rendered banks of another run folder (for example a run of the
*extended* architecture space, whose latent- and VQ-style decoders the `cpu` recipe never
sees), embedded by a given extractor and scored with the training validation's protocol
(5 references per model, 3 seeds; pair ROC-AUC).

    python tools/synthetic_banks.py runs/x-random --extractor runs/ft-robust/extractor
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch

from forensics_app.core.validation import evaluation
from forensics_app.core.fingerprint.extractor import Extractor
from training.train import embed_bank


def bank_figures(extractor: Extractor, banks: list[np.ndarray], refs: int, seeds: int) -> dict:
    """Accuracy and AUC over the models of all `banks` together (each model its own class)."""
    config = extractor.card.preprocess
    embeddings = np.concatenate([embed_bank(extractor.network, bank, torch.device("cpu"), config.crop_size,
                                            config.representation) for bank in banks])
    labels = np.concatenate([np.repeat(np.arange(bank.shape[0]) + offset, bank.shape[1])
                             for bank, offset in zip(banks, np.cumsum([0] + [b.shape[0] for b in banks[:-1]]))])
    result = evaluation.identification(embeddings, labels, refs=refs, seeds=seeds)
    return {"models": int(labels.max() + 1), "accuracy": round(result.accuracy, 4),
            "auc": round(evaluation.verification_auc(embeddings, labels), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a run folder with rendered banks")
    parser.add_argument("--extractor", help="extractor folder (default: the bundled one)")
    parser.add_argument("--banks", nargs="+", default=["train", "unseen_seeds", "unseen_architectures"])
    parser.add_argument("--refs", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    extractor = Extractor.load(args.extractor, device="cpu")
    banks = [np.load(args.run / "banks" / f"{name}.npy") for name in args.banks]
    report = {"extractor_id": extractor.extractor_id, "run": str(args.run), "banks": args.banks,
              **bank_figures(extractor, banks, args.refs, args.seeds)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
