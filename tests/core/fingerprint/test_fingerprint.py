"""The fingerprint core: preprocessing, network and the verified extractor."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from scipy.ndimage import median_filter

from forensics_app.core.fingerprint import preprocess as pp
from forensics_app.core.fingerprint.extractor import (
    CARD_NAME,
    WEIGHTS_NAME,
    DeviceUnavailableError,
    Extractor,
    ModelCardError,
    WeightsMissingError,
    WeightsTamperedError,
    resolve_device,
    write_card,
    write_extractor,
)
from forensics_app.core.fingerprint.network import FingerprintNet, NetworkConfig
from forensics_app.testing.tiny_generators import generate


def random_pixels(h: int, w: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


# --- crops --------------------------------------------------------------------------


def test_grid_of_nine_crops_covers_corners_and_centre():
    pixels = random_pixels(512, 384)
    crops, padded = pp.crop_grid(pixels)
    assert crops.shape == (9, 128, 128, 3) and not padded
    np.testing.assert_array_equal(crops[0], pixels[:128, :128])
    np.testing.assert_array_equal(crops[4], pixels[192:320, 128:256])
    np.testing.assert_array_equal(crops[8], pixels[-128:, -128:])


def test_single_crop_is_the_centre():
    pixels = random_pixels(300, 200)
    crops, _ = pp.crop_grid(pixels, pp.PreprocessConfig(grid=1))
    assert crops.shape == (1, 128, 128, 3)
    np.testing.assert_array_equal(crops[0], pixels[86:214, 36:164])


def test_small_image_is_mirror_padded_not_rejected():
    pixels = random_pixels(40, 100)
    crops, padded = pp.crop_grid(pixels)
    assert padded and crops.shape == (9, 128, 128, 3)
    full, _ = pp.pad_to_crop(pixels, 128)
    assert full.shape == (128, 128, 3)
    top = (128 - 40) // 2
    np.testing.assert_array_equal(full[top : top + 40, 14:114], pixels)
    np.testing.assert_array_equal(full[top - 1], full[top])  # symmetric: edge row repeated


def test_crop_grid_rejects_non_rgb():
    with pytest.raises(ValueError):
        pp.crop_grid(np.zeros((200, 200), np.uint8))


# --- residual and spectra ----------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.uint8, torch.float32])
def test_median_matches_a_reference_filter(dtype):
    pixels = torch.from_numpy(random_pixels(37, 53)).permute(2, 0, 1)[None].contiguous()
    x = pixels.to(dtype)
    ours = pp.median3x3(x).numpy()
    reference = median_filter(x.numpy(), size=(1, 1, 3, 3), mode="mirror")
    np.testing.assert_array_equal(ours, reference)


def test_uint8_and_float_residuals_agree():
    crops = torch.from_numpy(random_pixels(128, 128)[None])
    from_uint8 = pp.noise_residual(crops)
    from_float = pp.noise_residual(pp.to_float(crops))
    torch.testing.assert_close(from_uint8, from_float, atol=1e-6, rtol=0)


def test_flat_image_has_no_residual():
    flat = torch.full((1, 3, 64, 64), 77, dtype=torch.uint8)
    assert pp.noise_residual(flat).abs().max().item() == 0.0


def test_half_spectrum_is_the_right_half_of_the_full_one():
    residual = pp.noise_residual(torch.from_numpy(random_pixels(128, 128)[None]))
    full = pp.log_spectrum(residual)
    half = pp.log_spectrum(residual, half=True)
    assert half.shape == (1, 3, 128, 65)
    torch.testing.assert_close(half[..., :64], full[..., 64:], atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(half[..., 64], full[..., 0], atol=1e-4, rtol=1e-4)  # Nyquist column


@pytest.mark.parametrize("representation, width", [("spectrum", 65), ("residual", 128)])
def test_network_input_is_standardised(representation, width):
    crops = torch.from_numpy(np.stack([random_pixels(128, 128, s) for s in range(4)]))
    x = pp.network_input(crops, representation)
    assert x.shape == (4, 3, 128, width) and x.dtype == torch.float32
    assert torch.allclose(x.flatten(1).mean(1), torch.zeros(4), atol=1e-4)
    assert torch.allclose(x.flatten(1).std(1), torch.ones(4), atol=1e-4)


def test_an_unknown_representation_is_refused():
    with pytest.raises(ValueError, match="representation"):
        pp.PreprocessConfig(representation="wavelet")
    with pytest.raises(ValueError, match="representation"):
        pp.network_input(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), "wavelet")
    config = pp.PreprocessConfig(representation="residual")
    assert pp.PreprocessConfig.from_dict(config.to_dict()) == config


def test_display_spectrum_shows_a_periodic_artefact():
    base = random_pixels(256, 256).astype(np.int16)
    checker = (np.indices((256, 256)).sum(0) % 2 * 40)[..., None]
    with_artefact = np.clip(base // 2 + checker, 0, 255).astype(np.uint8)
    clean = (base // 2).astype(np.uint8)
    spectrum_a, spectrum_c = pp.display_spectrum(with_artefact), pp.display_spectrum(clean)
    assert spectrum_a.shape == (128, 128)
    # a checkerboard puts its energy at the corner frequency (Nyquist in both axes)
    assert spectrum_a[0, 0] > spectrum_c[0, 0] + 2.0
    profile = pp.azimuthal_profile(spectrum_a)
    assert profile.shape == (65,) and np.isfinite(profile).all()


def test_azimuthal_profile_of_a_ramp():
    yy, xx = np.indices((64, 64))
    radius = np.hypot(yy - 32, xx - 32)
    profile = pp.azimuthal_profile(radius)
    np.testing.assert_allclose(profile, np.arange(33), atol=0.5)
    assert pp.azimuthal_profile(radius, bins=10).shape == (10,)


# --- network ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "config",
    [NetworkConfig(), NetworkConfig(base_width=8, blocks=(2, 1), embedding_dim=64), NetworkConfig(backbone="resnet50", embedding_dim=256)],
)
def test_network_embeds_to_the_configured_size(config):
    network = FingerprintNet(config).eval()
    with torch.inference_mode():
        embedding = network.embed(torch.randn(2, 3, 128, 65))
    assert embedding.shape == (2, config.embedding_dim)
    torch.testing.assert_close(embedding.norm(dim=1), torch.ones(2))


def test_network_config_round_trips():
    config = NetworkConfig(base_width=24, blocks=(1, 2, 2), embedding_dim=96)
    assert NetworkConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_unknown_backbone_is_refused():
    with pytest.raises(ValueError, match="unknown backbone"):
        FingerprintNet(NetworkConfig(backbone="vgg"))


# --- extractor ----------------------------------------------------------------------


@pytest.mark.parametrize("representation", pp.REPRESENTATIONS)
def test_loaded_extractor_reproduces_the_network(tmp_path, representation):
    torch.manual_seed(1)
    network = FingerprintNet(NetworkConfig(base_width=8, embedding_dim=16)).eval()
    card = write_extractor(tmp_path, network, pp.PreprocessConfig(representation=representation), half=False)
    extractor = Extractor.load(tmp_path, device="cpu")
    assert extractor.extractor_id == card.sha256[:12]
    images = [random_pixels(200, 260, s) for s in range(3)]
    ours = extractor.embed_pixels(images)
    with torch.inference_mode():
        crops = torch.from_numpy(np.concatenate([pp.crop_grid(im)[0] for im in images]))
        direct = network.embed(pp.network_input(crops, representation)).view(3, 9, -1).mean(1)
        direct = torch.nn.functional.normalize(direct, dim=-1).numpy()
    np.testing.assert_allclose(ours, direct, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_half_precision_storage_changes_little(tmp_path):
    torch.manual_seed(2)
    network = FingerprintNet(NetworkConfig(base_width=8, embedding_dim=16)).eval()
    write_extractor(tmp_path / "a", network, pp.PreprocessConfig(), half=False)
    write_extractor(tmp_path / "b", network, pp.PreprocessConfig(), half=True)
    images = generate("bilinear", 2)
    full = Extractor.load(tmp_path / "a", "cpu").embed_pixels(images)
    half = Extractor.load(tmp_path / "b", "cpu").embed_pixels(images)
    assert (full * half).sum(1).min() > 0.999


def test_tampered_weights_are_refused(extractor_dir, tmp_path):
    for name in (CARD_NAME, WEIGHTS_NAME):
        (tmp_path / name).write_bytes((extractor_dir / name).read_bytes())
    payload = bytearray((tmp_path / WEIGHTS_NAME).read_bytes())
    payload[-1] ^= 0x01
    (tmp_path / WEIGHTS_NAME).write_bytes(bytes(payload))
    with pytest.raises(WeightsTamperedError, match="do not match their model card"):
        Extractor.load(tmp_path, "cpu")


def test_weights_that_do_not_fit_the_card_are_refused(tmp_path):
    network = FingerprintNet(NetworkConfig(base_width=8, embedding_dim=16))
    write_extractor(tmp_path, network, pp.PreprocessConfig())
    card = json.loads((tmp_path / CARD_NAME).read_text())
    card["network"]["base_width"] = 16
    write_card(tmp_path, card)  # sealed again, as a mistaken release would be
    with pytest.raises(ModelCardError, match="do not fit the architecture"):
        Extractor.load(tmp_path, "cpu")


def test_missing_weights_say_what_to_do(tmp_path):
    with pytest.raises(WeightsMissingError, match="no extractor weights are bundled"):
        Extractor.load(tmp_path, "cpu")


def test_malformed_card_is_a_clear_error(tmp_path):
    (tmp_path / CARD_NAME).write_text("{not json")
    with pytest.raises(ModelCardError):
        Extractor.load(tmp_path, "cpu")


def test_device_choice():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type in ("cpu", "cuda", "mps")
    if not torch.cuda.is_available():
        with pytest.raises(DeviceUnavailableError):
            resolve_device("cuda")
    with pytest.raises(DeviceUnavailableError):
        resolve_device("tpu")


def test_stream_reports_failures_and_goes_on(extractor_dir):
    extractor = Extractor.load(extractor_dir, "cpu")
    images = {f"ok{i}": pixels for i, pixels in enumerate(generate("nearest", 5))}
    images["small"] = random_pixels(20, 30)

    def load(name: str) -> np.ndarray:
        if name == "broken":
            raise OSError("cannot decode")
        return images[name]

    names = ["ok0", "broken", "ok1", "small", "ok2", "ok3", "ok4"]
    seen = []
    outcomes = list(extractor.embed_stream(names, load, batch_images=2, progress=lambda d, t: seen.append((d, t))))
    assert [o.item for o in outcomes] == names
    assert isinstance(outcomes[1].error, OSError) and outcomes[1].embedding is None
    assert all(o.embedding is not None for o in outcomes if o.item != "broken")
    assert outcomes[3].padded and not outcomes[0].padded
    assert seen[-1] == (7, 7)
    batch_one = list(extractor.embed_stream(names, load, batch_images=1))
    for a, b in zip(outcomes, batch_one):
        if a.embedding is not None:
            np.testing.assert_allclose(a.embedding, b.embedding, atol=1e-5)


def test_cancel_stops_the_stream(extractor_dir):
    extractor = Extractor.load(extractor_dir, "cpu")
    images = generate("shuffle", 8)
    done = []
    outcomes = list(
        extractor.embed_stream(
            list(range(8)), lambda i: images[i], batch_images=2,
            progress=lambda d, t: done.append(d), cancel=lambda: bool(done) and done[-1] >= 4,
        )
    )
    assert len(outcomes) == 4 and all(o.embedding is not None for o in outcomes)


def test_the_readable_spectrum_puts_every_image_on_one_level():
    pixels = random_pixels(256, 256)
    brighter = np.clip(pixels.astype(np.int16) * 2 - 60, 0, 255).astype(np.uint8)
    raw, raw_brighter = pp.display_spectrum(pixels), pp.display_spectrum(brighter)
    readable, readable_brighter = pp.readable_spectrum(pixels), pp.readable_spectrum(brighter)
    assert abs(float(raw_brighter.mean() - raw.mean())) > 0.3  # the raw level moves with the picture
    assert abs(float(readable.mean())) < 0.2 and abs(float(readable_brighter.mean())) < 0.2
    assert readable.shape == raw.shape
