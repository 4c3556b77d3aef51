"""The residual-statistics stream, the back-end that fuses it with the learned stream,
and the extractor that carries both."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pytest

from forensics_app.core.fingerprint.backend import BACKEND_NAME, Backend, BackendError, fused_extractor_id, read_backend
from forensics_app.core.fingerprint.extractor import BackendUnusableError, Extractor
from forensics_app.core.fingerprint.residual_stats import ResidualStatsConfig, residual_statistics, select_statistics
from forensics_app.core.library import Library, LibraryExtractorMismatchError
from training.backend_fit import (
    Variant, fit_backend, fusion_weight, install_backend, pca_whitening, plda_scaled_map, two_covariance,
)

SMALL = ResidualStatsConfig(region=64, filters=("first", "second"))


def textured(seed: int, size: int = 96, period: int | None = None, spread: float = 3.0) -> np.ndarray:
    """Mid-grey noise, optionally with a periodic (upsampling-like) pattern added."""
    rng = np.random.default_rng(seed)
    pixels = 128 + rng.normal(0, spread, (size, size, 3))
    if period:
        pixels[::period, :, 1] += 2 * spread
        pixels[:, ::period, 1] += 2 * spread
    return np.clip(pixels, 0, 255).astype(np.uint8)


# --- residual statistics -------------------------------------------------------------


def test_statistics_are_square_rooted_frequencies_per_block():
    stats = residual_statistics(textured(0), SMALL)
    assert stats.shape == (SMALL.dimension,) and stats.dtype == np.float32
    blocks = stats.reshape(-1, SMALL.bins)
    assert blocks.shape[0] == len(SMALL.planes) * len(SMALL.filters) * 2
    np.testing.assert_allclose((blocks.astype(np.float64) ** 2).sum(axis=1), 1.0, atol=1e-5)


def test_statistics_ignore_a_uniform_brightness_shift():
    pixels = textured(1)
    shifted = (pixels.astype(np.int32) + 20).astype(np.uint8)
    np.testing.assert_allclose(residual_statistics(pixels, SMALL), residual_statistics(shifted, SMALL), atol=1e-6)


def test_transposing_the_image_swaps_row_and_column_statistics():
    pixels = textured(2, period=3)
    stats = residual_statistics(pixels, SMALL).reshape(-1, 2, SMALL.bins)
    transposed = residual_statistics(np.ascontiguousarray(pixels.transpose(1, 0, 2)), SMALL).reshape(-1, 2, SMALL.bins)
    np.testing.assert_allclose(stats[:, 0], transposed[:, 1], atol=1e-6)
    np.testing.assert_allclose(stats[:, 1], transposed[:, 0], atol=1e-6)


def test_a_periodic_pattern_moves_the_statistics_more_than_new_noise_does():
    config = ResidualStatsConfig(region=256)
    plain = residual_statistics(textured(3, size=256, spread=1.5), config)
    plain_again = residual_statistics(textured(4, size=256, spread=1.5), config)
    periodic = residual_statistics(textured(3, size=256, period=2, spread=1.5), config)
    assert np.linalg.norm(periodic - plain) > 3 * np.linalg.norm(plain_again - plain)


def test_selected_statistics_equal_those_computed_directly():
    rich = ResidualStatsConfig(region=64, filters=("first", "second", "third"))
    wanted = ResidualStatsConfig(region=64, filters=("second",), planes=("r-g", "grey"))
    pixels = textured(5, period=4)
    np.testing.assert_array_equal(select_statistics(residual_statistics(pixels, rich), rich, wanted),
                                  residual_statistics(pixels, wanted))
    with pytest.raises(ValueError):
        select_statistics(residual_statistics(pixels, wanted), wanted, rich)


def test_statistics_refuse_an_image_without_three_channels():
    with pytest.raises(ValueError, match="H x W x 3"):
        residual_statistics(np.zeros((32, 32), np.uint8), SMALL)


# --- back-end ------------------------------------------------------------------------


def small_backend(weight: float = 0.6, dims: int = 8, seed: int = 0) -> Backend:
    background = np.stack([residual_statistics(textured(seed * 100 + i, period=(i % 3) + 2), SMALL)
                           for i in range(24)])
    mean, projection = pca_whitening(background.astype(np.float64), dims)
    return Backend(SMALL, mean, projection, weight, "PCA-whitened on a test background")


def test_pca_whitening_gives_unit_variance_on_its_background():
    features = np.random.default_rng(0).normal(size=(200, 30)) * np.linspace(0.1, 5, 30)
    mean, projection = pca_whitening(features, 10)
    projected = (features - mean) @ projection
    np.testing.assert_allclose(projected.var(axis=0, ddof=1), 1.0, atol=1e-6)


def test_fused_cosine_is_the_weighted_sum_of_the_streams_cosines():
    backend = small_backend(weight=0.7)
    stats = np.stack([residual_statistics(textured(50 + i, period=2 + i), SMALL) for i in range(2)])
    learned = np.random.default_rng(1).normal(size=(2, 16))
    learned /= np.linalg.norm(learned, axis=1, keepdims=True)
    fused = backend.apply(stats, learned)
    assert fused.shape == (2, backend.fused_dim(16))
    np.testing.assert_allclose(np.linalg.norm(fused, axis=1), 1.0, atol=1e-5)
    residual = backend.project(stats)
    expected = 0.7 * residual[0] @ residual[1] + 0.3 * learned[0] @ learned[1]
    assert fused[0] @ fused[1] == pytest.approx(expected, abs=1e-5)


def test_backend_round_trips_and_refuses_other_bytes(tmp_path):
    backend = small_backend()
    payload = backend.to_bytes()
    path = tmp_path / BACKEND_NAME
    path.write_bytes(payload)
    loaded = read_backend(path, hashlib.sha256(payload).hexdigest())
    assert loaded.stats == backend.stats and loaded.residual_weight == backend.residual_weight
    np.testing.assert_allclose(loaded.projection, backend.projection, rtol=1e-6)
    with pytest.raises(BackendError, match="does not match the SHA-256"):
        read_backend(path, "0" * 64)
    path.write_bytes(b"not a back-end")
    with pytest.raises(BackendError, match="damaged"):
        read_backend(path, hashlib.sha256(b"not a back-end").hexdigest())


def test_lda_backend_keeps_sources_apart_better_than_their_spread():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(6, 40))
    sources = np.repeat(np.arange(6), 10)
    features = centres[sources] + rng.normal(scale=0.3, size=(60, 40)) + rng.normal(size=(60, 1)) * 4
    config = ResidualStatsConfig(region=16, clip=1, filters=("first",), planes=("grey",))
    features = np.pad(features, ((0, 0), (0, config.dimension - 40)))
    backend = fit_backend(Variant(config, "pca+lda", 5, 1.0, pca_dims=20), features, sources.astype(str),
                          np.full(60, "synthetic"), computed=config)
    projected = backend.project(features)
    same = projected @ projected.T
    assert same[sources[:, None] == sources[None, :]].mean() > same[sources[:, None] != sources[None, :]].mean() + 0.5


# --- the extractor with a back-end ------------------------------------------------------


@pytest.fixture
def fused_dir(tmp_path, extractor_dir):
    folder = tmp_path / "fused-extractor"
    shutil.copytree(extractor_dir, folder)
    install_backend(folder, small_backend(), "test variant", "pytest")
    return folder


def test_extractor_with_a_backend_has_its_own_id_and_fused_fingerprints(fused_dir, extractor_dir):
    plain = Extractor.load(extractor_dir, device="cpu")
    fused = Extractor.load(fused_dir, device="cpu")
    assert fused.extractor_id != plain.extractor_id
    assert fused.extractor_id == fused_extractor_id(fused.card.sha256, fused.card.backend_entry["sha256"])
    assert fused.embedding_dim == plain.embedding_dim + fused.backend.projected_dim
    images = [textured(i, size=160, period=2 + i % 3) for i in range(3)]
    embeddings = fused.embed_pixels(images)
    assert embeddings.shape == (3, fused.embedding_dim)
    np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, atol=1e-5)
    # the learned part is the plain extractor's embedding, scaled by its stream weight
    learned = embeddings[:, fused.backend.projected_dim:] / np.sqrt(1 - fused.backend.residual_weight)
    np.testing.assert_allclose(learned, plain.embed_pixels(images), atol=1e-4)


def test_a_backend_installed_over_another_keeps_the_learned_streams_figures(fused_dir):
    import json

    card_path = fused_dir / "model_card.json"
    learned_figures = json.loads(card_path.read_text()).get("learned_stream_figures")
    card = json.loads(card_path.read_text())
    card["figures"] = {"dev": {"accuracy": 0.5}}  # measured under the first back-end
    from forensics_app.core.fingerprint.extractor import write_card

    write_card(fused_dir, card)
    first = Extractor.load(fused_dir, device="cpu").extractor_id
    install_backend(fused_dir, small_backend(seed=1), "second variant", "pytest")
    card = json.loads(card_path.read_text())
    assert card.get("learned_stream_figures") == learned_figures and "figures" not in card
    assert card["backend"]["variant"] == "second variant"
    assert Extractor.load(fused_dir, device="cpu").extractor_id not in (first, card["sha256"][:12])


def test_a_changed_backend_is_refused_at_load(fused_dir):
    path = fused_dir / BACKEND_NAME
    path.write_bytes(path.read_bytes()[:-8] + b"00000000")
    with pytest.raises(BackendUnusableError, match="does not match the SHA-256"):
        Extractor.load(fused_dir, device="cpu")
    path.unlink()
    with pytest.raises(BackendUnusableError, match="cannot be read"):
        Extractor.load(fused_dir, device="cpu")


def test_a_library_of_the_learned_stream_alone_is_refused_under_the_backend(tmp_path, fused_dir, extractor_dir):
    plain = Extractor.load(extractor_dir, device="cpu")
    fused = Extractor.load(fused_dir, device="cpu")
    path = tmp_path / "plain.sqlite"
    Library.open(path, plain.extractor_id, plain.embedding_dim).close()
    with pytest.raises(LibraryExtractorMismatchError, match=plain.extractor_id):
        Library.open(path, fused.extractor_id, fused.embedding_dim)


def test_the_model_card_text_names_the_backend_and_its_hash(fused_dir):
    import json

    from forensics_app.gui.model_card_text import card_html

    card = json.loads((fused_dir / "model_card.json").read_text())
    text = card_html(card)
    assert "Fingerprint streams" in text and card["backend"]["sha256"] in text
    assert card["extractor_id"] == Extractor.load(fused_dir, device="cpu").extractor_id


@pytest.mark.parametrize("step", [1, 3, 5])
def test_whole_step_quantisation_rounds_as_floats_do(step):
    from forensics_app.core.fingerprint.residual_stats import _quantise

    values = np.arange(-60, 61, dtype=np.int32)[None, :]
    expected = np.clip(np.rint(values / step), -2, 2) + 2
    np.testing.assert_array_equal(_quantise(values, float(step), 2), expected)


def _sources_with_a_nuisance(seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Sources apart in a few directions; one strong direction varies within every source."""
    rng = np.random.default_rng(seed)
    centres = np.zeros((8, 12))
    centres[:, :4] = rng.normal(size=(8, 4))
    sources = np.repeat(np.arange(8), 12)
    vectors = centres[sources] + rng.normal(scale=0.3, size=(96, 12))
    vectors[:, 6] += rng.normal(scale=6.0, size=96)  # content, size, encoding: shared by all sources
    return vectors, sources.astype(str)


def test_plda_scaled_map_diagonalises_the_background_and_downweights_what_varies_within_a_source():
    vectors, sources = _sources_with_a_nuisance()
    mean, matrix = plda_scaled_map(vectors, sources)
    between, within = two_covariance(vectors - mean, sources)
    weight = np.diag(matrix.T @ within @ matrix)  # l / (l + 1), l the direction's between-source variance
    assert ((weight >= 0) & (weight < 1)).all()
    np.testing.assert_allclose(matrix.T @ within @ matrix, np.diag(weight), atol=1e-8)
    strength = weight / (1 - weight)
    np.testing.assert_allclose(matrix.T @ between @ matrix, np.diag(weight * strength), atol=1e-6)

    def margin(x: np.ndarray) -> float:
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        cosine, same = x @ x.T, sources[:, None] == sources[None, :]
        return cosine[same].mean() - cosine[~same].mean()

    assert margin((vectors - mean) @ matrix) > margin(vectors - mean) + 0.3


def test_a_backend_with_the_joined_streams_map_applies_it_and_round_trips(tmp_path):
    plain = small_backend(weight=0.5, dims=6)
    stats = np.stack([residual_statistics(textured(70 + i, period=2 + i % 3), SMALL) for i in range(24)])
    learned = np.random.default_rng(2).normal(size=(24, 10))
    joined = plain.join(stats, learned)
    mean, matrix = plda_scaled_map(joined, np.repeat(np.arange(6), 4).astype(str))
    mapped = Backend(SMALL, plain.mean, plain.projection, 0.5, plain.method, mean, matrix)
    fused = mapped.apply(stats, learned)
    assert fused.shape == (24, mapped.fused_dim(10))
    expected = (joined - mean) @ matrix
    np.testing.assert_allclose(fused, expected / np.linalg.norm(expected, axis=1, keepdims=True), atol=1e-5)
    payload = mapped.to_bytes()
    (tmp_path / BACKEND_NAME).write_bytes(payload)
    loaded = read_backend(tmp_path / BACKEND_NAME, hashlib.sha256(payload).hexdigest())
    np.testing.assert_allclose(loaded.apply(stats, learned), fused, atol=1e-5)
    assert "PLDA" in loaded.describe()
    with pytest.raises(BackendError, match="expects 10 learned values"):
        mapped.apply(stats, learned[:, :8])
    with pytest.raises(BackendError, match="lacks its mean"):
        Backend(SMALL, plain.mean, plain.projection, 0.5, plain.method, mean, None)
    with pytest.raises(BackendError, match="does not fit"):
        Backend(SMALL, plain.mean, plain.projection, 0.5, plain.method, mean, matrix[:, :5])
    with pytest.raises(BackendError, match="does not fit"):
        Backend(SMALL, plain.mean, plain.projection, 0.5, plain.method, np.array(0.0), matrix)


def test_a_variant_that_maps_the_joined_streams_needs_the_background_embeddings():
    vectors, sources = _sources_with_a_nuisance()
    config = ResidualStatsConfig(region=16, clip=1, filters=("first",), planes=("grey",))
    features = np.pad(vectors, ((0, 0), (0, config.dimension - 12)))
    variant = Variant(config, "pca+wccn", 6, 0.5, pca_dims=6, plda_map=True)
    with pytest.raises(ValueError, match="learned embeddings"):
        fit_backend(variant, features, sources, np.full(96, "synthetic"), computed=config)
    learned = np.random.default_rng(5).normal(size=(96, 4))
    backend = fit_backend(variant, features, sources, np.full(96, "synthetic"), computed=config, embeddings=learned)
    assert backend.fused_map.shape == (10, 10)
    assert backend.apply(features[:3], learned[:3]).shape == (3, 10)


def test_fusion_weighs_each_stream_by_how_well_its_cosine_separates_background_sources():
    vectors, sources = _sources_with_a_nuisance()
    config = ResidualStatsConfig(region=16, clip=1, filters=("first",), planes=("grey",))
    features = np.pad(vectors, ((0, 0), (0, config.dimension - 12)))
    rng = np.random.default_rng(6)
    uninformative = rng.normal(size=(96, 4))
    informative = np.repeat(rng.normal(size=(8, 4)), 12, axis=0) + rng.normal(scale=0.05, size=(96, 4))
    variant = Variant(config, "pca+wccn", 6, None, pca_dims=6)
    with pytest.raises(ValueError, match="learned embeddings"):
        fit_backend(variant, features, sources, np.full(96, "synthetic"), computed=config)
    noise_beside = fusion_weight(variant, features, sources, uninformative)
    signal_beside = fusion_weight(variant, features, sources, informative)
    assert noise_beside.residual_weight > 0.8 > signal_beside.residual_weight
    # every same-source pair of each fold (4 sources of 12), and all of its 864 others (fewer than 4 per same)
    assert noise_beside.same_pairs == 8 * 66 and noise_beside.different_pairs == 2 * 864
    backend = fit_backend(variant, features, sources, np.full(96, "synthetic"), computed=config, embeddings=uninformative)
    assert backend.residual_weight == pytest.approx(noise_beside.residual_weight)
    assert "logistic-regression fusion" in backend.describe()
    assert not backend.describe().count("PLDA")
