"""Provenance through the commands: `inspect` without a library, `attribute --json` and the case.

The fingerprint's conclusion and what the file declares stay apart: a file whose EXIF
names a generator gets the same attribution with or without that EXIF.
"""

from __future__ import annotations

import io
import json
import shutil

from PIL import Image

from forensics_app.testing.evidence_records import evidence_record
from forensics_app.cli import EXIT_OK, EXIT_REJECTED, main
from forensics_app.core.case import load_case
from forensics_app.testing.c2pa_signing import signed_jpeg, tampered_copy
from forensics_app.testing.tiny_generators import generate, save_pngs


def run(capsys, *argv: str):
    code = main([*argv])
    out = capsys.readouterr()
    return code, (json.loads(out.out) if "--json" in argv else out.out), out.err


def test_inspect_prints_each_kind_without_a_library(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("FORENSICS_APP_C2PA_TRUST", raising=False)
    signed_jpeg(tmp_path / "signed.jpg")
    tampered_copy(tmp_path / "signed.jpg", tmp_path / "tampered.jpg")
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, "PNG")
    (tmp_path / "renamed.jpg").write_bytes(buffer.getvalue())
    code, data, _ = run(capsys, "inspect", str(tmp_path), "--json")
    assert code == EXIT_OK
    results = {r["path"].rsplit("/", 1)[-1]: r for r in data["results"]}
    signed = next(e for e in results["signed.jpg"]["provenance"] if e["kind"] == "c2pa")
    assert signed["valid"] is True and signed["signer"] and signed["generator"] == "Test Diffusion 2.1"
    tampered = next(e for e in results["tampered.jpg"]["provenance"] if e["kind"] == "c2pa")
    assert tampered["valid"] is False and tampered["flag"]
    assert "PNG saved as .jpg" in results["renamed.jpg"]["declares"]
    code, text, _ = run(capsys, "inspect", str(tmp_path / "renamed.jpg"))
    assert code == EXIT_OK and "renamed or mislabelled" in text and "None of it enters" in text
    code, _, err = run(capsys, "inspect", str(tmp_path / "missing.png"))
    assert code == EXIT_REJECTED and "could not be read" in err


def test_attribute_json_and_case_carry_provenance_apart_from_the_lr(capsys, tmp_path):
    images = {k: save_pngs(generate(k, 7, size=160, seed=3), tmp_path / k, k) for k in ("nearest", "transposed")}
    for kind, paths in images.items():
        assert run(capsys, "enroll", kind, *map(str, paths[:5]), "--json")[0] == EXIT_OK
    probe = images["nearest"][5]
    declared = tmp_path / "declared.png"
    exif = Image.Exif()
    exif[0x0131] = "Made with Midjourney"
    with Image.open(probe) as image:
        image.save(declared, "PNG", exif=exif)
    plain = tmp_path / "plain.png"
    shutil.copy(probe, plain)
    case_path = tmp_path / "c.fcase"
    code, data, _ = run(capsys, "attribute", str(plain), str(declared), "--json", "--case", str(case_path))
    assert code == EXIT_OK
    plain_record, declared_record = data["results"]
    exif_entry = next(e for e in declared_record["provenance"] if e["kind"] == "exif")
    assert exif_entry["generator"] == "Midjourney" and "freely editable" in exif_entry["says"]
    assert not any(e.get("generator") for e in plain_record["provenance"])
    assert plain_record["matches"] == declared_record["matches"]  # metadata never moves the LR
    stored = load_case(case_path).items[1].provenance
    assert [entry.to_dict() for entry in stored] == declared_record["provenance"]


def test_window_shows_the_declaration_apart_from_the_match(tmp_path):
    from forensics_app.core.case import CaseItem
    from forensics_app.gui.evidence_model import COLUMN, cell_text
    from forensics_app.gui.inspector import evidence_html
    from forensics_app.workflows.inspect import provenance_record

    path = tmp_path / "declared.jpg"
    exif = Image.Exif()
    exif[0x0131] = "Made with Midjourney"
    Image.new("RGB", (32, 32)).save(path, "PNG", exif=exif)
    item = CaseItem("E0001", str(path), evidence=evidence_record(path), provenance=provenance_record(path, None))
    assert cell_text(item, COLUMN["Declares"]).startswith("declares: made with Midjourney [EXIF, editable]")
    assert "PNG saved as .jpg" in cell_text(item, COLUMN["Declares"])
    html = evidence_html(item)
    assert "Provenance exif" in html and "Provenance file-format (!)" in html
    assert cell_text(CaseItem("E0002", "old.png", evidence=evidence_record("old.png")), COLUMN["Declares"]) == ""


def test_inspect_does_not_wait_on_a_named_pipe(capsys, tmp_path):
    import os

    pipe = tmp_path / "looks-like.png"
    os.mkfifo(pipe)  # nobody ever writes to it: a plain open() would block forever
    code, out, _ = run(capsys, "inspect", str(pipe), "--json")
    assert code == EXIT_REJECTED
    assert "not a regular file" in json.dumps(out) or "named pipe" in json.dumps(out)


def test_inspect_shows_escape_sequences_and_line_breaks_without_obeying_them(capsys, tmp_path):
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", "a cat\x1b]0;owned\x07\x1b[2J\nSteps: 20, Sampler: Euler")
    path = tmp_path / "forged\nE0099 line\x1b[31m.png"
    Image.new("RGB", (32, 32)).save(path, pnginfo=info)
    code, out, _ = run(capsys, "inspect", str(path))
    assert code == EXIT_OK
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b" in out and "forged\\nE0099" in out


def test_evidence_values_that_start_with_a_tag_are_shown_as_text():
    from forensics_app.core.case import CaseItem
    from forensics_app.gui.inspector import evidence_html

    forged = "<tt></tt><h1 style='color:green'>MATCH CONFIRMED</h1><img src='/etc/hosts'>"
    item = CaseItem("E0001", "x.png", evidence=evidence_record(
        "x.png", sha256="ab" * 32, md5="cd" * 16, exif={"Software": forged},
        text_metadata={"parameters": "<a href='http://x'>link</a>"}))
    html = evidence_html(item)
    assert "<h1" not in html and "<img" not in html and "<a href" not in html
    assert "&lt;h1" in html and "MATCH CONFIRMED" in html
    assert f"<tt>{'ab' * 32}</tt>" in html  # the program's own markup stays
