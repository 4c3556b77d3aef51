"""Hostile evidence: files that are programs, pipes, devices, phone formats and odd folders.

Every file here is made by the test.  A hang would be a failure of its own, so reads of
pipes run in a helper thread that the test waits on (a guard, not a timing).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from forensics_app.cli import EXIT_FAILED, EXIT_OK, EXIT_REJECTED, format_table, main
from forensics_app.core import regular_file
from forensics_app.core.display_text import one_line
from forensics_app.core.evidence import (
    NotAnImageError, UnreadableFileError, iter_image_files, open_evidence, scan_paths,
)
from tests.guards import finishes
from forensics_app.testing.tiny_generators import generate, save_pngs

EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto 10 10 lineto stroke\nshowpage\n"


@pytest.fixture(scope="module")
def pixels() -> np.ndarray:
    return generate("nearest", 1, size=96, seed=3)[0]


def test_postscript_named_png_never_reaches_a_decoder(tmp_path, monkeypatch):
    from PIL import EpsImagePlugin

    ran = []
    monkeypatch.setattr(EpsImagePlugin, "Ghostscript", lambda *a, **k: ran.append(a) or (_ for _ in ()).throw(AssertionError))
    for name, data in (("eps.png", EPS), ("dos.png", b"\xc5\xd0\xd3\xc6" + bytes(28) + EPS)):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(NotAnImageError, match="PostScript/EPS is not accepted"):
            open_evidence(path)
    assert not ran


def test_a_fifo_named_png_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "x.png"
    os.mkfifo(fifo)
    finished, outcome = finishes(open_evidence, fifo)
    assert finished, "reading a FIFO hung"
    assert isinstance(outcome, UnreadableFileError) and "named pipe" in outcome.reason


def test_a_link_to_dev_zero_is_refused_before_reading(tmp_path):
    link = tmp_path / "x.png"
    link.symlink_to("/dev/zero")
    with pytest.raises(UnreadableFileError, match="character device"):
        open_evidence(link)


def test_a_file_swapped_for_a_fifo_after_the_check_is_caught_at_open(tmp_path, monkeypatch):
    fifo = tmp_path / "swapped.png"
    os.mkfifo(fifo)
    monkeypatch.setattr(regular_file, "regular_file_size", lambda path: 10)  # it looked like a file a moment ago
    finished, outcome = finishes(regular_file.read_regular_file, fifo, 1000)
    assert finished and isinstance(outcome, regular_file.FileRefused) and "named pipe" in outcome.reason


def test_a_file_over_the_byte_limit_is_refused_before_reading(tmp_path, pixels):
    path = save_pngs([pixels], tmp_path, "big")[0]
    with pytest.raises(UnreadableFileError, match="above the limit"):
        open_evidence(path, max_bytes=100)
    assert open_evidence(path).width == 96


@pytest.mark.parametrize("fmt, suffix", [("HEIF", ".heic"), ("AVIF", ".avif")])
def test_phone_formats_are_analysed(tmp_path, pixels, fmt, suffix):
    path = tmp_path / f"phone{suffix}"
    Image.fromarray(pixels).save(path, fmt, quality=95)
    evidence = open_evidence(path)
    assert evidence.format == fmt and evidence.pixels.shape == (96, 96, 3)
    assert iter_image_files([tmp_path]) == [path]


def test_a_folder_scan_accounts_for_every_entry(tmp_path, pixels):
    root = tmp_path / "evidence"
    root.mkdir()
    png = save_pngs([pixels], root, "kept")[0]
    Image.fromarray(pixels).save(root / "phone.heic", "HEIF")
    (root / "drawing.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (root / "noextension").write_bytes(png.read_bytes())
    (root / "old.bak").write_bytes(b"backup")
    (root / ".hidden.png").write_bytes(png.read_bytes())
    (root / ".hidden-folder").mkdir()
    (root / ".hidden-folder" / "inside.png").write_bytes(png.read_bytes())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "linked.png").write_bytes(png.read_bytes())
    (root / "linked-folder").symlink_to(elsewhere, target_is_directory=True)
    scan = scan_paths([root])
    assert sorted(p.name for p in scan.files) == ["kept_000.png", "phone.heic"]
    reasons = {entry.path.name: entry.reason for entry in scan.skipped}
    assert set(reasons) == {"drawing.svg", "noextension", "old.bak", ".hidden.png", ".hidden-folder", "linked-folder"}
    assert "hidden" in reasons[".hidden.png"] and "hidden folder" in reasons[".hidden-folder"]
    assert "not followed" in reasons["linked-folder"] and "no file extension" in reasons["noextension"]
    assert ".svg" in reasons["drawing.svg"] and not any(entry.unreadable for entry in scan.skipped)


def test_an_unreadable_subfolder_is_one_rejection_and_the_run_goes_on(tmp_path, monkeypatch, capsys, pixels):
    root = tmp_path / "evidence"
    locked = root / "locked"
    locked.mkdir(parents=True)
    save_pngs(generate("nearest", 2, size=96, seed=5), root, "readable")
    save_pngs([pixels], locked, "hidden-away")
    locked.chmod(0)
    real_scandir = os.scandir

    def scandir(path="."):  # the superuser ignores permissions; the folder still refuses it
        if Path(os.fspath(path)) == locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    try:
        code = main(["cluster", str(root), "--json"])
    finally:
        locked.chmod(0o755)
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert code == EXIT_REJECTED and "Traceback" not in captured.err
    analysed = [r for r in data["results"] if not r.get("error")]
    rejected = [r for r in data["results"] if r.get("error")]
    assert len(analysed) == 2 and len(rejected) == 1
    assert rejected[0]["path"] == str(locked) and "cannot be listed" in rejected[0]["error"]


def test_skipped_entries_are_listed_and_a_heic_named_explicitly_is_analysed(tmp_path, capsys, pixels):
    root = tmp_path / "mixed"
    save_pngs(generate("nearest", 2, size=96, seed=9), root, "img")
    (root / "notes.txt").write_text("not an image")
    (root / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    heic = tmp_path / "phone.heic"
    Image.fromarray(pixels).save(heic, "HEIF")
    code = main(["cluster", str(root), str(heic), "--json"])
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert code == EXIT_OK
    assert len(data["results"]) == 3 and not any(r.get("error") for r in data["results"])
    assert {Path(s["path"]).name for s in data["skipped"]} == {"notes.txt", ".DS_Store"}
    assert "2 entries in the folders not analysed" in captured.err


def test_enroll_lists_the_reason_of_every_rejected_file(tmp_path, capsys):
    root = tmp_path / "refs"
    root.mkdir()
    (root / "empty.png").write_bytes(b"")
    (root / "eps.png").write_bytes(EPS)
    os.mkfifo(root / "pipe.png")
    code = main(["enroll", "Model X", str(root)])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED and "Traceback" not in err
    for name, reason in (("empty.png", "empty"), ("eps.png", "PostScript/EPS"), ("pipe.png", "named pipe")):
        line = next(line for line in err.splitlines() if name in line)
        assert reason in line


def test_terminal_output_shows_control_characters_as_escapes(tmp_path, capsys):
    table = format_table(["exhibit", "file"], [["E0001", "a\nE0002  forged.png"], ["E0002", "\x1b[2Jclear.png"]])
    assert len(table.splitlines()) == 4 and "\x1b" not in table and "\\x1b[2J" in table
    assert one_line("gpj.\u202eexe") == "gpj.\\u202eexe"
    odd = tmp_path / "odd\nname.png"
    odd.write_bytes(b"not an image")
    assert main(["cluster", str(odd)]) in (EXIT_REJECTED, EXIT_FAILED)
    err = capsys.readouterr().err
    assert "odd\\nname.png" in err and "odd\nname.png" not in err


@pytest.mark.parametrize("value", ["0", "-5", "abc", "1.5", "nan"])
def test_a_pixel_limit_that_is_no_limit_is_refused_by_the_option(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as stopped:
        main(["inspect", str(tmp_path), "--max-pixels", value])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and "--max-pixels" in err and "ValueError" not in err
