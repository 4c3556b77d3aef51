"""The decision policy's rules: calibrated, bounded likelihood ratios, a real "unknown",
evaluative wording, and a sealed model card."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from forensics_app.cli import EXIT_FAILED, EXIT_OK, main
from forensics_app.core.decision.attribution import DecisionPolicy, build_policy
from forensics_app.core.background import BACKGROUND_NAME, BackgroundError
from forensics_app.core.fingerprint.extractor import CARD_NAME, CardTamperedError, Extractor
from forensics_app.core.decision.likelihood import LRCalibration, fit_lr_calibration, support_sentence, support_words
from forensics_app.testing.tiny_generators import generate, save_pngs

# --- likelihood ratios -------------------------------------------------------------------


def test_calibrated_lrs_are_bounded_by_what_the_comparisons_can_show():
    rng = np.random.default_rng(0)
    calibration = fit_lr_calibration(rng.normal(0.8, 0.05, 10), rng.normal(0.3, 0.05, 200), "test")
    assert calibration.slope > 0 and calibration.same_source == 10 and calibration.different_source == 200
    # perfectly separated data would extrapolate to astronomic LRs; ELUB keeps them near the data's size
    assert calibration.lr(1.0) <= 201 and calibration.lr(-1.0) >= 1 / 11
    assert calibration.lr(0.8) > 1 > calibration.lr(0.3)
    assert calibration.score_at(1e6) is None


def test_too_few_comparisons_give_no_support_either_way():
    calibration = fit_lr_calibration(np.array([0.9, 0.8]), np.linspace(0, 0.5, 50), "two references")
    assert not calibration.informative and calibration.lr(0.99) == 1.0 and "too few comparisons" in calibration.source
    reversed_scores = fit_lr_calibration(np.linspace(0, 0.3, 20), np.linspace(0.5, 0.9, 20), "reversed")
    assert reversed_scores.lr(0.9) == 1.0


def test_enfsi_wording_covers_both_directions():
    assert support_words(5) == "weak support" and support_words(1 / 5) == "weak support"
    assert support_words(50) == "moderate support" and support_words(500) == "moderately strong support"
    assert support_words(5_000) == "strong support" and support_words(50_000) == "very strong support"
    assert support_words(5e6) == "extremely strong support" and "no support" in support_words(1.0)
    assert "rather than that it was made by G" in support_sentence(1 / 30, "it was made by G", "another source") \
        or support_sentence(1 / 30, "it was made by G", "another source").startswith(
            "The findings provide moderate support for the proposition that another source")


def test_policies_with_impossible_values_are_refused():
    policy = build_policy({"a": np.eye(4)[[0, 0, 0]] + 0.01}, None)
    data = policy.to_dict()
    assert DecisionPolicy.from_dict(data) == policy
    for broken in ({**data, "naming_lr": 0.5}, {**data, "naming_lr": float("nan")},
                   {**data, "attribution": {**data["attribution"], "upper": float("nan")}}):
        with pytest.raises(ValueError):
            DecisionPolicy.from_dict(broken)
    with pytest.raises(ValueError):
        LRCalibration.from_dict({**data["pairs"], "lower": 1.0})


# --- the command line on real (tiny) images ---------------------------------------------


def run(capsys, *argv: str):
    code = main([*argv])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if "--json" in argv and out.out.strip() else out.out), out.err


def photographs(folder: Path) -> list[Path]:
    """Camera photographs of scikit-image that the tiny extractor's background does not hold."""
    from skimage import data

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in ("camera", "coins", "moon", "page", "brick", "grass", "gravel", "clock"):
        path = folder / f"{name}.jpg"
        Image.fromarray(getattr(data, name)()).convert("RGB").save(path, quality=90)
        paths.append(path)
    return paths


def featureless(folder: Path) -> list[Path]:
    """Black, flat grey, a single pixel and uniform noise: nothing made them."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(5)
    arrays = {"black": np.zeros((200, 200, 3), np.uint8), "grey": np.full((200, 200, 3), 128, np.uint8),
              "pixel": np.zeros((1, 1, 3), np.uint8)}
    arrays.update({f"noise{i}": rng.integers(0, 256, (200, 200, 3), dtype=np.uint8) for i in range(6)})
    paths = []
    for name, pixels in arrays.items():
        paths.append(folder / f"{name}.png")
        Image.fromarray(pixels).save(paths[-1])
    return paths


def test_a_one_generator_library_names_no_photograph_flat_or_noise_image(capsys, tmp_path):
    refs = save_pngs(generate("nearest", 12, size=160, seed=3), tmp_path / "nearest", "n")
    assert run(capsys, "enroll", "nearest", *map(str, refs[:10]), "--json")[0] == EXIT_OK
    probes = photographs(tmp_path / "photos") + featureless(tmp_path / "blank")
    code, data, _ = run(capsys, "attribute", *map(str, probes), "--json")
    assert code == EXIT_OK and len(data["results"]) == len(probes)
    assert {r["decision"] for r in data["results"]} == {"unknown"}
    assert "images of other sources" in data["policy_text"]  # the tiny extractor's background population
    assert data["policy"]["attribution"]["different_source"] > 0


def test_a_library_from_imported_references_decides_as_the_original(capsys, tmp_path):
    for kind in ("nearest", "transposed"):
        refs = save_pngs(generate(kind, 8, size=160, seed=4), tmp_path / kind, kind)
        assert run(capsys, "enroll", kind, *map(str, refs[:6]), "--json")[0] == EXIT_OK
    probes = [tmp_path / "nearest" / "nearest_007.png", tmp_path / "transposed" / "transposed_007.png"]
    _, original, _ = run(capsys, "attribute", *map(str, probes), "--json")
    exported = tmp_path / "export.sqlite"
    assert run(capsys, "library", "export", str(exported), "--json")[0] == EXIT_OK
    other = tmp_path / "other.sqlite"
    assert run(capsys, "library", "import", str(exported), "--library", str(other), "--json")[0] == EXIT_OK
    _, imported, _ = run(capsys, "attribute", *map(str, probes), "--library", str(other), "--json")
    assert imported["policy"] == original["policy"]
    assert [r["decision"] for r in imported["results"]] == [r["decision"] for r in original["results"]]


def copy_extractor(extractor_dir: Path, target: Path) -> Path:
    shutil.copytree(extractor_dir, target)
    return target


def test_an_edited_model_card_is_refused_like_edited_weights(capsys, extractor_dir, tmp_path, monkeypatch):
    edited = copy_extractor(extractor_dir, tmp_path / "edited")
    card = json.loads((edited / CARD_NAME).read_text())
    card["calibration"]["threshold"] = -1
    (edited / CARD_NAME).write_text(json.dumps(card, indent=2))
    with pytest.raises(CardTamperedError, match="integrity digest"):
        Extractor.load(edited, "cpu")
    monkeypatch.setenv("FORENSICS_APP_EXTRACTOR", str(edited))
    code, _, err = run(capsys, "info")
    assert code == EXIT_FAILED and "were changed after the extractor was made" in err


def test_an_edited_background_population_is_refused(capsys, extractor_dir, tmp_path, monkeypatch):
    edited = copy_extractor(extractor_dir, tmp_path / "edited")
    with np.load(edited / BACKGROUND_NAME) as data:
        arrays = {key: data[key] for key in data.files}
    arrays["embeddings"] = arrays["embeddings"][::-1].copy()
    np.savez(edited / BACKGROUND_NAME, **arrays)
    with pytest.raises(BackgroundError, match="does not match the SHA-256"):
        Extractor.load(edited, "cpu").background()
    monkeypatch.setenv("FORENSICS_APP_EXTRACTOR", str(edited))
    image = save_pngs(generate("nearest", 2, size=160), tmp_path / "x", "x")
    code, _, err = run(capsys, "verify", str(image[0]), str(image[1]))
    assert code == EXIT_FAILED and "background population" in err


def test_verify_cluster_and_attribute_share_one_policy(capsys, tmp_path):
    for kind in ("nearest", "transposed"):
        refs = save_pngs(generate(kind, 8, size=160, seed=6), tmp_path / kind, kind)
        run(capsys, "enroll", kind, *map(str, refs[:6]), "--json")
    files = sorted((tmp_path / "nearest").glob("*.png"))[6:] + sorted((tmp_path / "transposed").glob("*.png"))[6:]
    _, attributed, _ = run(capsys, "attribute", *map(str, files), "--json")
    _, grouped, _ = run(capsys, "cluster", *map(str, files), "--json")
    _, verified, _ = run(capsys, "verify", str(files[0]), str(files[-1]), "--json")
    assert attributed["policy"] == grouped["policy"] == verified["policy"]
    assert not verified["same_source"] and math.isfinite(verified["lr"])


def test_pair_comparisons_grow_linearly_with_the_references_of_one_generator():
    from forensics_app.core.decision.attribution import MAX_BACKGROUND_PAIRS, MAX_SAME_PAIRS_PER_GENERATOR, pair_comparisons

    rng = np.random.default_rng(0)
    centre = rng.normal(size=16)
    references = {"big": centre + 0.3 * rng.normal(size=(3_000, 16)), "small": rng.normal(size=(10, 16))}
    same, different = pair_comparisons(references, None)
    # all pairs of 3,000 references would be 4.5 million; drawn instead, a bounded number
    assert 0 < len(same) <= MAX_SAME_PAIRS_PER_GENERATOR + 45 + MAX_BACKGROUND_PAIRS * 4
    assert len(same) + len(different) <= MAX_SAME_PAIRS_PER_GENERATOR + 45 + MAX_BACKGROUND_PAIRS * 4
    assert same.mean() > different.mean()
    again, _ = pair_comparisons(references, None)
    assert np.array_equal(same, again)  # seeded: the same library gives the same policy


@pytest.mark.parametrize("seed", range(6))
def test_empirical_bounds_equal_lirs_elub(seed):
    from lir.algorithms.bayeserror import elub

    from forensics_app.core.decision.likelihood import empirical_bounds

    rng = np.random.default_rng(seed)
    same, different = [30, 200, 5, 1_000, 50, 12][seed], [3_000, 800, 40, 5_000, 50, 9][seed]
    shift = [2.0, 0.5, 4.0, 1.0, -1.0, 3.0][seed]
    llrs = np.concatenate([rng.normal(shift, 1.0, same), rng.normal(-shift, 1.0, different)]).round(2)  # ties too
    labels = np.concatenate([np.ones(same), np.zeros(different)])
    expected = elub(llrs.copy(), labels.copy(), add_misleading=1)
    assert empirical_bounds(llrs, labels) == pytest.approx(expected, abs=1e-12)
