"""`forensics-app --self-check`, run in-process the way an installation is checked.

The desktop bundle runs the same check (`make dist-check`); here it runs from the installed
package with the tests' own extractor (FORENSICS_APP_EXTRACTOR, set by the conftest).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from forensics_app.cli import EXIT_FAILED, EXIT_OK, main
from forensics_app.selfcheck import CHECKS, count_pdf_pages, generate_images


def statuses(out: str) -> dict[str, str]:
    """Check name -> 'ok', 'FAILED' or 'not run', from the self-check's output lines."""
    found = {}
    for line in out.splitlines():
        text = line.strip()
        for status in ("ok", "FAILED", "not run"):
            if text.startswith(status + " "):
                name = text[len(status):].split()[0]
                if name in {check.name for check in CHECKS}:
                    found[name] = status
    return found


def test_self_check_passes_with_working_weights(capsys, tmp_path, monkeypatch, extractor_dir):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    library = Path(os.environ["FORENSICS_APP_LIBRARY"])
    code = main(["--self-check"])
    out = capsys.readouterr().out
    assert code == EXIT_OK, out
    assert statuses(out) == {check.name: "ok" for check in CHECKS}
    assert f"self-check passed: {len(CHECKS)} of {len(CHECKS)}" in out
    assert str(extractor_dir) in out, "the check says which weights it verified"
    assert not library.exists(), "the user's library (FORENSICS_APP_LIBRARY) is never touched"
    assert list(scratch.iterdir()) == [], "the temporary folder is removed afterwards"


def test_self_check_fails_clearly_without_weights(capsys, tmp_path, monkeypatch):
    empty = tmp_path / "no-weights"
    empty.mkdir()
    monkeypatch.setenv("FORENSICS_APP_EXTRACTOR", str(empty))
    code = main(["--self-check"])
    out = capsys.readouterr().out
    assert code == EXIT_FAILED
    found = statuses(out)
    assert found["weights"] == "FAILED" and "no extractor weights are bundled" in out
    assert all(found[name] == "not run" for name in ("fingerprints", "library", "attribution", "report"))
    assert "self-check FAILED" in out


def test_self_check_refuses_altered_weights(capsys, tmp_path, monkeypatch, extractor_dir):
    altered = tmp_path / "altered"
    shutil.copytree(extractor_dir, altered)
    weights = altered / "extractor.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    monkeypatch.setenv("FORENSICS_APP_EXTRACTOR", str(altered))
    code = main(["--self-check"])
    out = capsys.readouterr().out
    assert code == EXIT_FAILED
    assert statuses(out)["weights"] == "FAILED" and "do not match their model card" in out


def test_test_images_are_deterministic_and_distinct():
    first, second = generate_images(), generate_images()
    assert all(np.array_equal(a, b) for a, b in zip(first, second))
    assert first[0].shape == (256, 256, 3) and first[0].dtype == np.uint8
    assert not np.array_equal(first[0], first[1])


def test_pdf_page_count_ignores_the_page_tree():
    data = b"%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >>\n2 0 obj << /Type /Page >>\n3 0 obj <</Type/Page/Parent 1 0 R>>"
    assert count_pdf_pages(data) == 2
