"""What the window tells an analyst at a glance: real widgets, offscreen, no mocked views.

An unknown decision names no generator in the table, two files of one name are told
apart by their folder, About reads as sentences, the library panel says how alike each
generator's references are and names the odd one, and enrolment says when copies merged.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import QApplication

from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.core.library import MIN_REFERENCES_ADVISED
from forensics_app.gui import library_actions
from forensics_app.gui.evidence_model import COLUMN
from forensics_app.gui.evidence_pane import DEFAULT_MAX_WIDTH, MAX_WIDTHS
from forensics_app.gui.exports import app_versions
from forensics_app.gui.widgets.dialogs import AboutDialog, EnrolDetails
from forensics_app.gui.widgets.library_panel import FIRST_RUN_TEXT, LIST_COLUMNS
from forensics_app.workflows.library_health import reference_spread
from tests.gui.test_gui import cell, drop, enrol_pixels, wait_idle
from forensics_app.testing.tiny_generators import generate, save_pngs

BUNDLED_CARD = Path(__file__).resolve().parents[2] / "resources" / "extractor" / "model_card.json"


def test_an_unknown_decision_names_no_generator_and_the_folder_tells_equal_names_apart(qtbot, window, tmp_path):
    enrol_pixels(window, "nearest-model", generate("nearest", 6, seed=9))
    first = save_pngs(generate("transposed", 1, seed=3), tmp_path / "case-a" / "uploads", "upload")[0]
    second = save_pngs(generate("shuffle", 1, seed=4), tmp_path / "case-b" / "uploads", "upload")[0]
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, [first, second])
    wait_idle(qtbot, window)
    rows = {window.session.case.items[r].path: r for r in range(window.model.rowCount())}
    row_a, row_b = rows[str(first)], rows[str(second)]
    assert cell(window, row_a, "File") == cell(window, row_b, "File") == "upload_000.png"
    assert cell(window, row_a, "Folder").endswith("case-a/uploads")
    assert cell(window, row_b, "Folder").endswith("case-b/uploads")
    folder_tip = window.model.index(row_a, COLUMN["Folder"]).data(Qt.ToolTipRole)
    assert folder_tip == str(first)

    for row in (row_a, row_b):
        item = window.session.case.items[row]
        assert item.attribution.matches, "the ranking is kept for the matches pane"
        if cell(window, row, "Decision") == UNKNOWN_TEXT:
            first = item.attribution.matches[0].generator
            assert cell(window, row, "First-ranked") == f"{first} (not named)" and cell(window, row, "LR") != ""
            tip = window.model.index(row, COLUMN["Decision"]).data(Qt.ToolTipRole)
            assert tip.startswith(UNKNOWN_TEXT) and "so it is not named" in tip
    assert UNKNOWN_TEXT in {cell(window, row_a, "Decision"), cell(window, row_b, "Decision")}
    window.select_item(window.session.case.items[row_a])  # the matches pane's header reads as text, not markup
    header = window.inspector.matches.header.text()
    assert header.startswith(f"{window.session.case.items[row_a].exhibit} upload_000.png: ") and "<" not in header

    # the columns fit their content up to a cap; what is longer is elided and whole in the tooltip
    table = window.table
    qtbot.waitUntil(lambda: table.columnWidth(COLUMN["Decision"]) >= min(
        table.sizeHintForColumn(COLUMN["Decision"]), MAX_WIDTHS["Decision"]), timeout=5_000)
    for name, column in COLUMN.items():
        if column == len(COLUMN) - 1:  # the last column takes the slack
            continue
        assert table.columnWidth(column) <= MAX_WIDTHS.get(name, DEFAULT_MAX_WIDTH)
        assert table.columnWidth(column) >= min(table.sizeHintForColumn(column), MAX_WIDTHS.get(name, DEFAULT_MAX_WIDTH))
    assert table.textElideMode() == Qt.ElideRight


def _plain_about(card: dict | None) -> AboutDialog:
    about = AboutDialog(None, {"Forensics App": "test"}, card)
    about.resize(520, 600)
    about.show()
    QApplication.processEvents()
    return about


def test_about_tells_the_model_card_in_words_without_raw_json_or_a_sideways_scroll(qtbot, window):
    card = json.loads(BUNDLED_CARD.read_text())
    about = _plain_about(card)
    qtbot.addWidget(about)
    text = about.card_view.toPlainText()
    assert card["extractor_id"] in text
    assert "2,112 synthetic generative models" in text and "recipe 'cpu'" in text
    start = card["training"].get("initial_weights")
    if start:  # continued weights name the ones they started from, and how those were trained
        assert f"continued from extractor {start['extractor_id']}" in text
        assert f"{start['training']['steps']:,} training steps" in text and start["training"]["command"] in text
    dev = card["figures"]["dev_generators"]
    assert f"{100 * dev['accuracy']:.1f}%" in text and f"Cllr {dev['cllr']:.3f}" in text
    assert f"{100 * dev['open_set']['false_attribution_rate']:.1f}%" in text
    assert f"calibrated against {card['background']['images']} images" in text and "dcgan-faces (40)" in text
    assert "Licence" in text
    for raw in ("{", "}", '":', "'threshold'"):
        assert raw not in text
    assert about.card_view.horizontalScrollBarPolicy() == Qt.ScrollBarAlwaysOff
    assert about.card_view.horizontalScrollBar().maximum() == 0

    # the extractor the window runs with (a test recipe, few figures) reads as sentences too
    own = _plain_about(window.session.card.to_dict())
    qtbot.addWidget(own)
    assert window.session.extractor.extractor_id in own.card_view.toPlainText()
    assert "{" not in own.card_view.toPlainText()
    versions = _plain_about(None)
    qtbot.addWidget(versions)
    assert "No extractor" in versions.card_view.toPlainText()
    assert "Forensics App" in app_versions(window.session.extractor)


def _references(dim: int, count: int, odd: int | None, seed: int = 0) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """`count` embeddings close to one direction, the `odd`-th one pointing elsewhere."""
    rng = np.random.default_rng(seed)
    centre = rng.normal(size=dim)
    embeddings = centre + 0.35 * rng.normal(size=(count, dim)) * np.linalg.norm(centre) / np.sqrt(dim)
    if odd is not None:
        embeddings[odd] = rng.normal(size=dim)
    paths = [(f"{i:064x}", f"/refs/model/ref_{i:03d}.png") for i in range(count)]
    return embeddings.astype(np.float32), paths


def test_reference_spread_names_the_outlier_and_leaves_a_tight_set_alone():
    embeddings, paths = _references(64, 10, odd=None)
    tight = reference_spread("tight", embeddings, paths)
    assert tight.measured and not tight.outliers and tight.minimum > 0.8
    embeddings, paths = _references(64, 10, odd=7)
    spread = reference_spread("mixed", embeddings, paths)
    assert [o.file_name for o in spread.outliers] == ["ref_007.png"]
    assert spread.minimum == spread.outliers[0].similarity < spread.median - 0.5
    assert "ref_007.png" in spread.warnings()[0]
    two = reference_spread("two", embeddings[:2], paths[:2])
    assert not two.measured and two.median is None and "3+" in two.summary()


def test_the_library_panel_shows_how_alike_references_are_and_warns_of_an_outlier(qtbot, window):
    dim = window.session.extractor.embedding_dim
    for name, odd, seed in (("consistent", None, 1), ("with-a-stray", 4, 2)):
        embeddings, paths = _references(dim, 10, odd, seed)
        refs = [(sha, path.replace("model", name), e) for (sha, path), e in zip(paths, embeddings)]
        window.library.library.enroll(name, refs)
    window.library.refresh()
    panel = window.library_panel
    column = LIST_COLUMNS.index("Consistency")
    rows = {panel.table.item(r, 0).text(): r for r in range(panel.table.rowCount())}
    good, bad = panel.table.item(rows["consistent"], column), panel.table.item(rows["with-a-stray"], column)
    assert good.text().startswith("median 0.") and ", min 0." in good.text()
    assert good.icon().isNull() and "unlike" not in good.toolTip()
    assert not bad.icon().isNull()
    assert "ref_004.png" in bad.toolTip() and "unlike the others" in bad.toolTip()
    assert "1 reference(s) unlike" in panel.footer.text()
    assert f"{MIN_REFERENCES_ADVISED} or more" in FIRST_RUN_TEXT
    assert str(MIN_REFERENCES_ADVISED) in panel.table.horizontalHeaderItem(LIST_COLUMNS.index("References")).toolTip()


def test_enrolling_a_folder_with_copies_says_they_were_merged(qtbot, window, tmp_path, monkeypatch, dialogs):
    folder = tmp_path / "refs"
    images = save_pngs(generate("nearest", MIN_REFERENCES_ADVISED, seed=5), folder, "ref")
    for index in (0, 1):
        shutil.copy(images[index], folder / f"copy_{index}.png")
    monkeypatch.setattr(library_actions.QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(folder)))
    monkeypatch.setattr(library_actions.EnrolDialog, "ask",
                        staticmethod(lambda *a, **k: EnrolDetails("nearest-upsampler", None, None)))
    window.library.enrol_from_folder()
    wait_idle(qtbot, window)
    assert window.library.library.get("nearest-upsampler").reference_count == MIN_REFERENCES_ADVISED
    message = dialogs[-1]
    offered = MIN_REFERENCES_ADVISED + 2
    assert f"'nearest-upsampler' was enrolled with {MIN_REFERENCES_ADVISED} reference image(s)." in message
    assert f"2 of the {offered} image(s) offered were byte-identical copies" in message
    assert message.count("byte-identical") == 1, "said once, not twice"


def test_the_enrol_workflow_says_what_merged_copies_were_copies_of(tmp_path):
    from forensics_app.core.library import Library
    from forensics_app.workflows.enrol import enrol

    embeddings, paths = _references(16, 4, odd=None)
    refs = [(sha, path, e) for (sha, path), e in zip(paths, embeddings)]
    with Library.open(tmp_path / "lib.sqlite", "abcdef123456", 16) as library:
        first = enrol(library, "model", references=[*refs[:3], refs[0]])
        assert first.added == 3 and first.offered == 4
        assert any("1 of the 4 image(s) offered were byte-identical to one another" in w for w in first.warnings)
        more = enrol(library, "model", references=[refs[1], refs[3]], add=True)
        assert more.added == 1
        assert any("to references already held" in w for w in more.warnings)


def test_names_with_dollar_signs_draw_as_typed(qtbot):
    from forensics_app.gui.widgets.plot_canvas import PlotCanvas

    canvas = PlotCanvas()
    qtbot.addWidget(canvas)
    ax = canvas.figure.add_subplot()
    ax.set_title(r"$\frac{ broken model$")
    ax.plot([0, 1], [0, 1], label="$5 $model")
    ax.legend()
    canvas.draw()  # mathematics would fail to parse here
    assert ax.title.get_text() == r"$\frac{ broken model$"


def test_names_with_markup_are_plain_text_in_tooltips_and_labels(qtbot, window, tmp_path):
    """A generator or file named with a tag shows the tag's characters, never formatting."""
    import html

    dim = window.session.extractor.embedding_dim
    rogue = "<b style='color:green'>MATCH CONFIRMED</b>"
    embeddings, paths = _references(dim, 3, None, 5)
    window.library.library.enroll(rogue, [(sha, path, e) for (sha, path), e in zip(paths, embeddings)])
    window.library.refresh()
    panel = window.library_panel
    tip = panel.table.item(0, 0).toolTip()
    assert not GuiQt.mightBeRichText(tip) or html.escape(rogue) in tip
    assert panel.footer.textFormat() == Qt.PlainText and window.library_label.textFormat() == Qt.PlainText

    folder = tmp_path / "<img src='x'>"
    image = save_pngs(generate("nearest", 1, seed=6), folder, "<b>exhibit")[0]
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, [image])
    wait_idle(qtbot, window)
    for column in ("File", "Folder"):
        tip = window.model.index(0, COLUMN[column]).data(Qt.ToolTipRole)
        assert tip and (not GuiQt.mightBeRichText(tip) or "&lt;" in tip)


def test_a_file_with_endlessly_nested_metadata_becomes_an_exhibit_in_the_window(qtbot, window, tmp_path):
    """It used to vanish: a RecursionError in the provenance read lost it, with no audit entry."""
    import io

    from PIL import Image

    from tests.guards import png_chunk, with_chunks

    buffer = io.BytesIO()
    Image.fromarray(generate("nearest", 1, seed=8)[0]).save(buffer, "PNG")
    path = tmp_path / "deep.png"
    path.write_bytes(with_chunks(buffer.getvalue(), png_chunk(b"tEXt", b"prompt\x00" + b"[" * 100_000 + b"]" * 100_000)))
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, [path])
    wait_idle(qtbot, window)
    assert [item.path for item in window.session.case.items] == [str(path)]
    item = window.session.case.items[0]
    assert item.error is None and item.provenance
    assert any(entry.action == "intake" for entry in window.session.case.audit)


def test_every_attributed_row_shows_its_first_ranked_generator_and_sorts_by_lr(qtbot, window, tmp_path):
    enrol_pixels(window, "nearest-model", generate("nearest", 6, seed=9))
    enrol_pixels(window, "shuffle-model", generate("shuffle", 6, seed=10))
    probes = [*save_pngs(generate("nearest", 3, seed=11), tmp_path / "n", "n"),
              *save_pngs(generate("transposed", 3, seed=12), tmp_path / "t", "t")]
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, probes)
    wait_idle(qtbot, window)
    for row in range(window.model.rowCount()):
        assert cell(window, row, "First-ranked").split(" (not named)")[0] in ("nearest-model", "shuffle-model")
        assert cell(window, row, "LR")
    pane = window.evidence
    pane.table.sortByColumn(COLUMN["LR"], Qt.DescendingOrder)
    shown = [pane.proxy.index(r, COLUMN["LR"]).data(Qt.UserRole) for r in range(pane.proxy.rowCount())]
    assert shown == sorted(shown, reverse=True) and all(isinstance(v, float) for v in shown)


def test_the_map_colours_by_first_ranked_generator_folder_and_format(qtbot, window, tmp_path):
    from PIL import Image

    from forensics_app.gui.widgets.map_view import BY_FIRST, BY_FOLDER, BY_FORMAT

    enrol_pixels(window, "nearest-model", generate("nearest", 6, seed=9))
    pngs = save_pngs(generate("nearest", 3, seed=13), tmp_path / "case-a", "a")
    jpegs = []
    for index, pixels in enumerate(generate("transposed", 3, seed=14)):
        jpegs.append(tmp_path / "case-b" / f"b{index}.jpg")
        jpegs[-1].parent.mkdir(exist_ok=True)
        Image.fromarray(pixels).save(jpegs[-1], quality=92)
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, [*pngs, *jpegs])
    wait_idle(qtbot, window)
    view = window.map_view
    assert len(view.coords) == 6
    assert [view.combo.itemData(i) for i in range(view.combo.count())][2:] == [BY_FIRST, BY_FOLDER, BY_FORMAT]
    view.set_colour_mode(BY_FORMAT)
    assert sorted(set(view.current_labels())) == ["JPEG", "PNG"]
    view.set_colour_mode(BY_FOLDER)
    assert {label.rsplit("/", 1)[-1] for label in view.current_labels()} == {"case-a", "case-b"}
    view.set_colour_mode(BY_FIRST)
    assert set(view.current_labels()) == {"nearest-model"}  # ranked first whether named or not
    assert [(name, len(points)) for name, points in view.references] == [("nearest-model", 6)]
    legend = view.canvas.figure.axes[0].get_legend()
    assert "enrolled references" in [t.get_text() for t in legend.get_texts()]


def test_a_batch_reads_down_the_table_at_1440_by_900(qtbot, window, tmp_path):
    drop(window, save_pngs(generate("nearest", 30, size=64, seed=15), tmp_path / "batch", "b"))
    wait_idle(qtbot, window)
    window.resize(1440, 900)
    qtbot.wait(50)
    table = window.table
    visible = table.viewport().height() // table.rowHeight(0)
    assert visible >= 14, f"only {visible} rows in view"
    from forensics_app.gui.evidence_model import COLUMN

    declares = table.horizontalHeader().sectionViewportPosition(COLUMN["Declares"])
    assert 0 <= declares <= table.viewport().width() - 120, "the Declares column is out of view"


def test_the_spectrum_is_compared_with_the_first_ranked_generator_by_default(qtbot, window, tmp_path):
    from forensics_app.gui.widgets.spectrum_view import FIRST_RANKED

    references = save_pngs(generate("nearest", 6, seed=9), tmp_path / "refs", "r")  # readable, for the mean spectrum
    embeddings = window.session.extractor.embed_pixels(generate("nearest", 6, seed=9))
    window.library.library.enroll("nearest-model", [(hashlib.sha256(path.read_bytes()).hexdigest(), str(path), e)
                                                    for path, e in zip(references, embeddings)])
    window.library.refresh()
    probe = save_pngs(generate("nearest", 1, seed=16), tmp_path / "p", "p")[0]
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, [probe])
    wait_idle(qtbot, window)
    window.select_item(window.session.case.items[0])
    spectrum = window.inspector.spectrum
    assert spectrum.comparison() == FIRST_RANKED
    qtbot.waitUntil(lambda: (spectrum.shown_reference or "").startswith("generator:nearest-model"), timeout=30_000)
    assert spectrum.note.text().startswith("Ranked first for E0001: 'nearest-model': mean of")
    titles = [ax.get_title() for ax in spectrum.canvas.figure.axes]
    assert any(t.startswith("image - reference") for t in titles) and spectrum.shown_difference is not None


def test_every_enrolled_generator_and_the_status_bar_fit_at_1440_by_900(qtbot, window, tmp_path):
    from forensics_app.gui.widgets.elided_label import ElidedLabel

    kinds = ("nearest", "transposed", "shuffle", "bilinear") * 2  # eight: the pane's promise
    for number, kind in enumerate(kinds):
        enrol_pixels(window, f"generator-{number}-{kind}-with-a-long-name", generate(kind, 3, seed=40 + number))
    window.resize(1440, 900)
    probe = save_pngs(generate("nearest", 1, seed=50), tmp_path / "p", "p")
    with qtbot.waitSignal(window.analysis_finished, timeout=60_000):
        drop(window, probe)
    wait_idle(qtbot, window)
    window.select_item(window.session.case.items[0])
    spectrum = window.inspector.spectrum
    qtbot.waitUntil(lambda: len(spectrum.canvas.figure.axes) >= 2, timeout=30_000)  # drawn: the layout is final
    window.grab()  # lays out and paints the whole window as a screen would
    qtbot.wait(100)
    table = window.inspector.matches.table
    assert table.rowCount() == 8
    last = table.visualRect(table.model().index(7, 0))
    assert table.viewport().rect().contains(last), "the eighth generator is scrolled out of the pane"
    window.library_label.setText("Library /media/analyst/cases/" + "x" * 200 + "/library.sqlite: 6 generators")
    window.job_status.bar.show()
    window.job_status.cancel_button.show()
    qtbot.wait(50)
    bar = window.statusBar()
    for widget in (window.policy_label, window.device_label, window.extractor_label, window.library_label,
                   window.job_status.bar, window.job_status.cancel_button):
        assert widget.geometry().right() <= bar.width(), f"{widget} runs past the status bar"
    labels = [w for w in bar.findChildren(ElidedLabel) if w.text()]
    assert labels and all(w.fontMetrics().horizontalAdvance(w.shown_text()) <= w.contentsRect().width() for w in labels)
    assert window.library_label.shown_text().endswith("\u2026") and "x" * 200 in window.library_label.toolTip()
