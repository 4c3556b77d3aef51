"""Tamper-evident cases: edits to a saved case are found at open, in the window and in the report.

One real case is made by the command line (two generators enrolled, probes attributed,
one file rejected); each test edits a copy of it the way someone altering evidence would,
from a careless edit of the JSON to one that also recomputes the seal and the audit chain.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from forensics_app.cli import EXIT_FAILED, EXIT_OK, EXIT_REJECTED, main
from forensics_app.core.case import CaseError, load_case, seal_of
from forensics_app.core.case.check import check_case
from forensics_app.testing.tiny_generators import generate, save_pngs


@pytest.fixture(scope="module")
def saved_case(tmp_path_factory, extractor_dir) -> Path:
    root = tmp_path_factory.mktemp("tamper")
    images = {kind: save_pngs(generate(kind, 7, size=128, seed=11), root / kind, kind) for kind in ("nearest", "transposed")}
    (root / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FORENSICS_APP_EXTRACTOR", str(extractor_dir))
        patch.setenv("FORENSICS_APP_LIBRARY", str(root / "library.sqlite"))
        for kind, paths in images.items():
            assert main(["enroll", kind, *map(str, paths[:5])]) == EXIT_OK
        probes = [*images["nearest"][5:], root / "broken.png", *images["transposed"][5:]]
        main(["attribute", *map(str, probes), "--naming-lr", "10", "--case", str(root / "case.fcase")])
    return root / "case.fcase"


def _copy(saved_case: Path, tmp_path: Path) -> tuple[Path, dict]:
    path = tmp_path / "edited.fcase"
    shutil.copy(saved_case, path)
    return path, json.loads(path.read_text())


def _write(path: Path, data: dict, reseal: bool = False) -> None:
    """Write an edited case; `reseal` also forges the chain and the seal, as a careful forger would."""
    if reseal:
        from forensics_app.core.case import AuditEntry

        previous = ""
        for entry in data["audit"]:
            entry["chain"] = AuditEntry(**{**entry, "chain": ""}).link(previous)
            previous = entry["chain"]
        data["seal"] = seal_of(data)
    path.write_text(json.dumps(data))


def _named(data: dict) -> dict:
    return next(item for item in data["items"] if item["attribution"] and item["attribution"]["decision"] != "unknown")


def _unnamed(data: dict) -> dict:
    return next(item for item in data["items"] if item["attribution"] and item["attribution"]["decision"] == "unknown")


def test_an_untouched_case_checks_clean(saved_case):
    case = load_case(saved_case)
    result = check_case(case)
    assert case.load_problems == [] and result.ok, result.problems
    assert result.checked == 4 and len(case.source_sha256) == 64


def test_an_edited_decision_and_score_is_found_even_with_a_forged_seal(saved_case, tmp_path):
    path, data = _copy(saved_case, tmp_path)
    item = _unnamed(data)
    best = item["attribution"]["matches"][0]
    item["attribution"]["decision"] = best["generator"]
    best.update(similarity=0.999, lr=1e6, words="very strong support")
    _write(path, data)
    careless = check_case(load_case(path))
    assert any("seal does not match" in p for p in careless.problems)
    _write(path, data, reseal=True)
    case = load_case(path)
    result = check_case(case)
    assert case.load_problems == []
    assert any(item["exhibit"] in p and "decision" in p for p in result.problems)
    assert result.recomputed[item["exhibit"]].decision == "unknown"


def test_a_deleted_rejection_and_its_audit_entries_are_found(saved_case, tmp_path):
    path, data = _copy(saved_case, tmp_path)
    rejected = next(item for item in data["items"] if item["error"])
    data["items"].remove(rejected)
    data["audit"] = [e for e in data["audit"] if rejected["exhibit"] not in e["detail"]]
    _write(path, data)
    problems = check_case(load_case(path)).problems
    assert any("does not follow" in p for p in problems)
    _write(path, data, reseal=True)
    problems = check_case(load_case(path)).problems
    assert any("not numbered" in p and rejected["exhibit"] in p for p in problems)


def test_a_changed_threshold_is_found(saved_case, tmp_path):
    path, data = _copy(saved_case, tmp_path)
    data["settings"]["policy"]["threshold"] = 0.01
    _write(path, data, reseal=True)
    assert any("threshold" in p for p in check_case(load_case(path)).problems)


def test_swapped_fingerprints_are_found(saved_case, tmp_path):
    path, data = _copy(saved_case, tmp_path)
    first, second = _named(data), _unnamed(data)
    first["embedding"], second["embedding"] = second["embedding"], first["embedding"]
    _write(path, data, reseal=True)
    problems = check_case(load_case(path)).problems
    assert any(first["exhibit"] in p for p in problems) and any(second["exhibit"] in p for p in problems)


def test_the_report_states_recomputed_results_and_the_disagreement_in_red(saved_case, tmp_path, capsys):
    path, data = _copy(saved_case, tmp_path)
    item = _unnamed(data)
    best = item["attribution"]["matches"][0]
    item["attribution"]["decision"] = best["generator"]
    best.update(lr=1e6, words="very strong support")
    _write(path, data, reseal=True)
    opened_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    code = main(["report", str(path), "--out", str(tmp_path / "report.pdf")])
    err = capsys.readouterr().err
    assert code == EXIT_REJECTED and "the case disagrees with itself" in err  # the PDF is written all the same
    pages = [page.extract_text() for page in PdfReader(tmp_path / "report.pdf").pages]
    text = " ".join(pages)
    assert "does not agree with itself" in text and f"- {item['exhibit']}: the case states the decision" in text
    assert "Integrity: the case file does not agree with itself" in " ".join(pages[0].split())  # on page 1
    from forensics_app.core.report.decision import decisions

    case = load_case(path)
    assert decisions(case, check_case(case).recomputed)[item["exhibit"]].decision == "unknown"
    assert opened_sha256 in text.replace("\n", "").replace(" ", "")
    reopened = load_case(path)
    assert any(e.action == "integrity" for e in reopened.audit) and reopened.load_problems == []
    # sealed anew by the save after the report, the case still says it failed when it was opened
    assert main(["report", str(path), "--out", str(tmp_path / "again.pdf")]) == EXIT_REJECTED
    first_page = " ".join(PdfReader(tmp_path / "again.pdf").pages[0].extract_text().split())
    assert "opening(s) at which the case failed its re-check" in first_page


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_a_case_path_that_is_a_pipe_or_a_device_fails_cleanly(tmp_path, capsys, kind):
    path = tmp_path / "case.fcase"
    os.mkfifo(path) if kind == "fifo" else path.symlink_to("/dev/zero")
    with pytest.raises(CaseError, match="named pipe" if kind == "fifo" else "character device"):
        load_case(path)
    assert main(["report", str(path), "--out", str(tmp_path / "r.pdf")]) == EXIT_FAILED
    assert "Traceback" not in capsys.readouterr().err


def test_the_window_warns_when_it_opens_an_edited_case(saved_case, tmp_path, qtbot, monkeypatch):
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QTextDocument
    from PySide6.QtWidgets import QMessageBox

    from forensics_app.gui.main_window import MainWindow
    from forensics_app.gui.plain_messages import as_shown

    path, data = _copy(saved_case, tmp_path)
    _named(data)["attribution"]["matches"][0]["similarity"] = 0.5
    _write(path, data, reseal=True)
    shown = []
    for name in ("critical", "warning", "information"):  # modal dialogs would block an offscreen test
        monkeypatch.setattr(QMessageBox, name, lambda parent, title, text, *a, **k: shown.append(text))
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.Discard)
    window = MainWindow(device="cpu", settings=QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    assert window.case_files.open_case(path, confirmed=True)
    warning = next(text for text in shown if "does not agree with itself" in text)
    assert _named(data)["exhibit"] in warning
    assert window.session.dirty and window.session.case.audit[-1].action == "integrity"
    document = QTextDocument()
    document.setHtml(as_shown("<b>VERIFIED MATCH</b>"))
    assert document.toPlainText() == "<b>VERIFIED MATCH</b>"


def test_report_out_never_replaces_the_case_the_library_or_evidence(saved_case, tmp_path, capsys):
    path, _ = _copy(saved_case, tmp_path)
    library = saved_case.parent / "library.sqlite"
    from forensics_app.core.report.checks import evidence_path

    original = Path(evidence_path(load_case(saved_case).items[0])).resolve()
    linked = tmp_path / "linked"
    linked.symlink_to(original.parent)  # the same exhibit, reached through a linked folder
    exhibit = linked / original.name
    for target in (path, library, exhibit):
        before = hashlib.sha256(target.read_bytes()).hexdigest()
        assert main(["report", str(path), "--out", str(target)]) == EXIT_FAILED
        assert "choose another name" in capsys.readouterr().err.lower()
        assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    report = tmp_path / "report.pdf"
    assert main(["report", str(path), "--out", str(report)]) == EXIT_OK
    assert main(["report", str(path), "--out", str(report)]) == EXIT_OK  # an earlier report may be replaced


def test_report_out_never_replaces_a_rejected_exhibit_or_a_hard_link_to_one(tmp_path, capsys, monkeypatch):
    """A rejected PDF given by a relative path, reported from another folder, and a hard link to it."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "statement.pdf").write_bytes(b"%PDF-1.4 not an image, rejected at intake\n")
    images = save_pngs(generate("nearest", 2, size=96, seed=2), folder, "probe")
    assert main(["enroll", "nearest", str(images[1])]) == EXIT_OK
    monkeypatch.chdir(folder)
    assert main(["attribute", "statement.pdf", images[0].name, "--case", str(tmp_path / "c.fcase")]) != EXIT_FAILED
    monkeypatch.chdir(tmp_path)
    os.link(folder / "statement.pdf", tmp_path / "hard.pdf")
    for target in (folder / "statement.pdf", tmp_path / "hard.pdf"):
        before = target.read_bytes()
        assert main(["report", str(tmp_path / "c.fcase"), "--out", str(target)]) == EXIT_FAILED
        assert "evidence file of exhibit" in capsys.readouterr().err
        assert target.read_bytes() == before
