"""Files built to make reading them take for ever: work is bounded, not only pixels.

Each file is made by the test.  Where a file used to run for minutes, the call runs in a
helper thread the test waits on (a guard against a hang, not a timing).
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from forensics_app.cli import main
from forensics_app.core.evidence import MAX_COUNTED_FRAMES, MAX_JPEG_SCANS, UnsupportedImageError, open_evidence
from forensics_app.core.file_layout import MAX_TEXT_CHUNKS, walk_png
from forensics_app.core.provenance import read_provenance_bytes
from forensics_app.core.provenance.tools import load_json, recognise, settings_fields
from tests.guards import finishes, png_chunk, with_chunks


def _png_with_chunks(*chunks: bytes, size: int = 16) -> bytes:
    """A real PNG with extra chunks inserted before its pixel data."""
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (40, 90, 200)).save(buffer, "PNG")
    return with_chunks(buffer.getvalue(), *chunks)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---------------------------------------------------------------- linear-time text parsing


def test_an_automatic1111_text_of_letters_is_parsed_in_linear_time():
    text = "a cat\nSteps: " + "x" * 400_000
    finished, recipe = finishes(recognise, {"parameters": text})
    assert finished and recipe is not None and recipe.tool.startswith("Stable Diffusion web UI")


def test_automatic1111_settings_keep_quoted_commas_and_every_field():
    fields = settings_fields('Steps: 20, Sampler: Euler a, Lora hashes: "a: 1, b: 2", Seed: 7, Model: sd_xl')
    assert fields == {"Steps": "20", "Sampler": "Euler a", "Lora hashes": "a: 1, b: 2", "Seed": "7",
                      "Model": "sd_xl"}


def test_an_xmp_packet_of_letters_after_the_image_end_is_read_in_linear_time():
    packet = b"<x:xmpmeta " + b"a" * 30_000 + b"<" * 30_000 + b":CreatorTool" * 2_000
    data = _png_with_chunks() + packet
    finished, entries = finishes(read_provenance_bytes, "x.png", data)
    assert finished and not isinstance(entries, BaseException)
    assert any(e.kind == "xmp" for e in entries)


def test_xmp_fields_are_still_read_in_both_forms():
    packet = ('<x:xmpmeta><rdf:Description xmp:CreatorTool="Adobe Firefly"><dc:creator><rdf:Seq>'
              '<rdf:li>Someone</rdf:li></rdf:Seq></dc:creator></rdf:Description></x:xmpmeta>').encode()
    entries = read_provenance_bytes("x.png", _png_with_chunks() + packet)
    xmp = next(e for e in entries if e.kind == "xmp")
    assert xmp.details["CreatorTool"] == "Adobe Firefly" and xmp.details["creator"] == "Someone"
    assert xmp.generator == "Adobe Firefly"


# ---------------------------------------------------------------- JSON depth


@pytest.mark.parametrize("key", ["prompt", "invokeai_metadata", "Comment"])
def test_json_nested_100000_deep_is_refused_not_a_crash(key):
    texts = {key: "[" * 100_000 + "]" * 100_000, "Software": "NovelAI"}
    assert recognise(texts) is None or recognise(texts).tool == "NovelAI"
    with pytest.raises(ValueError, match="nests deeper"):
        load_json("{\"a\":" * 1000 + "1" + "}" * 1000)
    assert load_json('{"brackets in a string": "[[[[[[["}') == {"brackets in a string": "[[[[[[["}


def test_a_deeply_nested_comfyui_file_is_inspected_and_analysed(tmp_path, capsys):
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    path = _write(tmp_path, "deep.png", _png_with_chunks(png_chunk(b"tEXt", b"prompt\x00" + deep), size=64))
    assert main(["inspect", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "RecursionError" not in out + err
    evidence = open_evidence(path)
    assert evidence.width == 64


# ---------------------------------------------------------------- PNG text chunks


def test_a_small_text_chunk_that_inflates_past_pillows_limit_does_not_spoil_the_image(tmp_path):
    bomb = zlib.compress(b"a" * 3_000_000, 9)
    assert len(bomb) < 4_000
    path = _write(tmp_path, "text.png", _png_with_chunks(png_chunk(b"zTXt", b"Comment\x00\x00" + bomb)))
    evidence = open_evidence(path)
    assert evidence.width == 16 and tuple(evidence.pixels[0, 0]) == (40, 90, 200)
    assert not any("integrity" in note for note in evidence.notes)
    assert len(evidence.text_metadata["Comment"]) < 5_000  # kept, trimmed


def test_text_chunks_are_kept_up_to_a_count_and_an_inflation_budget():
    many = [png_chunk(b"zTXt", f"k{i}".encode() + b"\x00\x00" + zlib.compress(b"b" * 100)) for i in range(1_000)]
    layout = walk_png(_png_with_chunks(*many))
    assert len(layout.texts) == MAX_TEXT_CHUNKS and layout.skipped_texts == 1_000 - MAX_TEXT_CHUNKS
    large = [png_chunk(b"zTXt", f"k{i}".encode() + b"\x00\x00" + zlib.compress(b"c" * 3_900_000)) for i in range(10)]
    layout = walk_png(_png_with_chunks(*large))
    assert sum(len(t) for _, _, t in layout.texts) <= 16_000_000 and layout.skipped_texts >= 5
    entries = read_provenance_bytes("x.png", _png_with_chunks(*many))
    text = next(e for e in entries if e.kind == "png-text")
    assert "936 more text chunks past the reading limits were not read" in text.says


def test_an_animated_png_declaring_two_billion_frames_is_worded_as_a_claim(tmp_path):
    frames = [Image.new("RGB", (8, 8), (i * 80, 0, 0)) for i in range(2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "PNG", save_all=True, append_images=frames[1:])
    data = buffer.getvalue()
    at = data.index(b"acTL") - 4
    patched = png_chunk(b"acTL", struct.pack(">II", 2_147_483_647, 0))
    path = _write(tmp_path, "claims.png", data[:at] + patched + data[at + 20:])
    evidence = open_evidence(path)
    assert "animated PNG declaring 2,147,483,647 frames (not counted): first frame analysed" in evidence.notes


# ---------------------------------------------------------------- decoding work


def _progressive_jpeg(extra_scans: int) -> bytes:
    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (32, 32, 3), dtype=np.uint8)).save(buffer, "JPEG", progressive=True)
    data = buffer.getvalue()
    last_scan = data.rindex(b"\xff\xda")
    scan = data[last_scan:-2]
    return data[:-2] + scan * extra_scans + data[-2:]


def test_a_jpeg_repeating_a_scan_is_refused_before_it_is_decoded(tmp_path):
    path = _write(tmp_path, "scans.jpg", _progressive_jpeg(MAX_JPEG_SCANS + 50))
    with pytest.raises(UnsupportedImageError, match=f"more than {MAX_JPEG_SCANS} scans"):
        open_evidence(path)
    assert open_evidence(_write(tmp_path, "normal.jpg", _progressive_jpeg(0))).width == 32


def test_a_tiff_of_many_pages_is_counted_only_so_far(tmp_path):
    pages = [Image.new("L", (1, 1), i % 256) for i in range(MAX_COUNTED_FRAMES + 20)]
    path = tmp_path / "pages.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:])
    evidence = open_evidence(path)
    assert evidence.frames == MAX_COUNTED_FRAMES
    assert f"multi-page TIFF with more than {MAX_COUNTED_FRAMES:,} pages (not counted further): first page analysed" \
        in evidence.notes


# ---------------------------------------------------------------- one read per file


def test_intake_reads_provenance_from_the_bytes_it_fingerprinted(tmp_path, monkeypatch, extractor_dir):
    """A file swapped (for a pipe, a device, other bytes) after its read is never read again."""
    from forensics_app.core import regular_file
    from forensics_app.core.fingerprint.extractor import Extractor
    from forensics_app.workflows import intake

    data = _png_with_chunks(png_chunk(b"tEXt", b"Software\x00Made with Midjourney"), size=64)
    path = _write(tmp_path, "a.png", data)
    opened: list[str] = []
    real = regular_file.read_regular_file

    def counting(target, *args, **kwargs):
        opened.append(str(target))
        return real(target, *args, **kwargs)

    monkeypatch.setattr(regular_file, "read_regular_file", counting)
    monkeypatch.setattr("forensics_app.core.evidence.intake.read_regular_file", counting)
    monkeypatch.setattr("forensics_app.workflows.inspect.read_regular_file", counting)
    extractor = Extractor.load(extractor_dir, device="cpu")
    results = list(intake.fingerprint_paths(extractor, [path], provenance=True))
    case = intake.new_case(extractor)
    path.unlink()
    os.mkfifo(path)
    finished, item = finishes(intake.take_in, case, results[0])
    assert finished and not isinstance(item, BaseException)
    assert len(opened) == 1
    says = " ".join(entry.says for entry in item.provenance)
    assert "Midjourney" in says


# ---------------------------------------------------------------- wrong words


def test_content_credentials_stored_online_are_not_called_damaged():
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, "JPEG")
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description rdf:about="" xmlns:dcterms="http://purl.org/dc/terms/" '
           b'dcterms:provenance="https://example.com/m.c2pa"/></rdf:RDF></x:xmpmeta>')
    body = b"http://ns.adobe.com/xap/1.0/\x00" + xmp
    data = buffer.getvalue()
    data = data[:2] + b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body + data[2:]
    c2pa = next(e for e in read_provenance_bytes("x.jpg", data) if e.kind == "c2pa")
    assert c2pa.flag == "remote C2PA manifest" and "https://example.com/m.c2pa" in c2pa.says
    assert "damaged" not in c2pa.says and "forged" not in c2pa.says and c2pa.valid is None


def test_the_evidence_tab_calls_a_declared_frame_count_declared():
    from forensics_app.gui.inspector import frames_text
    from forensics_app.testing.evidence_records import evidence_record

    declared = evidence_record(format="PNG", frames=2_147_483_647)
    assert frames_text(declared) == "2,147,483,647 declared by the file (not counted)"
    assert frames_text(evidence_record(format="TIFF", frames=MAX_COUNTED_FRAMES)).startswith("more than 1,000 pages")
    assert frames_text(evidence_record(format="GIF", frames=12)) == "12"


def test_a_png_s_text_is_inflated_once_for_intake_and_provenance(tmp_path, monkeypatch, extractor_dir):
    """The worker walks a PNG's chunks once and gives the walk to both readers."""
    from forensics_app.core import file_layout
    from forensics_app.core.fingerprint.extractor import Extractor
    from forensics_app.core.pipeline import fingerprint_files

    path = tmp_path / "recipe.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a harbour\nSteps: 20, Sampler: Euler a, Seed: 1", zip=True)
    Image.new("RGB", (64, 64), (10, 90, 160)).save(path, "PNG", pnginfo=info)
    inflations = []
    real = zlib.decompressobj
    monkeypatch.setattr(file_layout.zlib, "decompressobj", lambda *a, **k: inflations.append(1) or real(*a, **k))
    results = list(fingerprint_files(Extractor.load(extractor_dir, device="cpu"), [path], provenance=True))
    assert results[0].evidence.text_metadata["parameters"].startswith("a harbour")
    assert any("Steps 20" in e.says for e in results[0].provenance if e.kind == "png-text")
    assert len(inflations) == 1
