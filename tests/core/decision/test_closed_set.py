"""The closed-set LR: which enrolled generator, if it was one of them, with its own calibration."""

from __future__ import annotations

import numpy as np

from forensics_app.testing.evidence_records import evidence_record
from forensics_app.core.decision.attribution import DecisionPolicy, attribute, build_policy
from forensics_app.core.case import CaseItem, RankedMatch, StoredAttribution
from forensics_app.core.case.check import _disagreement
from forensics_app.core.decision.closed_set import closed_set_comparisons, closed_set_margins, closed_set_sentence
from forensics_app.core.vectors import normalise


def clustered(rng, centres: np.ndarray, count: int, spread: float = 0.35) -> np.ndarray:
    return normalise(centres[None, :] + spread * rng.standard_normal((count, centres.size)))


def library(seed: int = 0, generators: int = 4, dim: int = 16, refs: int = 12) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = normalise(rng.standard_normal((generators, dim)))
    return {f"gen-{g}": clustered(rng, centres[g], refs) for g in range(generators)}


def test_margins_subtract_the_best_other_generator():
    similarity = np.array([[0.9, 0.5, 0.7], [0.2, 0.2, 0.1]])
    np.testing.assert_allclose(closed_set_margins(similarity), [[0.2, -0.4, -0.2], [0.0, 0.0, -0.1]])
    assert np.isnan(closed_set_margins(np.array([[0.4]]))).all()  # one generator: no other one


def test_leave_one_out_margins_separate_own_from_other_generators():
    same, different = closed_set_comparisons(library())
    assert same.size == 4 * 12 and different.size == 4 * 12 * 3
    assert np.median(same) > 0 > np.median(different)
    alone_same, alone_different = closed_set_comparisons({"only": library()["gen-0"]})
    assert alone_same.size == 0 and alone_different.size == 0


def test_attribution_gives_the_first_ranked_a_closed_set_lr_stored_and_checked():
    references = library(seed=1)
    policy = build_policy(references, None)
    assert policy.closed_set is not None and policy.closed_set.slope > 0
    names = list(references)
    gallery = normalise(np.stack([r.mean(axis=0) for r in references.values()]))
    rng = np.random.default_rng(9)
    probe = normalise(references["gen-2"].mean(axis=0, keepdims=True) + 0.05 * rng.standard_normal((1, 16)))
    result = attribute(probe, names, gallery, policy)[0]
    assert result.matches[0].generator == "gen-2" and result.closed_set_lr > 1.0
    stored = StoredAttribution.of(result)
    assert stored.to_dict()["closed_set_lr"] == result.closed_set_lr
    assert StoredAttribution.from_dict(stored.to_dict()) == stored
    again = DecisionPolicy.from_dict(policy.to_dict())
    assert again.closed_set == policy.closed_set
    assert _disagreement(stored, StoredAttribution.of(attribute(probe, names, gallery, again)[0])) is None
    edited = StoredAttribution.from_dict({**stored.to_dict(), "closed_set_lr": stored.closed_set_lr * 50})
    assert "closed-set likelihood ratio" in _disagreement(edited, stored)


def test_a_policy_stored_before_the_closed_set_still_opens_and_gives_none():
    references = library(seed=2)
    data = build_policy(references, None).to_dict()
    data.pop("closed_set")
    old = DecisionPolicy.from_dict(data)
    assert old.closed_set is None
    gallery = normalise(np.stack([r.mean(axis=0) for r in references.values()]))
    result = attribute(references["gen-0"][:1], list(references), gallery, old)[0]
    assert result.closed_set_lr is None and "closed_set_lr" not in StoredAttribution.of(result).to_dict()
    assert build_policy({"one": references["gen-0"]}, None).closed_set is None  # one generator: no closed set


def test_the_closed_set_is_worded_as_a_conditional_beside_the_open_set(qtbot):
    from forensics_app.gui.widgets.matches_view import MatchesView

    sentence = closed_set_sentence("gen-2", 250.0, 4)
    assert sentence.startswith("Closed set: if the image came from one of the enrolled generators")
    assert "gen-2 rather than the other 3" in sentence and "says nothing on whether an enrolled generator" in sentence
    assert "one of the other 3 rather than gen-2" in closed_set_sentence("gen-2", 0.2, 4)
    view = MatchesView()
    qtbot.addWidget(view)
    item = CaseItem(exhibit="E0001", path="/x/a.png", evidence=evidence_record("/x/a.png"),
                    attribution=StoredAttribution("unknown", 100.0, (RankedMatch("gen-2", 0.8, 3.0),
                                                                     RankedMatch("gen-0", 0.5, 0.2)), 250.0))
    view.show_item(item)
    assert "no enrolled generator supported" in view.header.text()
    assert "Closed set (if one of the 2 enrolled made it): LR 250 for gen-2 against the other 1." in view.header.text()
    assert "Closed set: if the image came from one of the enrolled generators" in view.header.toolTip()
