"""Evidence intake: every kind of input is either taken in faithfully or refused clearly.

All files are made here, in tmp_path, so each test states exactly what it feeds in.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageFile
from skimage import data as skdata

from forensics_app.core.evidence import (
    DEFAULT_MAX_PIXELS,
    IMAGE_EXTENSIONS,
    EmptyFileError,
    EvidenceError,
    EvidenceImage,
    ImageTooLargeError,
    NotAnImageError,
    TruncatedImageError,
    UnreadableFileError,
    UnsupportedImageError,
    iter_image_files,
    open_evidence,
)
from forensics_app.core.evidence.pixels import to_rgb as _to_rgb

# ----------------------------------------------------------------------------- helpers


def save(image: Image.Image, path: Path, **options) -> Path:
    """Write an image to a file and return its path."""
    image.save(path, **options)
    return path


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    """The bytes of an image saved in memory."""
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def raw_png(width: int, height: int, bit_depth: int, colour_type: int, rows: bytes,
            end: bool = True) -> bytes:
    """A PNG built chunk by chunk, for sample layouts Pillow will not write itself."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    body = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
    return body + chunk(b"IEND", b"") if end else body


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def astronaut() -> np.ndarray:
    return skdata.astronaut()


# ----------------------------------------------------------------------------- identity


def test_hashes_size_and_pixels_match_the_file(tmp_path):
    pixels = astronaut()
    path = save(Image.fromarray(pixels), tmp_path / "astronaut.png")
    raw = path.read_bytes()

    evidence = open_evidence(path)

    assert evidence.sha256 == hashlib.sha256(raw).hexdigest()
    assert evidence.md5 == hashlib.md5(raw).hexdigest()
    assert evidence.size_bytes == len(raw) == path.stat().st_size
    assert evidence.path == str(path.resolve()) and os.path.isabs(evidence.path)
    assert (evidence.format, evidence.mode, evidence.frames) == ("PNG", "RGB", 1)
    assert (evidence.width, evidence.height) == (512, 512)
    assert evidence.pixels.dtype == np.uint8 and evidence.pixels.shape == (512, 512, 3)
    np.testing.assert_array_equal(evidence.pixels, pixels)
    assert evidence.notes == []
    assert evidence.has_icc_profile is False


def test_relative_path_is_made_absolute(tmp_path, monkeypatch):
    save(Image.new("RGB", (8, 8)), tmp_path / "rel.png")
    monkeypatch.chdir(tmp_path)
    assert open_evidence("rel.png").path == str(tmp_path / "rel.png")


def test_read_only_file_is_read_and_left_unchanged(tmp_path):
    path = save(Image.fromarray(astronaut()), tmp_path / "locked.jpg", quality=90)
    path.chmod(0o444)
    before = (sha256_of(path), path.stat().st_mtime_ns)
    evidence = open_evidence(path)
    assert evidence.format == "JPEG"
    assert (sha256_of(path), path.stat().st_mtime_ns) == before


def test_tiny_image_is_accepted_as_is(tmp_path):
    pixels = np.arange(8 * 8 * 3, dtype=np.uint8).reshape(8, 8, 3)
    evidence = open_evidence(save(Image.fromarray(pixels), tmp_path / "tiny.png"))
    assert (evidence.width, evidence.height) == (8, 8)
    np.testing.assert_array_equal(evidence.pixels, pixels)


# ----------------------------------------------------------------------------- metadata


def test_exif_tags_are_readable_strings(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS 5D"  # Model
    exif[0x0131] = "DiffusionTool 2.1"  # Software
    details = exif.get_ifd(0x8769)
    details[0x9003] = "2024:01:02 03:04:05"  # DateTimeOriginal
    details[0x927C] = b"\x00\x01\x02proprietary" * 50  # MakerNote: skipped
    details[0x9286] = b"ASCII\x00\x00\x00hello"  # UserComment
    path = save(Image.fromarray(astronaut()), tmp_path / "camera.jpg", exif=exif)

    tags = open_evidence(path).exif

    assert tags["Make"] == "Canon"
    assert tags["Model"] == "EOS 5D"
    assert tags["Software"] == "DiffusionTool 2.1"
    assert tags["DateTimeOriginal"] == "2024:01:02 03:04:05"
    assert tags["UserComment"] == "hello"
    assert "MakerNote" not in tags and "ExifOffset" not in tags
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items())
    assert all(len(v) < 300 for v in tags.values())


def test_binary_exif_value_is_trimmed_hex(tmp_path):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0xA420] = "id"  # ImageUniqueID, a normal string
    exif[0x010F] = "Maker"
    exif.get_ifd(0x8769)[0x9000] = b"\x00\x02\xff\xfe" * 40  # ExifVersion slot, binary
    path = save(Image.new("RGB", (16, 16)), tmp_path / "binary.jpg", exif=exif)
    value = open_evidence(path).exif["ExifVersion"]
    assert value.startswith("0x") and value.endswith("(160 bytes)")
    assert len(value) < 120


def test_png_text_chunks_are_kept(tmp_path):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("parameters", "a cat, Steps: 20, Sampler: Euler a, Model: sd15")
    info.add_text("Software", "ImageGen 1.0")
    path = save(Image.new("RGB", (16, 16)), tmp_path / "text.png", pnginfo=info)
    evidence = open_evidence(path)
    assert evidence.text_metadata["parameters"].startswith("a cat, Steps: 20")
    assert evidence.text_metadata["Software"] == "ImageGen 1.0"


def test_exif_orientation_6_is_applied(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (20, 40, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = save(Image.fromarray(pixels), tmp_path / "rotated.png", exif=exif)

    evidence = open_evidence(path)

    assert (evidence.width, evidence.height) == (20, 40)
    np.testing.assert_array_equal(evidence.pixels, np.rot90(pixels, k=-1))  # clockwise
    assert "EXIF orientation 6 applied (rotated 90 degrees clockwise)" in evidence.notes


def test_exif_orientation_1_gives_no_note(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 1
    path = save(Image.new("RGB", (30, 10)), tmp_path / "upright.png", exif=exif)
    evidence = open_evidence(path)
    assert (evidence.width, evidence.height) == (30, 10)
    assert not any("orientation" in n for n in evidence.notes)


def test_icc_profile_is_detected_and_not_applied(tmp_path):
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    pixels = astronaut()[:64, :64]
    path = save(Image.fromarray(pixels), tmp_path / "icc.png", icc_profile=icc)
    evidence = open_evidence(path)
    assert evidence.has_icc_profile is True
    np.testing.assert_array_equal(evidence.pixels, pixels)
    assert any("ICC profile" in n for n in evidence.notes)


# ----------------------------------------------------------------------------- THE rule


def test_rgba_alpha_dropped_colours_kept_exactly(tmp_path):
    rng = np.random.default_rng(1)
    rgba = rng.integers(0, 256, (32, 32, 4), dtype=np.uint8)
    rgba[..., 3] = 255
    rgba[:4, :5, 3] = 0  # 20 invisible pixels whose colours must survive
    rgba[10, :7, 3] = 128  # 7 half-transparent
    path = save(Image.fromarray(rgba, "RGBA"), tmp_path / "rgba.png")

    evidence = open_evidence(path)

    assert evidence.mode == "RGBA"
    np.testing.assert_array_equal(evidence.pixels, rgba[..., :3])
    assert "alpha channel dropped; 27 pixels were not fully opaque" in evidence.notes


def test_la_alpha_dropped_grey_kept(tmp_path):
    la = np.zeros((6, 6, 2), dtype=np.uint8)
    la[..., 0] = np.arange(36).reshape(6, 6) * 7
    la[..., 1] = 255
    la[0, 0, 1] = 0
    path = save(Image.fromarray(la, "LA"), tmp_path / "la.png")
    evidence = open_evidence(path)
    assert evidence.mode == "LA"
    np.testing.assert_array_equal(evidence.pixels, np.repeat(la[..., :1], 3, axis=2))
    assert "alpha channel dropped; 1 pixels were not fully opaque" in evidence.notes


def test_palette_with_transparency_goes_via_rgba(tmp_path):
    image = Image.new("P", (5, 4), 0)
    image.putpalette([200, 10, 20, 0, 255, 0] + [0] * 762)
    for x in range(3):
        image.putpixel((x, 1), 1)
    path = save(image, tmp_path / "palette.png", transparency=1)

    evidence = open_evidence(path)

    assert evidence.mode == "P"
    assert tuple(evidence.pixels[0, 0]) == (200, 10, 20)
    assert tuple(evidence.pixels[1, 0]) == (0, 255, 0)  # colour kept under alpha 0
    assert "palette image expanded to RGB" in evidence.notes
    assert "alpha channel dropped; 3 pixels were not fully opaque" in evidence.notes


def test_palette_without_transparency(tmp_path):
    image = Image.fromarray(astronaut()[:32, :32]).convert("P")
    path = save(image, tmp_path / "plain_palette.png")
    evidence = open_evidence(path)
    np.testing.assert_array_equal(evidence.pixels, np.asarray(image.convert("RGB")))
    assert evidence.notes == ["palette image expanded to RGB"]


def test_one_bit_image(tmp_path):
    bits = np.zeros((8, 16), dtype=bool)
    bits[:, ::2] = True
    path = save(Image.fromarray(bits), tmp_path / "bits.png")
    evidence = open_evidence(path)
    assert evidence.mode == "1"
    assert set(np.unique(evidence.pixels)) == {0, 255}
    np.testing.assert_array_equal(evidence.pixels[..., 1], bits.astype(np.uint8) * 255)
    assert any("1-bit" in n for n in evidence.notes)


def test_greyscale_copied_to_three_channels(tmp_path):
    grey = skdata.camera()
    evidence = open_evidence(save(Image.fromarray(grey), tmp_path / "camera.png"))
    assert evidence.mode == "L"
    for channel in range(3):
        np.testing.assert_array_equal(evidence.pixels[..., channel], grey)


def test_cmyk_jpeg(tmp_path):
    image = Image.new("CMYK", (24, 16), (0, 255, 0, 0))
    path = save(image, tmp_path / "cmyk.jpg", quality=95)
    evidence = open_evidence(path)
    assert evidence.mode == "CMYK" and evidence.format == "JPEG"
    assert evidence.pixels.shape == (16, 24, 3)
    r, g, b = (int(v) for v in evidence.pixels[8, 12])
    assert r > 200 and g < 60 and b > 200  # magenta
    assert any("CMYK converted to RGB" in n for n in evidence.notes)


def test_16bit_greyscale_png_is_scaled_by_257(tmp_path):
    values = np.array([[0, 257, 65535, 128, 129, 32896, 514, 65534]], dtype=np.uint16)
    path = save(Image.fromarray(values), tmp_path / "grey16.png")

    evidence = open_evidence(path)

    assert evidence.mode in ("I;16", "I;16B", "I")  # whatever Pillow reports, never "L"
    np.testing.assert_array_equal(evidence.pixels[0, :, 0], [0, 1, 255, 0, 1, 128, 2, 255])
    assert any("16-bit samples scaled to 8 bits" in n for n in evidence.notes)


def test_16bit_rgb_png_reduced_by_pillow_with_note(tmp_path):
    rows = b"\x00" + struct.pack(">6H", 65535, 257, 32768, 0, 300, 65280)
    path = tmp_path / "rgb16.png"
    path.write_bytes(raw_png(2, 1, 16, 2, rows))

    evidence = open_evidence(path)

    assert evidence.mode == "RGB"
    np.testing.assert_array_equal(evidence.pixels[0], [[255, 1, 128], [0, 1, 255]])
    assert "16-bit RGB samples reduced to 8 bits by Pillow (high byte kept)" in evidence.notes


def test_32bit_integer_tiff_is_clipped_and_scaled(tmp_path):
    values = np.array([[-5, 0, 257, 65535, 100000]], dtype=np.int32)
    path = save(Image.fromarray(values, "I"), tmp_path / "int32.tif")
    evidence = open_evidence(path)
    assert evidence.mode == "I"
    np.testing.assert_array_equal(evidence.pixels[0, :, 0], [0, 0, 1, 255, 255])
    assert "2 32-bit samples outside 0..65535 were clipped" in evidence.notes


@pytest.mark.parametrize(
    ("values", "expected"),
    [([0.0, 0.5, 1.0, -0.2], [0, 128, 255, 0]), ([0.0, 2.0, 254.6, 300.0], [0, 2, 255, 255])],
)
def test_float_tiff(tmp_path, values, expected):
    path = save(Image.fromarray(np.array([values], dtype=np.float32), "F"), tmp_path / "f.tif")
    evidence = open_evidence(path)
    assert evidence.mode == "F"
    np.testing.assert_array_equal(evidence.pixels[0, :, 0], expected)


@pytest.mark.parametrize("mode", ["YCbCr", "LAB", "HSV", "RGBX", "PA", "La", "RGBa"])
def test_other_modes_convert_to_rgb(mode):
    notes: list[str] = []
    pixels = _to_rgb(Image.new(mode, (3, 2)), notes)
    assert pixels.shape == (2, 3, 3) and pixels.dtype == np.uint8
    assert notes


def test_animated_gif_first_frame_with_note(tmp_path):
    colours = [(i * 20, 255 - i * 20, 40) for i in range(12)]
    frames = [Image.new("RGB", (10, 8), colour) for colour in colours]
    path = save(frames[0], tmp_path / "anim.gif", save_all=True, append_images=frames[1:])

    evidence = open_evidence(path)

    assert evidence.frames == 12
    assert "animated GIF with 12 frames: first frame analysed" in evidence.notes
    assert (evidence.pixels == np.array(colours[0], dtype=np.uint8)).all()


@pytest.mark.parametrize(
    ("suffix", "options", "word"),
    [
        (".tif", {}, "multi-page TIFF with 3 pages"),
        (".png", {}, "animated PNG declaring 3 frames (not counted)"),
        (".webp", {"lossless": True}, "animated WebP with 3 frames"),
    ],
)
def test_other_multi_frame_files(tmp_path, suffix, options, word):
    frames = [Image.new("RGB", (12, 12), (i * 60, 10, 200 - i * 50)) for i in range(3)]
    path = save(frames[0], tmp_path / f"multi{suffix}", save_all=True,
                append_images=frames[1:], **options)
    evidence = open_evidence(path)
    assert evidence.frames == 3
    assert f"{word}: first {'page' if suffix == '.tif' else 'frame'} analysed" in evidence.notes
    assert tuple(evidence.pixels[5, 5]) == (0, 10, 200)


# ----------------------------------------------------------------------------- pixel limit


def test_oversize_image_refused_before_decoding(tmp_path):
    path = save(Image.new("RGB", (300, 300)), tmp_path / "big.png")
    with pytest.raises(ImageTooLargeError) as caught:
        open_evidence(path, max_pixels=50_000)
    error = caught.value
    assert (error.width, error.height, error.max_pixels) == (300, 300, 50_000)
    assert "300 x 300 = 90,000 pixels exceeds the limit of 50,000 pixels" in error.reason
    assert "--max-pixels" in error.reason and "Settings" in error.reason
    assert open_evidence(path, max_pixels=90_000).width == 300  # exactly at the limit


def test_bomb_header_message_names_size_limit_and_remedy(tmp_path):
    # A few hundred bytes claiming 20000 x 20000: refused from the header alone.
    path = tmp_path / "bomb.png"
    path.write_bytes(raw_png(20000, 20000, 8, 0, b"\x00" * 100))
    with pytest.raises(ImageTooLargeError) as caught:
        open_evidence(path)
    assert caught.value.reason == (
        "20000 x 20000 = 400.0 MP exceeds the limit of 80.0 MP set against decompression "
        "bombs; raise the limit in Settings or with --max-pixels if you trust this file"
    )
    assert str(caught.value) == f"{path}: {caught.value.reason}"


def test_wide_but_short_image_accepted_with_default_limit(tmp_path):
    path = save(Image.new("L", (20000, 600), 77), tmp_path / "panorama.png")
    evidence = open_evidence(path)
    assert DEFAULT_MAX_PIXELS == 80_000_000
    assert (evidence.width, evidence.height) == (20000, 600)
    assert evidence.pixels[0, 0, 0] == 77


def test_our_limit_governs_and_pillow_global_is_restored(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow alone would refuse
    path = save(Image.new("RGB", (100, 100), (1, 2, 3)), tmp_path / "ok.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any DecompressionBombWarning would fail the test
        evidence = open_evidence(path)
    assert evidence.width == 100
    assert Image.MAX_IMAGE_PIXELS == 1000
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_pillow_default_limit_unchanged_after_errors(tmp_path):
    before = Image.MAX_IMAGE_PIXELS
    path = save(Image.new("RGB", (300, 300)), tmp_path / "big.png")
    with pytest.raises(ImageTooLargeError):
        open_evidence(path, max_pixels=10)
    assert Image.MAX_IMAGE_PIXELS == before


def test_concurrent_intake_keeps_limits_separate(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    before = Image.MAX_IMAGE_PIXELS
    small = save(Image.new("RGB", (300, 300), (9, 9, 9)), tmp_path / "small.png")

    def attempt(limit: int) -> str:
        try:
            return f"ok {open_evidence(small, max_pixels=limit).width}"
        except ImageTooLargeError:
            return "too large"

    limits = [50_000, 90_000] * 8
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, limits))
    assert outcomes == ["too large", "ok 300"] * 8
    assert Image.MAX_IMAGE_PIXELS == before


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, None])
def test_invalid_limit_is_a_programming_error(tmp_path, bad):
    path = save(Image.new("RGB", (8, 8)), tmp_path / "x.png")
    with pytest.raises(ValueError):
        open_evidence(path, max_pixels=bad)


# ----------------------------------------------------------------------------- bad inputs


def make_bad_corpus(folder: Path) -> dict[str, tuple[Path, type[EvidenceError] | None]]:
    """Every kind of input the intake must handle, with the outcome it must give.

    ``None`` means the file must be taken in; otherwise the exact error class expected.
    """
    folder.mkdir(parents=True, exist_ok=True)
    photo = Image.fromarray(astronaut()[:200, :200])  # under CORPUS_MAX_PIXELS
    png_bytes = encoded(photo, "PNG")
    jpeg_bytes = encoded(photo, "JPEG", quality=90)
    corpus: dict[str, tuple[Path, type[EvidenceError] | None]] = {}

    def add(name: str, content: bytes, expected: type[EvidenceError] | None) -> None:
        path = folder / name
        path.write_bytes(content)
        corpus[name] = (path, expected)

    def add_image(name: str, image: Image.Image, expected=None, **options) -> None:
        fmt = options.pop("format", None)
        add(name, encoded(image, fmt or Image.registered_extensions()[Path(name).suffix],
                          **options), expected)

    add("empty.png", b"", EmptyFileError)
    add("truncated.png", png_bytes[: len(png_bytes) // 2], TruncatedImageError)
    add("truncated_header.png", png_bytes[:40], TruncatedImageError)
    add("truncated.jpg", jpeg_bytes[: len(jpeg_bytes) // 2], TruncatedImageError)
    add("notes.png", b"These are my case notes, not an image.\n" * 20, NotAnImageError)
    add("document.jpg", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n"
        b"endobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n", NotAnImageError)
    add("random.bmp", bytes(np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8)),
        NotAnImageError)
    damaged = bytearray(png_bytes)
    damaged[2000:2100] = bytes(b ^ 0x55 for b in damaged[2000:2100])  # inside the pixel data
    add("corrupt.png", bytes(damaged), TruncatedImageError)
    add("no_iend.png", png_bytes[:-12], None)  # pixels complete, end chunk missing
    add_image("oversize.png", Image.new("RGB", (300, 300)), ImageTooLargeError)
    add_image("cmyk.jpg", Image.new("CMYK", (32, 32), (10, 200, 30, 5)))
    add_image("grey16.png", Image.fromarray(np.full((8, 8), 65535, dtype=np.uint16)))
    rgba = np.dstack([astronaut()[:40, :40], np.full((40, 40), 128, dtype=np.uint8)])
    add_image("rgba.png", Image.fromarray(rgba, "RGBA"))
    add_image("la.png", Image.new("LA", (9, 9), (50, 10)))
    palette = Image.new("P", (9, 9), 1)
    palette.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    add_image("palette.png", palette, transparency=1)
    add_image("bits.png", Image.new("1", (9, 9), 1))
    frames = [Image.new("RGB", (9, 9), (i * 40, 0, 0)) for i in range(4)]
    add_image("anim.gif", frames[0], save_all=True, append_images=frames[1:])
    exif = Image.Exif()
    exif[0x0112] = 6
    add_image("rotated.jpg", Image.new("RGB", (30, 10)), exif=exif)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    add_image("icc.png", Image.new("RGB", (9, 9)), icc_profile=icc)
    add_image("tiny.png", Image.new("RGB", (8, 8), (4, 5, 6)))
    add_image("photo.jpg", photo, quality=85)
    (folder / "a_folder.png").mkdir()
    corpus["a_folder.png"] = (folder / "a_folder.png", UnreadableFileError)
    corpus["missing.png"] = (folder / "missing.png", UnreadableFileError)
    return corpus


CORPUS_MAX_PIXELS = 50_000  # small, so "oversize.png" is cheap to make and refuse


@pytest.fixture()
def bad_corpus(tmp_path):
    return make_bad_corpus(tmp_path / "corpus")


@pytest.mark.parametrize(
    "name",
    ["empty.png", "truncated.png", "truncated_header.png", "truncated.jpg", "corrupt.png",
     "notes.png",
     "document.jpg", "random.bmp", "oversize.png", "a_folder.png", "missing.png"],
)
def test_each_bad_input_gives_its_specific_error(bad_corpus, name):
    path, expected = bad_corpus[name]
    with pytest.raises(EvidenceError) as caught:
        open_evidence(path, max_pixels=CORPUS_MAX_PIXELS)
    error = caught.value
    assert type(error) is expected
    assert error.path == str(path)
    assert len(error.reason) > 30
    assert not isinstance(error, OSError)  # never a raw OS or Pillow error


def test_error_messages_say_what_happened(bad_corpus):
    def reason(name: str) -> str:
        with pytest.raises(EvidenceError) as caught:
            open_evidence(bad_corpus[name][0], max_pixels=CORPUS_MAX_PIXELS)
        return caught.value.reason

    assert "empty (0 bytes)" in reason("empty.png")
    assert "PDF document" in reason("document.jpg")
    assert "text file" in reason("notes.png")
    assert "ends early" in reason("truncated.jpg")
    assert "damaged" in reason("corrupt.png")
    assert "starts like a PNG" in reason("truncated_header.png")
    assert "folder" in reason("a_folder.png")
    assert "no such file" in reason("missing.png")


def test_png_without_end_chunk_is_analysed_with_a_note(bad_corpus):
    evidence = open_evidence(bad_corpus["no_iend.png"][0])
    np.testing.assert_array_equal(evidence.pixels, astronaut()[:200, :200])
    assert any(n.startswith("PNG integrity check failed") for n in evidence.notes)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="permissions do not restrict the superuser")
def test_permission_denied(tmp_path):
    path = save(Image.new("RGB", (8, 8)), tmp_path / "secret.png")
    path.chmod(0o000)
    try:
        with pytest.raises(UnreadableFileError, match="permission denied"):
            open_evidence(path)
    finally:
        path.chmod(0o600)


def test_batch_every_file_processed_or_refused_and_nothing_changed(bad_corpus, tmp_path):
    folder = tmp_path / "corpus"
    explicit = [folder / "a_folder.png", folder / "missing.png"]
    files = iter_image_files([folder]) + explicit
    assert {p.name for p in files} == set(bad_corpus)
    on_disk = [p for p in files if p.is_file()]
    before = {p: (sha256_of(p), p.stat().st_mtime_ns, p.stat().st_size) for p in on_disk}

    taken: dict[str, EvidenceImage] = {}
    refused: dict[str, EvidenceError] = {}
    for path in files:
        try:
            taken[path.name] = open_evidence(path, max_pixels=CORPUS_MAX_PIXELS).without_pixels()
        except EvidenceError as error:  # the loop goes on
            refused[path.name] = error

    assert len(taken) + len(refused) == len(bad_corpus)
    for name, (path, expected) in bad_corpus.items():
        if expected is None:
            assert name in taken, f"{name} refused: {refused.get(name)}"
            assert taken[name].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
            assert taken[name].pixels is None
        else:
            assert type(refused[name]) is expected, name
            assert refused[name].reason.strip()
    after = {p: (sha256_of(p), p.stat().st_mtime_ns, p.stat().st_size) for p in on_disk}
    assert after == before
    assert (taken["anim.gif"].frames, taken["rotated.jpg"].width) == (4, 10)
    assert taken["icc.png"].has_icc_profile
    assert any("CMYK" in n for n in taken["cmyk.jpg"].notes)


# ----------------------------------------------------------------------------- the record


def test_without_pixels_and_metadata_dict(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "Maker"
    path = save(Image.new("RGBA", (12, 10), (1, 2, 3, 100)), tmp_path / "m.png", exif=exif)
    evidence = open_evidence(path)

    light = evidence.without_pixels()
    assert light.pixels is None and evidence.pixels is not None
    assert light.metadata_dict() == evidence.metadata_dict()
    light.notes.append("changed")  # copies do not share mutable fields
    assert "changed" not in evidence.notes

    meta = evidence.metadata_dict()
    assert "pixels" not in meta
    assert json.loads(json.dumps(meta)) == meta
    assert meta["exif"]["Make"] == "Maker"
    assert (meta["width"], meta["height"], meta["mode"]) == (12, 10, "RGBA")
    rebuilt = EvidenceImage.from_metadata_dict(json.loads(json.dumps(meta)))
    assert rebuilt.metadata_dict() == meta and rebuilt.pixels is None


def test_errors_survive_pickling(tmp_path):
    path = save(Image.new("RGB", (300, 300)), tmp_path / "big.png")
    with pytest.raises(ImageTooLargeError) as caught:
        open_evidence(path, max_pixels=50_000)
    for error in (caught.value, EmptyFileError("/x.png", "empty"),
                  UnsupportedImageError("/y.tif", "odd codec")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert (copy.path, copy.reason, str(copy)) == (error.path, error.reason, str(error))
    assert pickle.loads(pickle.dumps(caught.value)).width == 300


# ----------------------------------------------------------------------------- folders


def test_iter_image_files_nested_hidden_and_non_images(tmp_path):
    root = tmp_path / "case"
    for rel in [
        "b.PNG", "a.jpg", "notes.txt", "report.pdf", ".hidden.png",
        "sub/z.WebP", "sub/c.tiff", "sub/readme.md", "sub/deeper/d.gif", "sub/deeper/e.Jpeg",
        ".git/inside.png", "sub/.cache/cached.jpg",
    ]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    loose = tmp_path / "evidence.dat"
    loose.write_bytes(b"x")
    hidden_explicit = root / ".hidden.png"

    found = iter_image_files([root, str(loose), hidden_explicit, root / "a.jpg"])

    rel = [p.relative_to(tmp_path).as_posix() for p in found]
    assert rel == [
        "case/a.jpg", "case/b.PNG",
        "case/sub/c.tiff", "case/sub/z.WebP",
        "case/sub/deeper/d.gif", "case/sub/deeper/e.Jpeg",
        "evidence.dat",  # explicit: kept whatever its extension
        "case/.hidden.png",  # explicit: kept although hidden
    ]  # "case/a.jpg" given twice is listed once
    assert found == iter_image_files([root, str(loose), hidden_explicit])


def test_iter_image_files_keeps_missing_explicit_paths(tmp_path):
    missing = tmp_path / "gone.png"
    assert iter_image_files([missing]) == [missing]
    assert iter_image_files([]) == []


def test_image_extensions_are_readable_by_pillow():
    Image.init()
    registered = Image.registered_extensions()
    assert {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"} <= set(
        IMAGE_EXTENSIONS)
    assert all(ext == ext.lower() and ext.startswith(".") for ext in IMAGE_EXTENSIONS)
    assert all(registered[ext] in Image.OPEN for ext in IMAGE_EXTENSIONS)
