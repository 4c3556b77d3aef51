"""The shared vector helpers: normalisation, leave-one-out similarity and pair sampling."""

from __future__ import annotations

import numpy as np

from forensics_app.core.validation.evaluation import verification_auc
from forensics_app.core.vectors import leave_one_out_similarities, normalise, sample_pairs


def test_few_items_give_every_pair_once():
    first, second = sample_pairs(5, max_pairs=100)
    pairs = set(zip(first.tolist(), second.tolist()))
    assert len(pairs) == 10 and all(a < b for a, b in pairs)


def test_many_items_give_a_seeded_sample_without_self_pairs():
    first, second = sample_pairs(10_000, max_pairs=500, seed=3)
    again = sample_pairs(10_000, max_pairs=500, seed=3)
    assert 450 < len(first) <= 500 and (first != second).all()
    assert np.array_equal(first, again[0]) and np.array_equal(second, again[1])
    assert not np.array_equal(first, sample_pairs(10_000, max_pairs=500, seed=4)[0])


def test_verification_auc_separates_two_tight_clusters_on_sampled_pairs():
    rng = np.random.default_rng(0)
    centres = normalise(rng.normal(size=(2, 16)))
    embeddings = np.concatenate([c + 0.05 * rng.normal(size=(300, 16)) for c in centres])
    labels = np.repeat([0, 1], 300)
    assert verification_auc(embeddings, labels, max_pairs=2_000) > 0.99


def test_leave_one_out_similarity_is_each_vector_against_the_mean_of_the_others():
    vectors = normalise(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]))
    expected = [float(v @ normalise(np.delete(vectors, i, axis=0).mean(axis=0, keepdims=True))[0])
                for i, v in enumerate(vectors)]
    assert np.allclose(leave_one_out_similarities(vectors), expected, atol=1e-6)
