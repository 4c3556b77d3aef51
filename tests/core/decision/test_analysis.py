"""Attribution, clustering, the map, the evaluation protocol and case files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from forensics_app.testing.evidence_records import evidence_record
from forensics_app.core.validation import evaluation
from forensics_app.core.decision.grouping import cluster
from forensics_app.core.decision.map import TooFewImagesError, tsne_map
from forensics_app.core.decision.attribution import UNKNOWN, attribute, build_policy, rank_indices, verify
from forensics_app.core.case import Case, CaseError, CaseItem, load_case


def blobs(models: int, per_model: int, dim: int = 16, spread: float = 0.15, seed: int = 0):
    """Unit embeddings around one random centre per model."""
    rng = np.random.default_rng(seed)
    centres = evaluation.normalise(rng.normal(size=(models, dim)))
    labels = np.repeat(np.arange(models), per_model)
    points = centres[labels] + spread * rng.normal(size=(labels.size, dim)) / np.sqrt(dim)
    return evaluation.normalise(points), labels, centres


# --- attribution ----------------------------------------------------------------------


def separated_policy(points: np.ndarray, labels: np.ndarray, naming_lr: float | None = None):
    """A policy calibrated on the blobs' own references, as a library would be."""
    return build_policy({f"g{k}": points[labels == k] for k in np.unique(labels)}, None, naming_lr)


def test_attribution_ranks_every_generator_and_decides():
    points, labels, centres = blobs(3, 8, spread=0.1)
    names = ["alpha", "beta", "gamma"]
    policy = separated_policy(points, labels, naming_lr=2.0)
    results = attribute(points, names, centres, policy)
    for result, label in zip(results, labels):
        assert [m.generator for m in result.matches][0] == names[label]
        assert sorted(m.generator for m in result.matches) == names
        sims = [m.similarity for m in result.matches]
        assert sims == sorted(sims, reverse=True)
        assert result.decision == names[label]
        assert result.matches[0].lr >= 2.0 > result.matches[-1].lr


def test_open_set_says_unknown_when_no_generator_is_supported():
    points, labels, centres = blobs(3, 8, spread=0.1)
    stranger = evaluation.normalise(-centres.sum(axis=0, keepdims=True))
    result = attribute(stranger, ["a", "b", "c"], centres, separated_policy(points, labels))[0]
    assert result.decision == UNKNOWN and len(result.matches) == 3 and result.matches[0].lr < 1.0
    assert attribute(stranger, [], np.zeros((0, 16)), separated_policy(points, labels))[0].decision == UNKNOWN


def test_top_k_ranking_matches_full_sort():
    rng = np.random.default_rng(3)
    similarity = rng.normal(size=(50, 200))
    full = rank_indices(similarity)
    top = rank_indices(similarity, top=5)
    np.testing.assert_array_equal(full[:, :5], top)


def test_verification_uses_the_pair_calibration_and_naming_level():
    points, labels, _ = blobs(3, 8, spread=0.1)
    policy = separated_policy(points, labels, naming_lr=2.0)
    same = verify(points[0], points[1], policy)
    assert same.same_source and same.lr >= 2.0 and same.similarity == pytest.approx(float(points[0] @ points[1]))
    other = verify(points[0], points[-1], policy)
    assert not other.same_source and other.lr < 1.0 and "different sources" in other.words


# --- clustering and map ---------------------------------------------------------------


def test_clustering_recovers_sources_without_being_told_how_many():
    points, labels, _ = blobs(4, 6, spread=0.1)
    predicted = cluster(points, similarity_threshold=0.6)
    assert len(set(predicted)) == 4
    from sklearn.metrics import adjusted_rand_score

    assert adjusted_rand_score(labels, predicted) == 1.0
    assert cluster(points[:1], 0.5).tolist() == [0]


def test_map_is_deterministic_and_refuses_too_few_images():
    points, _, _ = blobs(2, 5)
    first, second = tsne_map(points, seed=1), tsne_map(points, seed=1)
    assert first.shape == (10, 2)
    np.testing.assert_allclose(first, second)
    with pytest.raises(TooFewImagesError, match="at least 5"):
        tsne_map(points[:3])


# --- evaluation protocol ----------------------------------------------------------------


def test_identification_matches_a_hand_computed_case():
    # two models, three images each; one reference per model
    embeddings = np.array([[1, 0], [1, 0.1], [0.2, 1], [0, 1], [0.1, 1], [1, 0.05]], dtype=np.float32)
    labels = np.array(["a", "a", "a", "b", "b", "b"])
    result = evaluation.identification(embeddings, labels, refs=1, seeds=1)
    rng = np.random.default_rng(0)
    reference, probe = evaluation.split_references(labels, 1, rng)
    means = {lab: evaluation.normalise(embeddings[reference & (labels == lab)].mean(0)) for lab in "ab"}
    normed = evaluation.normalise(embeddings)
    predicted = ["a" if normed[i] @ means["a"] >= normed[i] @ means["b"] else "b" for i in np.flatnonzero(probe)]
    expected = np.mean(np.array(predicted) == labels[probe])
    assert result.accuracy == pytest.approx(expected)
    assert result.confusion.sum() == probe.sum()


def test_perfect_and_random_embeddings_give_the_expected_figures():
    points, labels, _ = blobs(5, 12, spread=0.05)
    perfect = evaluation.protocol(points, labels, refs=3, seeds=2)
    assert perfect["accuracy"] == 1.0 and perfect["auc"] > 0.99 and perfect["ari"] == 1.0 and perfect["nmi"] == 1.0
    assert perfect["open_set_auroc"] > 0.95
    noise = evaluation.normalise(np.random.default_rng(1).normal(size=points.shape))
    random = evaluation.protocol(noise, labels, refs=3, seeds=2)
    assert random["accuracy"] < 0.5 and 0.35 < random["auc"] < 0.65


def test_size_only_baseline_and_warning():
    points, labels, _ = blobs(4, 10, spread=0.05)
    sizes = [(512, 512) if label < 2 else (256, 256) for label in labels]
    report = evaluation.evaluate_embeddings(points, labels, sizes, refs=3, seeds=2)
    assert report["size_only_accuracy"] == pytest.approx(0.5, abs=0.1)
    assert set(report["within_size_groups"]) == {"512x512", "256x256"}
    assert report["within_size_groups"]["512x512"]["accuracy"] == 1.0
    sized = [(100 + label, 100) for label in labels]
    assert any("size alone" in w for w in evaluation.evaluate_embeddings(points, labels, sized, refs=3, seeds=1)["warnings"])


def test_calibration_threshold_separates_genuine_from_impostor():
    rng = np.random.default_rng(0)
    genuine, impostor = rng.normal(0.8, 0.05, 500), rng.normal(0.3, 0.05, 2000)
    calibration = evaluation.fit_calibration(genuine, impostor, source="test")
    assert 0.4 < calibration.threshold < 0.7
    assert calibration.score(0.8) > 0.9 and calibration.score(0.3) < 0.1


def test_dataset_files_reads_a_folder_of_folders(tmp_path):
    for name in ("m1", "m2", "skip"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "x.png").write_bytes(b"not really")
    paths, labels = evaluation.dataset_files(tmp_path, exclude=("skip",))
    assert labels == ["m1", "m2"] and len(paths) == 2
    with pytest.raises(ValueError):
        evaluation.dataset_files(tmp_path, exclude=("m1", "skip"))


# --- cases ---------------------------------------------------------------------------


def test_case_round_trip_keeps_everything(tmp_path):
    case = Case(reference="CASE-1", examiner="A. Analyst")
    case.items.append(CaseItem("E0001", "/x/a.png", evidence_record("/x/a.png", sha256="ab" * 32), None, np.arange(4, dtype=np.float32), cluster=2))
    case.items.append(CaseItem("E0002", "/x/b.png", None, "not an image"))
    case.log("intake", "ab" * 32, "E0001")
    path = tmp_path / "c.fcase"
    case.save(path)
    again = load_case(path)
    assert again.reference == "CASE-1" and again.items[0].cluster == 2
    np.testing.assert_array_equal(again.items[0].embedding, np.arange(4))
    assert again.items[1].error == "not an image" and again.items[1].embedding is None
    assert again.audit == case.audit


def test_case_refuses_to_overwrite_another_audit_log(tmp_path):
    path = tmp_path / "c.fcase"
    first = Case(); first.log("intake", None, "one"); first.save(path)
    other = Case(); other.log("intake", None, "two")
    with pytest.raises(CaseError, match="another audit log"):
        other.save(path)
    again = load_case(path)
    again.log("attribute"); again.save(path)  # appending is fine


def test_damaged_case_files_are_clear_errors(tmp_path):
    bad = tmp_path / "bad.fcase"
    bad.write_text("{")
    with pytest.raises(CaseError):
        load_case(bad)
    bad.write_text(json.dumps({"format": 99}))
    with pytest.raises(CaseError, match="unsupported case format"):
        load_case(bad)


