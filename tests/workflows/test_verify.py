"""Two files compared at the more compressed of their conditions, with the known error rates of that way."""

from __future__ import annotations

import json
import shutil

from PIL import Image

from forensics_app.core.decision.conditions import Condition
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.testing.tiny_generators import generate
from forensics_app.workflows.verify import compared_condition, pair_validation, verify_files
from training.cli import main as training_main

PAIRS = {"clean": {"auc": 0.85, "same_above_10": 0.6, "same_below_1": 0.19, "different_below_tenth": 0.44,
                   "different_above_1": 0.3},
         "matched": {"auc": 0.66, "same_above_10": 0.125, "same_below_1": 0.5, "different_below_tenth": 0.0,
                     "different_above_1": 0.405}}


def test_the_compared_condition_is_the_more_compressed_one():
    q75, q90 = Condition(75, 77, exact=True), Condition(90, 90, exact=True)
    assert compared_condition(q90, q75) == q75 and compared_condition(q75, q90) == q75
    assert compared_condition(Condition(), q90) == q90 and compared_condition(q90, Condition()) == q90
    assert not compared_condition(Condition(), Condition()).matched


def test_two_jpegs_meet_at_the_lower_quality_and_only_the_other_is_saved_again(extractor_dir, tmp_path):
    extractor = Extractor.load(extractor_dir, device="cpu")
    first, second = generate("nearest", 2, size=160, seed=3)
    Image.fromarray(first).save(tmp_path / "a.jpg", quality=92)
    Image.fromarray(second).save(tmp_path / "b.jpg", quality=77)
    outcome = verify_files(extractor, tmp_path / "a.jpg", tmp_path / "b.jpg")  # no library: the background at 75
    assert outcome.condition.startswith("Matched condition, JPEG quality 75: the first image is stored as JPEG "
                                        "quality 92")
    assert "the first re-encoded at quality 75" in outcome.condition and "the second re-encoded" not in outcome.condition
    assert "re-encoded as JPEG quality 75" in outcome.policy.origin
    assert outcome.validation.startswith("Pairs compared this way have not been validated")
    Image.fromarray(second).save(tmp_path / "b.png")
    lossless = verify_files(extractor, tmp_path / "a.jpg", tmp_path / "b.png")  # 92 snaps to 90: not fingerprinted
    assert "the second image is not a JPEG of known quality" in lossless.condition
    assert lossless.condition.startswith("Not compared in a matched condition")


def test_each_way_of_comparing_a_pair_quotes_its_own_validation_only_where_it_applies(extractor_dir, tmp_path):
    folder = shutil.copytree(extractor_dir, tmp_path / "extractor")
    unrecorded = Extractor.load(folder, device="cpu")
    assert pair_validation(unrecorded, "matched", 85).startswith("Pairs compared this way have not been validated")
    evaluation, study = tmp_path / "eval.json", tmp_path / "study.log"
    evaluation.write_text(json.dumps({"extractor_id": unrecorded.extractor_id, "models": 13, "accuracy": 0.9,
                                      "never_enrolled": ["camera-photos"]}))
    study.write_text(json.dumps({"extractor_id": unrecorded.extractor_id, "quality": 85, "enrolled_per_draw": 6,
                                 "pairs": PAIRS}))
    card = str(folder / "model_card.json")
    for extra in ([], ["--part", "jpeg_probes"]):
        source = study if extra else evaluation
        assert training_main(["record", "--card", card, "--evaluation", str(source), "--name", "dev_generators",
                              "--command", "measured", *extra]) == 0
    recorded = Extractor.load(folder, device="cpu")
    matched = pair_validation(recorded, "matched", 85)
    assert "12 real generators (camera photographs left out" in matched and "6 generators enrolled" in matched
    assert "JPEG quality 85 against one as it was, in a matched condition" in matched
    assert "ROC-AUC 0.660" in matched and "40.5% above 1 (misleading)" in matched and "12.5% of same-source" in matched
    assert "two images as they were" in pair_validation(recorded, "clean")
    assert "not been validated" in pair_validation(recorded, "unmatched", 85)  # a study without that row
    assert pair_validation(recorded, "matched", 75).endswith("at JPEG quality 75 (only at 85).")
    assert "without a library" in pair_validation(recorded, "matched", 85, with_library=False)
