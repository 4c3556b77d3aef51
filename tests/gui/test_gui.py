"""The desktop window driven through its real widgets (pytest-qt, offscreen)."""

from __future__ import annotations

import hashlib
import threading
import types

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from forensics_app.core.decision.attribution import DEFAULT_NAMING_LR, NAMING_LEVELS, UNKNOWN_TEXT
from forensics_app.core.decision.likelihood import format_lr
from forensics_app.gui import main_window as main_window_module
from forensics_app.gui.evidence_model import COLUMN
from forensics_app.gui.main_window import MainWindow
from forensics_app.gui.preferences import Preferences, load_preferences, recent_cases
from forensics_app.gui.widgets.dialogs import EnrolDetails, EnrolDialog, SettingsDialog
from forensics_app.testing.tiny_generators import generate, save_pngs


def drop(window: MainWindow, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(QPointF(10, 10), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(event)


def wait_idle(qtbot, window: MainWindow, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: window.jobs.current is None, timeout=timeout)


def test_drop_of_files_and_folders_fills_the_table_off_the_gui_thread(qtbot, window, tmp_path):
    folder = tmp_path / "folder"
    save_pngs(generate("nearest", 3), folder / "nested", "n")
    single = save_pngs(generate("bilinear", 1), tmp_path / "single", "b")[0]
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    gui_thread = threading.get_ident()
    drop(window, [folder, single, corrupt])
    worker = window.jobs.current
    assert worker is not None
    wait_idle(qtbot, window)
    assert worker.thread_id is not None and worker.thread_id != gui_thread
    assert window.model.rowCount() == 5
    statuses = [cell(window, r, "Status") for r in range(5)]
    assert statuses.count("fingerprinted") == 4
    assert any(s.startswith("rejected:") for s in statuses)
    assert all(cell(window, r, "Cluster") != "" for r in range(5) if statuses[r] == "fingerprinted")
    assert window.isWindowModified()


def test_the_same_file_is_not_added_twice(qtbot, window, tmp_path):
    paths = save_pngs(generate("shuffle", 2), tmp_path, "s")
    drop(window, paths)
    wait_idle(qtbot, window)
    copy = tmp_path / "copy.png"
    copy.write_bytes(paths[0].read_bytes())
    drop(window, [copy])
    wait_idle(qtbot, window)
    assert window.model.rowCount() == 2


def test_cancel_stops_a_long_batch_and_keeps_what_was_done(qtbot, window, tmp_path):
    paths = save_pngs(generate("transposed", 40, size=256), tmp_path, "t")
    window.add_paths([str(p) for p in paths])
    qtbot.waitUntil(lambda: window.job_status.bar.value() > 0, timeout=30_000)
    window.job_status.cancel()
    wait_idle(qtbot, window)
    assert 0 < window.model.rowCount() < 40
    # what was finished stays usable: clustered like any other batch
    assert all(cell(window, r, "Cluster") != "" for r in range(window.model.rowCount()))


def test_saving_and_reopening_a_case_restores_the_table(qtbot, window, tmp_path, settings):
    drop(window, save_pngs(generate("nearest", 3), tmp_path, "n"))
    wait_idle(qtbot, window)
    path = tmp_path / "case.fcase"
    assert window.case_files.write_case(path)
    assert not window.isWindowModified() and "case.fcase" in window.windowTitle()
    rows = [[window.model.index(r, c).data() for c in range(len(COLUMN))] for r in range(3)]
    other = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(other)
    assert other.case_files.open_case(path)
    assert [[other.model.index(r, c).data() for c in range(len(COLUMN))] for r in range(3)] == rows


def test_window_geometry_survives_a_restart(qtbot, settings):
    first = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(first)
    first.resize(700, 500)
    first.show()
    first.close()
    second = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (700, 500)


def test_missing_weights_are_explained(qtbot, settings, monkeypatch, tmp_path):
    monkeypatch.setenv("FORENSICS_APP_EXTRACTOR", str(tmp_path / "none"))
    window = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(window)
    assert window.session.extractor is None
    assert "no extractor weights are bundled" in window.empty_hint.text()


# --- the scenarios -------------------------------------------------------------------


def cell(window: MainWindow, row: int, column: str) -> str:
    return window.model.index(row, COLUMN[column]).data()


def table_rows(window: MainWindow) -> list[list[str]]:
    return [[window.model.index(r, c).data() for c in range(len(COLUMN))] for r in range(window.model.rowCount())]


def enrol_pixels(window: MainWindow, name: str, images) -> None:
    """Enrol a generator straight into the window's library, as another session would."""
    embeddings = window.session.extractor.embed_pixels(images)
    references = [(hashlib.sha256(p.tobytes()).hexdigest(), f"/refs/{name}/{i}.png", e)
                  for i, (p, e) in enumerate(zip(images, embeddings))]
    window.library.library.enroll(name, references)
    window.library.refresh()


def two_generators(tmp_path, count: int = 3):
    return (save_pngs(generate("nearest", count, seed=1), tmp_path / "nearest", "n"),
            save_pngs(generate("transposed", count, seed=2), tmp_path / "transposed", "t"))


def assert_table_follows_the_policy(window: MainWindow) -> None:
    """A row names a generator (with its LR) exactly where the policy named one; elsewhere
    the decision says no generator was supported and the first-ranked one is marked not named."""
    for row, item in enumerate(window.session.case.items):
        if item.error:
            continue
        matches = item.attribution.matches
        assert matches and all(m.lr is not None and m.words for m in matches)
        level = item.attribution.naming_lr
        named = [m for m in matches if m.generator == item.attribution.decision]
        if named:
            assert named[0].lr >= level
            assert cell(window, row, "First-ranked") == cell(window, row, "Decision") == named[0].generator
            assert cell(window, row, "LR") == format_lr(named[0].lr)
        else:
            assert matches[0].lr < level
            assert cell(window, row, "Decision") == UNKNOWN_TEXT
            assert cell(window, row, "First-ranked") == f"{matches[0].generator} (not named)"
            assert cell(window, row, "LR") == format_lr(matches[0].lr)


def test_embedding_runs_off_the_gui_thread_and_the_table_gets_matches(qtbot, window, tmp_path):
    enrol_pixels(window, "nearest-model", generate("nearest", 6, seed=9))
    nearest, transposed = two_generators(tmp_path)
    gui_thread = threading.get_ident()
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, [tmp_path / "nearest", *transposed])
        worker = window.jobs.current
    wait_idle(qtbot, window)
    assert worker.thread_id is not None and worker.thread_id != gui_thread
    assert window.model.rowCount() == 6
    assert_table_follows_the_policy(window)
    rows = {cell(window, r, "File"): r for r in range(6)}
    assert all(cell(window, rows[p.name], "Decision") == UNKNOWN_TEXT for p in transposed)
    actions = [entry.action for entry in window.session.case.audit]
    assert actions.count("intake") == 6 and "attribute" in actions and "cluster" in actions
    # the policy that decided is the window's, said in the status bar and recorded in the case
    assert window.session.policy is not None and window.session.policy.naming_lr == DEFAULT_NAMING_LR
    assert window.session.case.settings.policy == window.session.policy
    assert format_lr(DEFAULT_NAMING_LR) in window.policy_label.text()
    assert window.policy_label.toolTip() == window.session.policy.describe()


def test_the_naming_level_decides_what_is_named_and_the_ranking_stays(qtbot, window, tmp_path, monkeypatch):
    nearest = save_pngs(generate("nearest", 6, seed=1), tmp_path / "nearest", "n")
    bilinear = save_pngs(generate("bilinear", 6, seed=3), tmp_path / "bilinear", "b")
    stranger = save_pngs(generate("shuffle", 3, seed=2), tmp_path / "shuffle", "s")
    window.settings_actions.apply(window.settings_actions.preferences.with_(naming_lr=NAMING_LEVELS[0]))
    drop(window, [*nearest, *bilinear, *stranger])
    wait_idle(qtbot, window)
    # two generators enrolled: enough comparisons of known source for an LR above 10
    for name, items in (("Nearest GAN", window.session.case.items[:6]), ("Bilinear GAN", window.session.case.items[6:12])):
        window.library.library.enroll(name, [(i.sha256, i.path, i.embedding) for i in items])
    window.library.refresh()
    window.library.changed.emit()
    wait_idle(qtbot, window)
    assert_table_follows_the_policy(window)
    assert all(window.session.case.items[r].attribution.matches[0].generator == "Nearest GAN" for r in range(6))
    assert any(cell(window, r, "Decision") == "Nearest GAN" for r in range(6))
    assert all(cell(window, r, "Decision") == UNKNOWN_TEXT for r in range(12, 15))

    # a level no match reaches: nothing is named, the ranking stays in the matches pane
    top = NAMING_LEVELS[-1]
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        window.settings_actions.apply(window.settings_actions.preferences.with_(naming_lr=top))
    wait_idle(qtbot, window)
    assert_table_follows_the_policy(window)
    assert all(cell(window, r, "Decision") == UNKNOWN_TEXT for r in range(15))
    assert window.session.policy.naming_lr == top and window.session.case.settings.naming_lr == top
    assert [e.action for e in window.session.case.audit][-3:] == ["settings", "attribute", "cluster"]
    window.select_item(window.session.case.items[0])
    matches = window.inspector.matches
    assert UNKNOWN_TEXT in matches.header.text()
    assert matches.table.rowCount() == 2 and matches.table.item(0, 1).text() == "Nearest GAN"
    assert matches.table.item(0, 3).text() == format_lr(window.session.case.items[0].attribution.matches[0].lr)
    assert not matches.table.item(0, 1).font().bold()

    # the CSV keeps the raw ranking beside the decision
    csv_path = tmp_path / "table.csv"
    monkeypatch.setattr(main_window_module.QFileDialog, "getSaveFileName", lambda *a, **k: (str(csv_path), ""))
    window.exports.export_csv()
    header, first = (line.split(",") for line in csv_path.read_text(encoding="utf-8").splitlines()[:2])
    row = dict(zip(header, first))
    assert row["decision"] == UNKNOWN_TEXT and row["top_ranked"] == "Nearest GAN"
    assert float(row["naming_lr"]) == top and float(row["top_lr"]) < top

    # the settings dialog shows the policy in force, as read-only text
    dialog = SettingsDialog(window, window.settings_actions.preferences, window.session.policy)
    assert dialog.policy.isReadOnly() and dialog.policy.toPlainText() == window.session.policy.describe()
    dialog.deleteLater()


def test_a_corrupt_file_shows_its_reason_and_the_others_finish(qtbot, window, tmp_path):
    good = save_pngs(generate("bilinear", 3), tmp_path, "b")
    corrupt = tmp_path / "b_001_corrupt.png"
    corrupt.write_bytes(good[0].read_bytes()[:200])
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    drop(window, [good[0], corrupt, empty, *good[1:]])
    wait_idle(qtbot, window)
    rows = {cell(window, r, "File"): r for r in range(window.model.rowCount())}
    assert len(rows) == 5
    for name in ("b_001_corrupt.png", "empty.jpg"):
        status = cell(window, rows[name], "Status")
        assert status.startswith("rejected: ") and len(status) > len("rejected: ") + 10
        assert window.model.index(rows[name], 0).data(Qt.ToolTipRole).count("Rejected") == 1
    assert "empty" in cell(window, rows["empty.jpg"], "Status")
    for name in ("b_000.png", "b_001.png", "b_002.png"):
        assert cell(window, rows[name], "Status") == "fingerprinted"
        assert cell(window, rows[name], "Cluster") != ""
    window.select_item(window.session.case.items[rows["empty.jpg"]])
    assert "rejected" in window.inspector.matches.header.text()


def test_selecting_a_row_updates_the_spectrum_view_and_clicking_a_map_point_selects_the_row(qtbot, window, tmp_path):
    nearest, transposed = two_generators(tmp_path)
    drop(window, [*nearest, *transposed])
    wait_idle(qtbot, window)
    assert len(window.map_pane.items) == 6 and window.session.case.map is not None
    first = window.session.case.items[0]
    window.select_item(first)
    spectrum = window.inspector.spectrum
    qtbot.waitUntil(lambda: spectrum.current == first.sha256, timeout=20_000)
    assert spectrum.canvas.figure.axes, "the spectra are drawn"
    assert window.map_view.highlighted == [window.map_pane.items.index(first)]
    # the cluster mean appears beside it once the background scan has read the group
    qtbot.waitUntil(lambda: spectrum.shown_reference is not None, timeout=20_000)

    target = window.map_pane.items[4]
    canvas = window.map_view.canvas
    qtbot.mouseClick(canvas, Qt.LeftButton, pos=window.map_view.widget_position(4))
    assert window.current_item() is target
    assert window.selected_items() == [target]
    qtbot.waitUntil(lambda: spectrum.current == target.sha256, timeout=20_000)
    assert window.map_view.highlighted == [4]


def test_enrolling_from_a_selection_adds_a_generator_and_reranks_the_images(qtbot, window, tmp_path, monkeypatch,
                                                                           settings):
    nearest, transposed = two_generators(tmp_path)
    drop(window, [*nearest, *transposed])
    wait_idle(qtbot, window)
    assert window.library_panel.stack.currentWidget() is window.library_panel.first_run
    assert all(cell(window, r, "First-ranked") == "" for r in range(6))
    selection = window.table.selectionModel()
    for item in window.session.case.items[:3]:
        index = window.proxy.mapFromSource(window.model.index(window.session.case.items.index(item), 0))
        selection.select(index, selection.SelectionFlag.Select | selection.SelectionFlag.Rows)
    assert len(window.selected_references()) == 3
    monkeypatch.setattr(EnrolDialog, "ask", staticmethod(lambda *a, **k: EnrolDetails("Nearest GAN", "GAN", "case refs")))
    window.actions_by_name["enrol_selection"].trigger()
    wait_idle(qtbot, window)
    generators = window.library.library.generators()
    assert [(g.name, g.family, g.reference_count) for g in generators] == [("Nearest GAN", "GAN", 3)]
    assert window.library_panel.stack.currentWidget() is window.library_panel.list_page
    assert all(cell(window, r, "Decision") != "" for r in range(6)), "every image is ranked again"
    assert all(window.session.case.items[r].attribution.matches[0].generator == "Nearest GAN" for r in range(6))
    assert_table_follows_the_policy(window)
    assert "1 generator(s), 3 reference(s)" in window.library_label.text()
    assert [e.action for e in window.session.case.audit][-3:] == ["enrol", "attribute", "cluster"]

    # the attributed case comes back exactly as it was, matches and map included
    path = tmp_path / "attributed.fcase"
    assert window.case_files.write_case(path)
    assert recent_cases(settings)[0] == str(path.resolve())
    other = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(other)
    assert other.case_files.open_case(path)
    assert table_rows(other) == table_rows(window)
    assert np.allclose(other.map_view.coords, window.map_view.coords, atol=1e-3)


def test_settings_and_layout_survive_a_restart_of_the_window(qtbot, settings, dialogs):
    first = MainWindow(device=None, settings=settings)
    qtbot.addWidget(first)
    first.resize(780, 560)  # within the offscreen screen, which restoreGeometry fits windows into
    first.show()
    level = next(level for level in NAMING_LEVELS if level != DEFAULT_NAMING_LR)
    chosen = Preferences(device="cpu", naming_lr=level, crops=1, perplexity=12.0)
    first.settings_actions.apply(chosen)
    first.splitters["main"].setSizes([500, 700])
    sizes = first.splitters["main"].sizes()
    first.close()

    second = MainWindow(device=None, settings=settings)
    qtbot.addWidget(second)
    second.show()
    assert second.settings_actions.preferences == chosen
    assert format_lr(level) in second.policy_label.text()
    assert second.session.extractor.device.type == "cpu"
    assert second.session.extractor.card.preprocess.crops_per_image == 1
    assert second.session.card.preprocess.crops_per_image != 1 or second.session.card is not second.session.extractor.card
    assert "1 crop" in second.extractor_label.text()
    assert second.splitters["main"].sizes() == sizes
    dialog = SettingsDialog(second, second.settings_actions.preferences, second.session.policy)
    assert dialog.preferences() == chosen
    labels = [dialog.naming_lr.itemText(i) for i in range(dialog.naming_lr.count())]
    assert [label.split(":")[0] for label in labels] == [format_lr(level) for level in NAMING_LEVELS]
    assert [label.endswith("(program default)") for label in labels] == [v == DEFAULT_NAMING_LR for v in NAMING_LEVELS]
    assert "moderately strong support" in labels[NAMING_LEVELS.index(100.0)]
    dialog.naming_lr.setCurrentIndex(NAMING_LEVELS.index(DEFAULT_NAMING_LR))
    assert dialog.preferences().naming_lr is None
    assert "No analysis has run" in dialog.policy.toPlainText()
    dialog.deleteLater()


def test_settings_of_an_earlier_version_or_damaged_ones_read_as_defaults(settings):
    settings.setValue("analysis/threshold", 0.7)  # the similarity threshold of earlier versions
    for stored in ("garbage", "nan", "0.5", "250", str(DEFAULT_NAMING_LR)):
        settings.setValue("analysis/naming_lr", stored)
        assert load_preferences(settings).naming_lr is None
    settings.setValue("analysis/naming_lr", "1000")
    assert load_preferences(settings).naming_lr == 1000.0


def test_export_csv_and_copy_hashes(qtbot, window, tmp_path, monkeypatch):
    paths = save_pngs(generate("shuffle", 2), tmp_path, "s")
    drop(window, paths)
    wait_idle(qtbot, window)
    window.table.selectAll()
    window.exports.copy_hashes()
    digests = {hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}
    assert {line.split("  ")[0] for line in QApplication.clipboard().text().splitlines()} == digests

    csv_path = tmp_path / "table.csv"
    monkeypatch.setattr(main_window_module.QFileDialog, "getSaveFileName", lambda *a, **k: (str(csv_path), ""))
    window.exports.export_csv()
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("exhibit,path,sha256") and len(lines) == 3
    assert {line.split(",")[2] for line in lines[1:]} == digests


def fake_report(monkeypatch, calls: list, flagged: tuple[str, ...] = (), wait_for_cancel: bool = False):
    """The report workflow as the core's contract has it: it logs its entry in the case it
    is given and hands back the result, warnings included; or stops when cancelled."""
    from forensics_app.core.report import ReportCancelled
    from forensics_app.workflows import report

    def write_case_report(case, out_path, card, app_versions=None, progress=None, cancel=None, **_):
        calls.append({"thread": threading.get_ident(), "case": case, "card": card, "versions": app_versions})
        while wait_for_cancel:
            if cancel():
                raise ReportCancelled("writing the report was cancelled; no file was written")
            threading.Event().wait(0.01)
        out_path.write_bytes(b"%PDF-1.4 test")
        sha256 = hashlib.sha256(out_path.read_bytes()).hexdigest()
        entry = case.log("report", sha256, str(out_path))
        return types.SimpleNamespace(path=out_path, sha256=sha256, pages=1, warnings=list(flagged),
                                     audit_entry=entry)

    monkeypatch.setattr(report, "write_case_report", write_case_report)


def test_the_report_is_written_in_a_worker_logged_once_and_its_warnings_shown(qtbot, window, tmp_path, monkeypatch,
                                                                           dialogs):
    from forensics_app.workflows import report

    images = save_pngs(generate("shuffle", 2), tmp_path, "s")
    drop(window, images)
    wait_idle(qtbot, window)
    images[0].write_bytes(images[0].read_bytes() + b"changed after intake")
    calls: list = []
    real = report.write_case_report

    def recorded(case, *args, **kwargs):
        calls.append({"thread": threading.get_ident(), "case": case})
        return real(case, *args, **kwargs)

    monkeypatch.setattr(report, "write_case_report", recorded)
    pdf = tmp_path / "report.pdf"
    monkeypatch.setattr(main_window_module.QFileDialog, "getSaveFileName", lambda *a, **k: (str(pdf), ""))
    window.exports.export_report()
    wait_idle(qtbot, window, timeout=120_000)
    [call] = calls
    assert call["thread"] != threading.get_ident() and call["case"] is not window.session.case
    reports = [entry for entry in window.session.case.audit if entry.action == "report"]
    assert reports == [call["case"].audit[-1]], "the entry the report made, once"
    assert reports[0].sha256 == hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert window.isWindowModified()
    assert "E0001" in dialogs[-1] and reports[0].sha256 in dialogs[-1]


def test_cancel_stops_a_report_and_nothing_is_logged(qtbot, window, tmp_path, monkeypatch, dialogs):
    drop(window, save_pngs(generate("shuffle", 2), tmp_path, "s"))
    wait_idle(qtbot, window)
    calls: list = []
    fake_report(monkeypatch, calls, wait_for_cancel=True)
    monkeypatch.setattr(main_window_module.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(tmp_path / "report.pdf"), ""))
    shown = len(dialogs)
    window.exports.export_report()
    qtbot.waitUntil(lambda: bool(calls), timeout=10_000)
    window.job_status.cancel()
    wait_idle(qtbot, window)
    assert not any(entry.action == "report" for entry in window.session.case.audit)
    assert not (tmp_path / "report.pdf").exists()
    assert len(dialogs) == shown, "a cancellation is no failure"
    assert "cancelled" in window.statusBar().currentMessage()


def test_an_unavailable_gpu_is_explained_and_the_app_stays_on_its_device(qtbot, settings, dialogs):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    window = MainWindow(device=None, settings=settings)
    qtbot.addWidget(window)
    window.settings_actions.apply(window.settings_actions.preferences.with_(device="gpu"))
    assert window.session.extractor is not None and window.session.extractor.device.type == "cpu"
    assert window.settings_actions.preferences.device == "auto"
    assert any("GPU" in text or "CUDA" in text for text in dialogs)


def test_a_library_of_other_weights_is_explained_and_can_be_rebuilt(qtbot, settings, tmp_path, dialogs):
    from forensics_app.core.library import Library, default_library_path

    references = save_pngs(generate("nearest", 3), tmp_path / "refs", "r")
    with Library.open(default_library_path(), "0123456789ab", 32) as old:
        old.enroll("nearest", [(hashlib.sha256(p.read_bytes()).hexdigest(), str(p), np.ones(32, np.float32))
                               for p in references])
    window = MainWindow(device="cpu", settings=settings)
    qtbot.addWidget(window)
    panel = window.library_panel
    assert panel.stack.currentWidget() is panel.problem_page
    assert "0123456789ab" in panel.problem_label.text() and not panel.rebuild_button.isHidden()
    assert "unavailable" in window.library_label.text()
    panel.rebuild_button.click()
    wait_idle(qtbot, window)
    assert panel.stack.currentWidget() is panel.list_page
    assert [(g.name, g.reference_count) for g in window.library.generators] == [("nearest", 3)]
    assert any("rebuilt" in text for text in dialogs)


def test_a_damaged_case_file_is_refused_and_the_open_case_is_kept(qtbot, window, tmp_path, dialogs):
    drop(window, save_pngs(generate("nearest", 2), tmp_path, "n"))
    wait_idle(qtbot, window)
    damaged = tmp_path / "damaged.fcase"
    damaged.write_text('{"format": 1, "items": [', encoding="utf-8")
    case = window.session.case
    assert not window.case_files.open_case(damaged, confirmed=True)
    assert window.session.case is case and window.model.rowCount() == 2
    assert "not a readable case file" in dialogs[-1]


def test_a_line_break_in_a_file_name_stays_on_one_line_in_the_table(qtbot, window, tmp_path):
    folder = tmp_path / "odd\nfolder"
    [path] = save_pngs(generate("nearest", 1), folder, "two\nlines")
    drop(window, [path])
    wait_idle(qtbot, window)
    shown = [cell(window, 0, name) for name in ("File", "Folder")]
    assert all("\n" not in text for text in shown) and "two\\nlines" in shown[0]


def _fingerprints(window: MainWindow) -> dict[str, np.ndarray]:
    return {i.sha256: i.embedding.copy() for i in window.session.case.items if i.embedding is not None}


def test_refingerprint_is_all_or_nothing(qtbot, window, tmp_path, dialogs):
    paths = save_pngs(generate("nearest", 4, size=96, seed=21), tmp_path / "in", "nearest")
    window.add_paths([str(p) for p in paths])
    wait_idle(qtbot, window)
    before, stamp = _fingerprints(window), window.session.case.extractor
    assert len(before) == 4
    # one file changes after intake: nothing may change, and the analyst is told which
    paths[1].write_bytes(paths[0].read_bytes())
    window.actions_by_name["refingerprint"].trigger()
    wait_idle(qtbot, window)
    after = _fingerprints(window)
    assert window.session.case.extractor == stamp and after.keys() == before.keys()
    assert all(np.array_equal(after[k], before[k]) for k in before)
    assert any("1 of 4 image(s) could not be fingerprinted again" in text and "nothing changed" in text
               for text in dialogs)


def test_a_cancelled_refingerprint_changes_nothing(qtbot, window, tmp_path, dialogs, monkeypatch):
    from forensics_app.gui import analysis_runner

    paths = save_pngs(generate("nearest", 4, size=96, seed=22), tmp_path / "in", "nearest")
    window.add_paths([str(p) for p in paths])
    wait_idle(qtbot, window)
    before = _fingerprints(window)
    original = analysis_runner.fingerprint_paths

    def cancelling(extractor, inputs, *args, **kwargs):  # the analyst presses Cancel after the first image
        for number, result in enumerate(original(extractor, inputs, *args, **kwargs)):
            result.embedding = None if result.embedding is None else result.embedding * 0 + 1
            yield result
            if number == 0:
                window.jobs.cancel()

    monkeypatch.setattr(analysis_runner, "fingerprint_paths", cancelling)
    window.actions_by_name["refingerprint"].trigger()
    wait_idle(qtbot, window)
    after = _fingerprints(window)
    assert all(np.array_equal(after[k], before[k]) for k in before)
    assert any("cancelled: nothing changed" in text for text in dialogs)


def test_a_completed_refingerprint_replaces_every_fingerprint_and_says_so(qtbot, window, tmp_path):
    paths = save_pngs(generate("nearest", 3, size=96, seed=23), tmp_path / "in", "nearest")
    window.add_paths([str(p) for p in paths])
    wait_idle(qtbot, window)
    window.session.case.items[0].embedding = window.session.case.items[0].embedding * 0 + 1  # a fingerprint of other weights
    window.actions_by_name["refingerprint"].trigger()
    wait_idle(qtbot, window)
    assert not np.allclose(window.session.case.items[0].embedding, 1)
    assert any(entry.action == "refingerprint" for entry in window.session.case.audit)


def test_a_failed_refingerprint_changes_nothing_and_says_it_failed(qtbot, window, tmp_path, dialogs, monkeypatch):
    from forensics_app.gui import analysis_runner

    paths = save_pngs(generate("nearest", 3, size=96, seed=24), tmp_path / "in", "nearest")
    window.add_paths([str(p) for p in paths])
    wait_idle(qtbot, window)
    before, audit = _fingerprints(window), len(window.session.case.audit)
    original = analysis_runner.fingerprint_paths

    def failing(extractor, inputs, *args, **kwargs):
        for number, result in enumerate(original(extractor, inputs, *args, **kwargs)):
            if number == 1:
                raise RuntimeError("the device was lost")
            result.embedding = result.embedding * 0 + 1
            yield result

    monkeypatch.setattr(analysis_runner, "fingerprint_paths", failing)
    window.actions_by_name["refingerprint"].trigger()
    wait_idle(qtbot, window)
    after = _fingerprints(window)
    assert all(np.array_equal(after[k], before[k]) for k in before)
    assert len(window.session.case.audit) == audit
    assert any("Re-fingerprinting failed" in text for text in dialogs)


def test_the_unsaved_changes_prompt_can_save_the_case_first(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from forensics_app.core.case import load_case

    drop(window, save_pngs(generate("nearest", 2, size=96, seed=25), tmp_path / "in", "n"))
    wait_idle(qtbot, window)
    assert window.session.dirty
    asked: list[str] = []

    def answer(parent, title, text, buttons, default):
        asked.append(text)
        assert buttons & QMessageBox.Save and buttons & QMessageBox.Discard and buttons & QMessageBox.Cancel
        return QMessageBox.Save

    target = tmp_path / "kept.fcase"
    monkeypatch.setattr(QMessageBox, "question", answer)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.case_files.new_case()
    assert asked and "Save them" in asked[0]
    assert target.exists() and len(load_case(target).items) == 2
    assert window.session.case.items == [] and not window.session.dirty

    drop(window, save_pngs(generate("nearest", 1, size=96, seed=26), tmp_path / "in2", "m"))
    wait_idle(qtbot, window)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))  # the analyst cancels the save
    window.case_files.new_case()
    assert len(window.session.case.items) == 1  # nothing was replaced


def test_removing_an_exhibit_is_logged_and_its_number_is_not_given_again(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from forensics_app.core.case.check import check_case

    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, save_pngs(generate("nearest", 6, size=96, seed=27), tmp_path / "in", "n"))
    wait_idle(qtbot, window)
    window.select_item(window.session.case.items[1])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("taken in by mistake: not from the seizure", True))
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        window.actions_by_name["remove"].trigger()
    wait_idle(qtbot, window)
    assert [i.exhibit for i in window.session.case.items] == ["E0001", "E0003", "E0004", "E0005", "E0006"]
    assert window.model.rowCount() == 5
    removed = [e for e in window.session.case.audit if e.action == "removed"]
    assert len(removed) == 1 and removed[0].detail.startswith("E0002 ") and "by mistake" in removed[0].detail
    assert window.session.case.map is not None and len(window.session.case.map) == 5  # mapped again without it
    assert check_case(window.session.case).problems == []
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, save_pngs(generate("nearest", 1, size=96, seed=28), tmp_path / "more", "m"))
    wait_idle(qtbot, window)
    assert window.session.case.items[-1].exhibit == "E0007"
    assert check_case(window.session.case).problems == []


def test_a_note_on_an_exhibit_is_logged_shown_and_printed_in_the_report(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    from forensics_app.core.report import write_report
    from tests.core.report.test_report import flat, pdf_text

    drop(window, save_pngs(generate("nearest", 2, size=96, seed=29), tmp_path / "in", "n"))
    wait_idle(qtbot, window)
    window.select_item(window.session.case.items[0])
    note = "<b>Seized</b> from the suspect's phone, folder DCIM"
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: (note, True))
    window.actions_by_name["note"].trigger()
    assert window.session.case.items[0].note == note and window.session.dirty
    assert [e.detail for e in window.session.case.audit if e.action == "note"] == [f"E0001: {note}"]
    assert "<b>Seized</b> from" in window.inspector.details.toPlainText()  # shown as text, not markup
    assert window.selected_items() == [window.session.case.items[0]]  # the selection stays where it was
    window.actions_by_name["note"].trigger()  # the same text again: nothing to log
    assert len([e for e in window.session.case.audit if e.action == "note"]) == 1
    write_report(window.session.case, tmp_path / "noted.pdf", extractor_card=window.session.card)
    assert f"Analyst's note: {note}" in flat("\n".join(pdf_text(tmp_path / "noted.pdf")[1]))
