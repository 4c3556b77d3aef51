"""Provenance read from files the tests write: each kind found and worded as it should be.

Generator front-ends' PNG text chunks, EXIF and XMP are claims anyone can edit; C2PA made
here with a test certificate is bound, and a changed copy or a damaged manifest is a
finding.  No file from outside the test is used.
"""

from __future__ import annotations

import io
import json
import zlib
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin

from forensics_app.core.provenance import (
    ProvenanceEntry, declaration, load_anchors, read_provenance, read_provenance_bytes,
)
from forensics_app.testing.c2pa_signing import damaged_manifest_copy, opened_copy, signed_jpeg, tampered_copy


@pytest.fixture(autouse=True)
def no_trust_list(monkeypatch):
    """No trust list unless a test names one (a developer's own must not change results)."""
    monkeypatch.delenv("FORENSICS_APP_C2PA_TRUST", raising=False)
    monkeypatch.setenv("FORENSICS_APP_RESOURCES", "/nonexistent-resources")


def png_with(path: Path, chunks: dict[str, str], kind: str = "tEXt", size=(64, 48)) -> Path:
    info = PngImagePlugin.PngInfo()
    for key, value in chunks.items():
        if kind == "iTXt":
            info.add_itxt(key, value, zip=True)
        else:
            info.add_text(key, value, zip=kind == "zTXt")
    Image.new("RGB", size, (120, 60, 30)).save(path, "PNG", pnginfo=info)
    return path


def by_kind(entries: list[ProvenanceEntry], kind: str) -> ProvenanceEntry:
    return next(e for e in entries if e.kind == kind)


def test_automatic1111_recipe_is_read(tmp_path):
    text = ("a lighthouse at dusk\nNegative prompt: blurry\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7, "
            "Seed: 1234567, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.7.0")
    entry = by_kind(read_provenance(png_with(tmp_path / "a.png", {"parameters": text})), "png-text")
    assert entry.generator.startswith("Stable Diffusion web UI") and entry.model == "v1-5-pruned-emaonly"
    assert entry.details["recipe: Seed"] == "1234567" and entry.details["recipe: Sampler"] == "DPM++ 2M Karras"
    assert "freely editable" in entry.says and not entry.bound and entry.valid is None


def test_comfyui_graph_names_the_checkpoints_it_loads(tmp_path):
    graph = {"4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl/juggernautXL_v9.safetensors"}},
             "10": {"class_type": "LoraLoader", "inputs": {"lora_name": "detail-tweaker.safetensors", "model": ["4", 0]}},
             "3": {"class_type": "KSampler", "inputs": {"seed": 42, "steps": 25, "sampler_name": "euler",
                                                        "model": ["10", 0]}}}
    path = png_with(tmp_path / "c.png", {"prompt": json.dumps(graph), "workflow": json.dumps({"nodes": []})})
    entry = by_kind(read_provenance(path), "png-text")
    assert entry.generator == "ComfyUI" and entry.model == "sdxl/juggernautXL_v9.safetensors"
    assert "detail-tweaker.safetensors" in entry.details["recipe: models loaded"]
    assert entry.details["recipe: seed"] == "42" and "ComfyUI" in entry.says


@pytest.mark.parametrize("chunks, model", [
    ({"invokeai_metadata": json.dumps({"model": {"name": "dreamshaper-8", "base": "sd-1"}, "seed": 7,
                                       "scheduler": "euler", "app_version": "4.2.0"})}, "dreamshaper-8"),
    ({"sd-metadata": json.dumps({"model_weights": "stable-diffusion-1.5", "app_version": "2.3.0",
                                 "image": {"sampler": "k_lms", "seed": 9}})}, "stable-diffusion-1.5"),
    ({"Dream": '"a cat" -s 50 -S 123 -W 512 -H 512 -C 7.5 -A k_lms'}, None),
])
def test_invokeai_in_each_of_its_formats(tmp_path, chunks, model):
    entry = by_kind(read_provenance(png_with(tmp_path / "i.png", chunks, kind="iTXt")), "png-text")
    assert entry.generator.startswith("InvokeAI") and entry.model == model


def test_novelai_software_source_and_comment(tmp_path):
    chunks = {"Software": "NovelAI", "Source": "NovelAI Diffusion V4 4F49EC75", "Title": "AI generated image",
              "Comment": json.dumps({"steps": 28, "sampler": "k_euler_ancestral", "seed": 3141})}
    entry = by_kind(read_provenance(png_with(tmp_path / "n.png", chunks, kind="zTXt")), "png-text")
    assert entry.generator == "NovelAI" and entry.model == "NovelAI Diffusion V4 4F49EC75"
    assert entry.details["recipe: seed"] == "3141"
    assert declaration(read_provenance(tmp_path / "n.png")).startswith(
        "declares: made with NovelAI (model NovelAI Diffusion V4 4F49EC75) [PNG text, editable]")


def test_jpeg_exif_declaration_is_a_claim(tmp_path):
    exif = Image.Exif()
    exif[0x0131] = "Image Creator 2.0"  # Software
    exif[0x010F], exif[0x0110] = "Canon", "Canon EOS R5"
    exif.get_ifd(0x8769)[0x9286] = b"ASCII\x00\x00\x00Made with OpenAI DALL-E"  # UserComment
    path = tmp_path / "e.jpg"
    Image.new("RGB", (80, 60), (10, 200, 10)).save(path, "JPEG", quality=85, exif=exif)
    entries = read_provenance(path)
    entry = by_kind(entries, "exif")
    assert entry.generator == "OpenAI DALL-E" and entry.details["Make"] == "Canon"
    assert "UserComment \u201cMade with OpenAI DALL-E\u201d" in entry.says and "freely editable" in entry.says
    assert "libjpeg tables at quality 85" in by_kind(entries, "jpeg").says
    assert "4:2:0" in by_kind(entries, "jpeg").says
    assert by_kind(entries, "file-format").flag == ""
    assert declaration(entries) == "declares: made with OpenAI DALL-E [EXIF, editable]"


def test_xmp_creator_tool_and_digital_source_type(tmp_path):
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmp:CreatorTool="Adobe Firefly" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
           b'xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"><Iptc4xmpExt:DigitalSourceType>'
           b'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia</Iptc4xmpExt:DigitalSourceType>'
           b'</rdf:Description></rdf:RDF></x:xmpmeta>')
    path = tmp_path / "x.jpg"
    Image.new("RGB", (40, 40)).save(path, "JPEG", xmp=xmp)
    entry = by_kind(read_provenance(path), "xmp")
    assert entry.generator == "Adobe Firefly" and entry.details["DigitalSourceType"] == "trainedAlgorithmicMedia"
    assert "created by a trained AI model" in entry.says and "freely editable" in entry.says


def test_renamed_png_and_appended_data_are_flagged(tmp_path):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buffer, "PNG")
    renamed = tmp_path / "photo.jpg"
    renamed.write_bytes(buffer.getvalue() + b"PK\x03\x04hidden payload")
    entries = read_provenance(renamed)
    assert by_kind(entries, "file-format").flag == "PNG saved as .jpg"
    assert "renamed or mislabelled" in by_kind(entries, "file-format").says
    end = by_kind(entries, "file-end")
    assert end.flag == "data after the image end" and "a ZIP archive" in end.says
    assert "PNG saved as .jpg" in declaration(entries) and declaration(entries).startswith("declares no generator")


def test_camera_style_jpeg_declares_no_generator_and_sizes_compared(tmp_path):
    path = tmp_path / "plain.jpg"
    Image.new("RGB", (64, 48)).save(path, "JPEG", quality=95, subsampling=0, progressive=True)
    entries = read_provenance(path, reference_sizes={"Model A": [(64, 48)], "Model B": [(512, 512)]})
    assert "progressive" in by_kind(entries, "jpeg").says and "4:4:4" in by_kind(entries, "jpeg").says
    assert "Model A" in by_kind(entries, "size").says and "Model B" not in by_kind(entries, "size").says
    assert "No Content Credentials" in by_kind(entries, "c2pa").says
    assert declaration(entries) == "declares no generator"


def test_unreadable_empty_and_damaged_files_are_sentences(tmp_path):
    assert read_provenance(tmp_path / "missing.png")[0].flag == "unreadable"
    assert read_provenance_bytes("e.png", b"")[0].says == "The file is empty: it declares nothing."
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32)).save(buffer, "PNG")
    cut = read_provenance_bytes("cut.png", buffer.getvalue()[:-20])
    assert by_kind(cut, "file-end").flag == "structure damaged"
    bomb = b"\x89PNG\r\n\x1a\n" + _chunk(b"zTXt", b"k\x00\x00" + zlib.compress(b"a" * 9_000_000))
    assert read_provenance_bytes("z.png", bomb)  # refused to inflate, said why, no exception


def _chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def test_c2pa_signed_image_is_bound_and_worded(tmp_path):
    signed = tmp_path / "signed.jpg"
    signed_jpeg(signed)
    entry = by_kind(read_provenance(signed), "c2pa")
    assert entry.valid is True and entry.bound and entry.flag == ""
    assert entry.generator == "Test Diffusion 2.1" and entry.signer == "Test Generator Signer / Test Imaging Lab"
    assert "created by a trained AI model" in entry.says and "claim generator \u201cTest Studio 3.0\u201d" in entry.says
    assert "signature is valid" in entry.says and "no trust list is configured" in entry.says
    assert entry.details["validation codes"] == "signingCredential.untrusted"
    assert declaration([entry]) == "declares: AI-generated, made with Test Diffusion 2.1 [C2PA, signature valid]"
    assert entry.source_type == "trainedAlgorithmicMedia"


def test_c2pa_trusted_when_its_root_is_on_the_trust_list(tmp_path, monkeypatch):
    signed = tmp_path / "signed.jpg"
    root = signed_jpeg(signed)
    (tmp_path / "anchors.pem").write_text(root)
    monkeypatch.setenv("FORENSICS_APP_C2PA_TRUST", str(tmp_path / "anchors.pem"))
    entry = by_kind(read_provenance(signed, anchors=load_anchors()), "c2pa")
    assert entry.valid and "chains to a trust anchor of the trust list anchors.pem" in entry.says


def test_tampered_c2pa_image_is_a_finding(tmp_path):
    signed = tmp_path / "signed.jpg"
    signed_jpeg(signed)
    entry = by_kind(read_provenance(tampered_copy(signed, tmp_path / "tampered.jpg")), "c2pa")
    assert entry.valid is False and not entry.bound and entry.flag == "C2PA hash or signature broken"
    assert "Validation FAILED" in entry.says and "changed after it was signed" in entry.says
    assert "signature NOT valid" in declaration([entry])


def test_c2pa_chain_names_the_generator_behind_the_tool_that_signed_last(tmp_path):
    """A chat front-end signs "opened with ChatGPT"; its parent says DALL·E made it, trained algorithmic media."""
    made = tmp_path / "made.jpg"
    signed_jpeg(made, agent="DALL\u00b7E")
    entry = by_kind(read_provenance(opened_copy(made, tmp_path / "exported.jpg", tool="ChatGPT")), "c2pa")
    assert entry.valid and entry.bound and entry.flag == ""
    assert entry.generator == "DALL\u00b7E" and entry.source_type == "trainedAlgorithmicMedia"
    assert "opened with \u201cChatGPT\u201d" in entry.says and "History: ingredient \u201cmade.jpg\u201d" in entry.says
    assert "the parent it was made from" in entry.says and "its signature is valid" in entry.says
    assert "the chain declares the image made by a generative model (created by a trained AI model)" in entry.says
    assert entry.details["manifests in the chain"] == "2"
    assert declaration([entry]) == "declares: AI-generated, made with DALL\u00b7E [C2PA, signature valid]"


def test_c2pa_ingredient_without_credentials_is_said(tmp_path):
    plain = tmp_path / "plain.jpg"
    Image.new("RGB", (64, 48), (90, 20, 20)).save(plain, "JPEG", quality=90)
    entry = by_kind(read_provenance(opened_copy(plain, tmp_path / "exported.jpg", tool="Editor")), "c2pa")
    assert entry.valid and entry.generator == "Editor" and entry.source_type is None
    assert "ingredient \u201cplain.jpg\u201d (the parent it was made from) carries no Content Credentials" in entry.says


def test_c2pa_chain_walk_is_bounded_and_survives_a_cycle():
    from forensics_app.core.provenance.c2pa_chain import MAX_MANIFESTS, manifest_chain

    def manifest(i, children):
        return {"title": f"m{i}", "assertions": [], "ingredients": [
            {"title": f"m{c}", "relationship": "parentOf", "active_manifest": f"m{c}"} for c in children]}
    cyclic = {"active_manifest": "m0", "manifests": {"m0": manifest(0, [1]), "m1": manifest(1, [0, 1])}}
    links, missing = manifest_chain(cyclic, {})
    assert [link.label for link in links] == ["m0", "m1"] and not missing
    wide = {"active_manifest": "m0", "manifests": {"m0": manifest(0, range(1, 100)),
                                                   **{f"m{i}": manifest(i, []) for i in range(1, 100)}}}
    links, missing = manifest_chain(wide, {})
    assert len(links) == MAX_MANIFESTS and len(missing) == MAX_MANIFESTS  # what is left out is counted, not listed
    assert all("not read" in m.why for m in missing)


def test_a_generator_beyond_a_broken_link_of_the_chain_binds_nothing():
    from forensics_app.core.provenance.c2pa_chain import generating_link, manifest_chain

    made = {"title": "made", "assertions": [{"label": "c2pa.actions.v2", "data": {"actions": [
        {"action": "c2pa.created", "softwareAgent": {"name": "Gen"},
         "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"}]}}]}
    edited = {"title": "edited", "assertions": [], "ingredients": [
        {"title": "made", "relationship": "parentOf", "active_manifest": "m2",
         "validation_results": {"activeManifest": {"failure": [{"code": "assertion.dataHash.mismatch"}]}}}]}
    top = {"title": "top", "assertions": [], "ingredients": [
        {"title": "edited", "relationship": "parentOf", "active_manifest": "m1"}]}
    store = {"active_manifest": "m0", "manifests": {"m0": top, "m1": edited, "m2": made}}
    edited["ingredients"][0]["validation_results"] = {}
    links, _ = manifest_chain(store, {})
    assert generating_link(links).agent == "Gen"  # every link validates: the generator is bound
    store["manifests"]["m0"]["ingredients"][0]["validation_results"] = {
        "activeManifest": {"failure": [{"code": "assertion.dataHash.mismatch"}]}}
    links, _ = manifest_chain(store, {})
    assert links[2].valid and not links[2].chain_valid and generating_link(links) is None


def test_damaged_manifest_is_said_never_raised(tmp_path):
    signed = tmp_path / "signed.jpg"
    signed_jpeg(signed)
    entry = by_kind(read_provenance(damaged_manifest_copy(signed, tmp_path / "damaged.jpg")), "c2pa")
    assert entry.valid is False and entry.flag == "C2PA manifest unreadable"
    assert "cannot read" in entry.says and "damaged or forged" in entry.says


def test_entries_survive_a_case_file(tmp_path):
    signed = tmp_path / "signed.jpg"
    signed_jpeg(signed)
    entries = read_provenance(signed)
    stored = json.loads(json.dumps([e.to_dict() for e in entries]))
    assert [ProvenanceEntry.from_dict(d) for d in stored] == entries
    assert {"kind", "says", "generator", "signer", "valid"} <= set(stored[0])
