"""A pair's outcome carries the known error rates of pairs compared the same way."""

from __future__ import annotations

import json
import shutil

from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.workflows.verify import pair_validation
from training.cli import main as training_main

PAIRS = {"clean": {"auc": 0.85, "same_above_10": 0.6, "same_below_1": 0.19, "different_below_tenth": 0.44,
                   "different_above_1": 0.3},
         "matched": {"auc": 0.66, "same_above_10": 0.125, "same_below_1": 0.5, "different_below_tenth": 0.0,
                     "different_above_1": 0.405}}


def test_each_way_of_comparing_a_pair_quotes_its_own_validation_or_says_it_has_none(extractor_dir, tmp_path):
    folder = shutil.copytree(extractor_dir, tmp_path / "extractor")
    unrecorded = Extractor.load(folder, device="cpu")
    assert pair_validation(unrecorded, "matched").startswith("Pairs compared this way have not been validated")
    evaluation, study = tmp_path / "eval.json", tmp_path / "study.log"
    evaluation.write_text(json.dumps({"extractor_id": unrecorded.extractor_id, "models": 13, "accuracy": 0.9}))
    study.write_text(json.dumps({"extractor_id": unrecorded.extractor_id, "quality": 85, "pairs": PAIRS}))
    card = str(folder / "model_card.json")
    for extra in ([], ["--part", "jpeg_probes"]):
        source = study if extra else evaluation
        assert training_main(["record", "--card", card, "--evaluation", str(source), "--name", "dev_generators",
                              "--command", "measured", *extra]) == 0
    recorded = Extractor.load(folder, device="cpu")
    matched = pair_validation(recorded, "matched")
    assert "13 generators" in matched and "JPEG quality 85 against one as it was, in a matched condition" in matched
    assert "ROC-AUC 0.660" in matched and "40.5% above 1 (misleading)" in matched and "12.5% of same-source" in matched
    assert "two images as they were" in pair_validation(recorded, "clean")
    assert "not been validated" in pair_validation(recorded, "unmatched")  # a study without that row
