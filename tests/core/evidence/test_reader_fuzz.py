"""The metadata and provenance readers under random damage: they describe, never raise.

Seed files carry what the readers parse (text chunks with recipes, EXIF, XMP, a JPEG's
tables); hypothesis flips, cuts and splices their bytes within a fixed budget of
examples, so the suite's time stays bounded.  Intake may refuse a damaged file, but only
with an :class:`EvidenceError` that says why.
"""

from __future__ import annotations

import io
import json
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from forensics_app.core.evidence import EvidenceError, evidence_from_bytes
from forensics_app.core.provenance import read_provenance_bytes
from forensics_app.core.provenance.tools import generator_in_text, recognise, settings_fields
from tests.guards import png_chunk

BUDGET = settings(max_examples=120, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _seeds() -> list[bytes]:
    image = Image.new("RGB", (24, 24), (30, 120, 200))
    exif = Image.Exif()
    exif[0x0131] = "Made with Midjourney"
    exif[0x010F] = "Camera maker"
    png = io.BytesIO()
    image.save(png, "PNG", exif=exif.tobytes())
    data = png.getvalue()
    at = data.index(b"IDAT") - 4
    graph = json.dumps({"1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
                        "2": {"class_type": "KSampler", "inputs": {"seed": 7, "steps": 20}}}).encode()
    xmp = (b'<x:xmpmeta><rdf:Description xmp:CreatorTool="Adobe Firefly" Iptc4xmpExt:DigitalSourceType='
           b'"http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"/></x:xmpmeta>')
    chunks = (png_chunk(b"tEXt", b"parameters\x00a cat\nSteps: 20, Sampler: Euler a, Seed: 1, Model: sd15")
              + png_chunk(b"zTXt", b"prompt\x00\x00" + zlib.compress(graph))
              + png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp))
    jpeg = io.BytesIO()
    image.save(jpeg, "JPEG", quality=85, exif=exif.tobytes(), progressive=True)
    return [data[:at] + chunks + data[at:], jpeg.getvalue()]


SEEDS = _seeds()


@st.composite
def damaged(draw) -> bytes:
    data = bytearray(SEEDS[draw(st.integers(0, len(SEEDS) - 1))])
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "cut", "splice", "repeat"]))
        where = draw(st.integers(0, len(data) - 1))
        if action == "flip":
            data[where] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[where:where + draw(st.integers(1, 64))]
        elif action == "splice":
            data[where:where] = draw(st.binary(min_size=1, max_size=64))
        else:
            data[where:where] = bytes(data[where:where + 16]) * draw(st.integers(2, 50))
        if not data:
            data = bytearray(b"\x00")
    return bytes(data)


@BUDGET
@given(damaged())
def test_provenance_of_damaged_files_is_described_never_raised(data):
    entries = read_provenance_bytes("fuzzed.png", data)
    assert entries and all(isinstance(e.says, str) and e.says for e in entries)


@BUDGET
@given(damaged())
def test_intake_of_damaged_files_refuses_with_a_reason_or_reads(data):
    try:
        evidence = evidence_from_bytes("/evidence/fuzzed.png", data, 10_000_000)
    except EvidenceError as exc:
        assert exc.reason
    else:
        assert evidence.pixels is not None and evidence.pixels.ndim == 3


@BUDGET
@given(st.dictionaries(st.sampled_from(["parameters", "prompt", "workflow", "invokeai_metadata", "sd-metadata",
                                        "Dream", "Software", "Source", "Comment"]),
                       st.text(alphabet=st.sampled_from(list('[]{}":,\\ Steps:abc0123-msW\n')), max_size=400)))
def test_recipe_readers_never_raise(texts):
    recognise(texts)
    settings_fields(texts.get("parameters", ""))
    generator_in_text(" ".join(texts.values()))
