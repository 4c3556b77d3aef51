"""The window's dialogs: enrolment details, settings, case details, and About.

Each dialog has a static `ask(...)` that returns plain data or None when cancelled, so
the window never reads widgets of a dialog and tests replace one function, not a modal
event loop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from forensics_app.gui.preferences import CROPS, DEVICE_LABELS, DEVICES, Preferences
from forensics_app.gui.widgets.hint import hint_label


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


# --- enrolment -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolDetails:
    name: str
    family: str | None
    notes: str | None


class EnrolDialog(QDialog):
    """Name, family and notes of a generator about to be enrolled."""

    def __init__(self, parent: QWidget | None, source: str, name: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Enrol a generator")
        self.name = QLineEdit(name)
        self.name.setPlaceholderText("e.g. Stable Diffusion XL 1.0")
        self.family = QLineEdit()
        self.family.setPlaceholderText("optional, e.g. Stable Diffusion")
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("optional: where the reference images come from, settings used...")
        self.notes.setFixedHeight(80)
        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Family:", self.family)
        form.addRow("Notes:", self.notes)
        self.box = _buttons(self)
        self.box.button(QDialogButtonBox.Ok).setText("Enrol")
        self.name.textChanged.connect(lambda text: self.box.button(QDialogButtonBox.Ok).setEnabled(bool(text.strip())))
        self.box.button(QDialogButtonBox.Ok).setEnabled(bool(name.strip()))
        layout = QVBoxLayout(self)
        source_label = QLabel(f"Reference images: {source}")
        source_label.setWordWrap(True)
        layout.addWidget(source_label)
        layout.addLayout(form)
        layout.addWidget(self.box)
        self.setMinimumWidth(460)
        self.adjustSize()

    def details(self) -> EnrolDetails:
        return EnrolDetails(self.name.text().strip(), self.family.text().strip() or None,
                            self.notes.toPlainText().strip() or None)

    @staticmethod
    def ask(parent: QWidget | None, source: str, name: str = "") -> EnrolDetails | None:
        dialog = EnrolDialog(parent, source, name)
        return dialog.details() if dialog.exec() == QDialog.Accepted else None


# --- settings --------------------------------------------------------------------------------


class SettingsDialog(QDialog):
    """Device, open-set threshold, crops per image and t-SNE perplexity."""

    def __init__(self, parent: QWidget | None, preferences: Preferences, card_threshold: float) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.device = QComboBox()
        for device in DEVICES:
            self.device.addItem(DEVICE_LABELS[device], device)
        self.device.setCurrentIndex(DEVICES.index(preferences.device))
        self.card_default = QCheckBox(f"Model card's calibrated value ({card_threshold:.3f})")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(-1.0, 1.0)
        self.threshold.setDecimals(3)
        self.threshold.setSingleStep(0.01)
        self.threshold.setValue(preferences.threshold_or(card_threshold))
        self.card_default.toggled.connect(lambda on: self.threshold.setEnabled(not on))
        self.card_default.toggled.connect(lambda on: on and self.threshold.setValue(card_threshold))
        self.card_default.setChecked(preferences.threshold is None)
        self.threshold.setEnabled(preferences.threshold is not None)
        self.crops = QComboBox()
        self.crops.addItem("9 (3 x 3 grid, the method's protocol)", 9)
        self.crops.addItem("1 (centre crop, faster, less robust)", 1)
        self.crops.setCurrentIndex(CROPS.index(preferences.crops))
        self.perplexity = QDoubleSpinBox()
        self.perplexity.setRange(2.0, 100.0)
        self.perplexity.setDecimals(0)
        self.perplexity.setValue(preferences.perplexity)
        threshold_row = QHBoxLayout()
        threshold_row.addWidget(self.threshold)
        threshold_row.addWidget(self.card_default, 1)
        form = QFormLayout()
        form.addRow("Compute on:", self.device)
        form.addRow("Open-set threshold:", threshold_row)
        form.addRow("Crops per image:", self.crops)
        form.addRow("t-SNE perplexity:", self.perplexity)
        help_text = hint_label(
            "The threshold is the cosine similarity an image needs with an enrolled generator to be "
            "attributed to it; below it the source is reported as unknown. Raising it trades missed "
            "attributions for fewer wrong ones. Crops apply to images fingerprinted from now on.")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(help_text)
        layout.addWidget(_buttons(self))
        self.setMinimumWidth(520)
        self.adjustSize()

    def preferences(self) -> Preferences:
        return Preferences(
            device=self.device.currentData(),
            threshold=None if self.card_default.isChecked() else round(self.threshold.value(), 3),
            crops=int(self.crops.currentData()),
            perplexity=float(self.perplexity.value()),
        )

    @staticmethod
    def ask(parent: QWidget | None, preferences: Preferences, card_threshold: float) -> Preferences | None:
        dialog = SettingsDialog(parent, preferences, card_threshold)
        return dialog.preferences() if dialog.exec() == QDialog.Accepted else None


# --- case details ----------------------------------------------------------------------------

CASE_FIELDS = (("reference", "Case reference"), ("examiner", "Examiner"), ("organisation", "Organisation"))


class CaseDetailsDialog(QDialog):
    """What the report's first page says about the case."""

    def __init__(self, parent: QWidget | None, details: dict[str, str]) -> None:
        super().__init__(parent)
        self.setWindowTitle("Case details")
        self.fields = {key: QLineEdit(details.get(key, "")) for key, _ in CASE_FIELDS}
        self.question = QPlainTextEdit(details.get("question", ""))
        self.question.setPlaceholderText("e.g. Was exhibit E0001 made by the generator of the seized account?")
        self.question.setFixedHeight(70)
        form = QFormLayout()
        for key, label in CASE_FIELDS:
            form.addRow(f"{label}:", self.fields[key])
        form.addRow("Question asked:", self.question)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self))
        self.setMinimumWidth(480)
        self.adjustSize()

    def details(self) -> dict[str, str]:
        values = {key: field.text().strip() for key, field in self.fields.items()}
        values["question"] = self.question.toPlainText().strip()
        return values

    @staticmethod
    def ask(parent: QWidget | None, details: dict[str, str]) -> dict[str, str] | None:
        dialog = CaseDetailsDialog(parent, details)
        return dialog.details() if dialog.exec() == QDialog.Accepted else None


# --- about -----------------------------------------------------------------------------------


class AboutDialog(QDialog):
    """Versions of everything that shaped a result, and the extractor's model card."""

    def __init__(self, parent: QWidget | None, versions: dict[str, str], card: dict | None, problem: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("About Forensics App")
        rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in versions.items())
        intro = QLabel("<h3>Forensics App</h3><p>Attributes generated images to the model that made them, "
                       f"including models it has never seen.</p><table>{rows}</table>")
        intro.setTextInteractionFlags(Qt.TextSelectableByMouse)
        intro.setWordWrap(True)
        card_view = QTextBrowser()
        card_view.setLineWrapMode(QTextBrowser.NoWrap)
        card_view.setPlainText(json.dumps(card, indent=2) if card else (problem or "No extractor is loaded."))
        box = QDialogButtonBox(QDialogButtonBox.Close)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("Extractor model card:"))
        layout.addWidget(card_view, 1)
        layout.addWidget(box)
        self.resize(620, 560)
