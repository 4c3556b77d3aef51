"""The background population, as stored and re-encoded at the qualities matched comparisons use."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest

from forensics_app.core.background import BackgroundError, background_bytes, read_background
from forensics_app.core.decision.conditions import jpeg_round_trip
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.vectors import normalise
from forensics_app.testing.tiny_generators import generate
from forensics_app.workflows.policy import background_in_condition, policy_for


def unit(rows: int, seed: int) -> np.ndarray:
    return normalise(np.random.default_rng(seed).normal(size=(rows, 8)))


def written(tmp_path, payload: bytes):
    path = tmp_path / "background.npz"
    path.write_bytes(payload)
    return read_background(path, hashlib.sha256(payload).hexdigest(), "x", 8)


def test_the_population_is_read_back_in_each_condition_it_was_fingerprinted_in(tmp_path):
    clean, at85, at70 = unit(5, 0), unit(5, 1), unit(5, 2)
    sources = [f"photo/p{i}" for i in range(5)]
    background = written(tmp_path, background_bytes(clean, sources, [], "x", {85: at85, 70: at70}))
    assert background.qualities == (85, 70)
    np.testing.assert_allclose(background.embeddings, clean, atol=1e-6)
    matched = background.in_condition(85)
    np.testing.assert_allclose(matched.embeddings, at85, atol=2e-3)  # kept at half precision
    assert matched.jpeg_quality == 85 and list(matched.sources) == sources
    assert "re-encoded as JPEG quality 85" in matched.describe() and "re-encoded" not in background.describe()
    assert background.in_condition(50) is None and background.in_condition(None) is background
    assert matched.in_condition(None) is None  # a re-encoded population is never taken for the stored one


def test_a_population_without_re_encodings_still_reads(tmp_path):
    background = written(tmp_path, background_bytes(unit(3, 0), ["a", "b", "c"], [], "x"))
    assert background.qualities == () and background.in_condition(85) is None


def test_re_encodings_that_do_not_fit_the_population_are_refused(tmp_path):
    with pytest.raises(BackgroundError, match="damaged"):
        written(tmp_path, background_bytes(unit(5, 0), [f"s{i}" for i in range(5)], [], "x", {85: unit(4, 1)}))
    with np.load(io.BytesIO(background_bytes(unit(5, 0), list("abcde"), [], "x", {85: unit(5, 1)}))) as data:
        arrays = dict(data)
    for broken in ({k: v for k, v in arrays.items() if k != "reencoded_embeddings"},  # qualities without them
                   {**arrays, "reencoded_qualities": np.array([85, 85], np.int16),  # one quality twice
                    "reencoded_embeddings": np.stack([arrays["reencoded_embeddings"][0]] * 2)}):
        buffer = io.BytesIO()
        np.savez(buffer, **broken)
        with pytest.raises(BackgroundError, match="damaged"):
            written(tmp_path, buffer.getvalue())


def test_the_policy_in_a_matched_condition_is_calibrated_on_the_population_in_that_condition(extractor_dir):
    extractor = Extractor.load(extractor_dir, device="cpu")
    shipped = extractor.background()
    assert shipped.qualities == (75, 70)  # the tiny recipe's
    images = generate("nearest", 6, size=128, seed=3)
    references = {"nearest": extractor.embed_pixels([jpeg_round_trip(p, 70) for p in images])}
    matched = policy_for(extractor, references=references, jpeg_quality=70)
    assert "re-encoded as JPEG quality 70" in matched.origin
    as_stored = policy_for(extractor, references=references)
    assert "re-encoded" not in as_stored.origin
    assert background_in_condition(extractor, 85) is shipped  # not fingerprinted at 85: as stored
    # the population re-encoded is not the population as stored
    assert not np.allclose(shipped.in_condition(70).embeddings, shipped.embeddings, atol=1e-2)
