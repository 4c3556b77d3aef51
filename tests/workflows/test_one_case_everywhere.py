"""One case through the command line and through the window: the same decisions, the same
policy and the same groups, because both front-ends call the same workflows."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from pypdf import PdfReader

from forensics_app.cli import EXIT_OK, main
from forensics_app.core.decision.attribution import DecisionPolicy
from forensics_app.core.case import load_case
from forensics_app.gui.main_window import MainWindow
from forensics_app.workflows.report import write_case_report
from forensics_app.testing.tiny_generators import generate, save_pngs


def partition(labels: list[int | None]) -> set[frozenset[int]]:
    """Groups as sets of positions: label numbers may differ, the grouping may not."""
    groups: dict[int | None, set[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, set()).add(index)
    return {frozenset(members) for members in groups.values()}


@pytest.fixture
def enrolled(tmp_path, capsys):
    """Two generators enrolled from the command line; probes of both and of a stranger."""
    probes = []
    for kind in ("nearest", "transposed", "shuffle"):
        paths = save_pngs(generate(kind, 9, size=160, seed=11), tmp_path / kind, kind)
        if kind != "shuffle":
            assert main(["enroll", kind, *map(str, paths[:6]), "--json"]) == EXIT_OK
        probes += paths[6:]
    capsys.readouterr()
    return probes


def test_cli_and_window_give_one_answer_for_one_case(qtbot, tmp_path, capsys, monkeypatch, enrolled):
    monkeypatch.setattr(QMessageBox, "information", lambda *args, **kwargs: None)
    monkeypatch.setattr(QMessageBox, "question", lambda *args, **kwargs: QMessageBox.Discard)
    case_path = tmp_path / "cli.fcase"
    assert main(["attribute", *map(str, enrolled), "--json", "--case", str(case_path)]) == EXIT_OK
    cli = json.loads(capsys.readouterr().out)
    cli_case = load_case(case_path)

    window = MainWindow(device="cpu", settings=QSettings(str(tmp_path / "gui.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.analysis_finished, timeout=120_000):
        window.add_paths([str(p) for p in enrolled])
    qtbot.waitUntil(lambda: window.jobs.current is None, timeout=120_000)
    gui_items = sorted(window.session.case.items, key=lambda item: enrolled.index(next(p for p in enrolled if str(p) == item.path)))

    assert [item.path for item in gui_items] == [record["path"] for record in cli["results"]]
    assert [i.attribution.decision for i in gui_items] == [r["decision"] for r in cli["results"]]
    assert window.session.case.settings.policy == cli_case.settings.policy == DecisionPolicy.from_dict(cli["policy"])
    assert window.session.case.settings == cli_case.settings  # the same settings, recorded by the same code
    assert partition([i.cluster for i in gui_items]) == partition([i.cluster for i in cli_case.items])
    assert any(r["decision"] == "unknown" for r in cli["results"])

    # the reports of both cases state the same groups and the same policy
    cli_pdf, gui_pdf = tmp_path / "cli.pdf", tmp_path / "gui.pdf"
    assert main(["report", str(case_path), "--out", str(cli_pdf)]) == EXIT_OK
    write_case_report(window.session.case, gui_pdf, window.session.card, library=window.library.library, extractor=window.session.extractor)
    groups = len({i.cluster for i in cli_case.items})
    policy_text = DecisionPolicy.from_dict(cli["policy"]).describe()
    for pdf in (cli_pdf, gui_pdf):
        text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages)
        assert f"The analysis stored {groups} group(s)" in text
        assert " ".join(policy_text.split())[:80] in text
        assert "Tippett plot was not provided" not in text and "not provided with this report" not in text
    window.session.dirty = False


def test_the_window_and_the_commands_record_the_same_settings(extractor_dir):
    """One session's settings, recorded by one function, whichever front-end ran it."""
    from forensics_app.core.case import Case
    from forensics_app.core.fingerprint.extractor import Extractor
    from forensics_app.workflows.session import session_settings

    extractor = Extractor.load(extractor_dir, device="cpu")
    case = Case()
    session_settings(extractor, 4_000_000, perplexity=12.0, naming_lr=1000.0).record_in(case)
    assert case.settings.to_dict() == {"crops": extractor.card.preprocess.crops_per_image, "device": "cpu",
                             "max_pixels": 4_000_000, "perplexity": 12.0}
