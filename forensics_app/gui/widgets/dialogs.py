"""The window's dialogs: enrolment details, settings, case details, and About.

Each dialog has a static `ask(...)` that returns plain data or None when cancelled, so
the window never reads widgets of a dialog and tests replace one function, not a modal
event loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from forensics_app.core.decision.attribution import DEFAULT_NAMING_LR, NAMING_LEVELS, UNKNOWN_TEXT, DecisionPolicy
from forensics_app.core.library import MIN_REFERENCES_ADVISED
from forensics_app.core.decision.likelihood import format_lr, support_words
from forensics_app.gui.model_card_text import app_licence, card_html
from forensics_app.gui.preferences import CROPS, DEVICE_LABELS, DEVICES, Preferences
from forensics_app.gui.widgets.hint import hint_label


NO_POLICY_YET = ("No analysis has run in this case yet. The policy is calibrated when the images are analysed, "
                 "from the library's references and the background population shipped with the extractor.")


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
        source_label.setTextFormat(Qt.PlainText)  # a folder's name is shown as written
        source_label.setWordWrap(True)
        layout.addWidget(source_label)
        layout.addWidget(hint_label(f"{MIN_REFERENCES_ADVISED} or more images of the one generator give a reliable "
                                    "fingerprint; byte-identical copies count once."))
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


def naming_level_label(level: float) -> str:
    """'1,000: strong support', the default marked as such."""
    text = f"{format_lr(level)}: {support_words(level)}"
    return text + " (program default)" if level == DEFAULT_NAMING_LR else text


class SettingsDialog(QDialog):
    """Device, naming level, crops per image and t-SNE perplexity.

    The naming level is offered only as the ENFSI bands' lower bounds, so that a level
    always has words a report can state; the policy now in force is shown beside it, as
    read-only text, because the level is only half of it (the calibration is the other).
    """

    def __init__(self, parent: QWidget | None, preferences: Preferences, policy: DecisionPolicy | None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.device = QComboBox()
        for device in DEVICES:
            self.device.addItem(DEVICE_LABELS[device], device)
        self.device.setCurrentIndex(DEVICES.index(preferences.device))
        self.naming_lr = QComboBox()
        for level in NAMING_LEVELS:  # the default's entry stands for "the program's default"
            self.naming_lr.addItem(naming_level_label(level), None if level == DEFAULT_NAMING_LR else level)
        chosen = self.naming_lr.findData(preferences.naming_lr)
        self.naming_lr.setCurrentIndex(chosen if chosen >= 0 else NAMING_LEVELS.index(DEFAULT_NAMING_LR))
        self.crops = QComboBox()
        self.crops.addItem("9 (3 x 3 grid, the method's protocol)", 9)
        self.crops.addItem("1 (centre crop, faster, less robust)", 1)
        self.crops.setCurrentIndex(CROPS.index(preferences.crops))
        self.perplexity = QDoubleSpinBox()
        self.perplexity.setRange(2.0, 100.0)
        self.perplexity.setDecimals(0)
        self.perplexity.setValue(preferences.perplexity)
        self.policy = QPlainTextEdit(policy.describe() if policy is not None else NO_POLICY_YET)
        self.policy.setReadOnly(True)
        self.policy.setFixedHeight(110)
        form = QFormLayout()
        form.addRow("Compute on:", self.device)
        form.addRow("Name a generator at:", self.naming_lr)
        form.addRow("Crops per image:", self.crops)
        form.addRow("t-SNE perplexity:", self.perplexity)
        form.addRow("Policy in force:", self.policy)
        help_text = hint_label(
            "A generator is named only when the likelihood ratio of its match reaches the chosen level; below "
            "it the image is reported as '" + UNKNOWN_TEXT + "'. A higher level names fewer images, and "
            "wrongly names fewer. The level also decides which images are grouped as of one source. "
            "Crops apply to images fingerprinted from now on.")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(help_text)
        layout.addWidget(_buttons(self))
        self.setMinimumWidth(560)
        self.adjustSize()

    def preferences(self) -> Preferences:
        return Preferences(
            device=self.device.currentData(),
            naming_lr=self.naming_lr.currentData(),
            crops=int(self.crops.currentData()),
            perplexity=float(self.perplexity.value()),
        )

    @staticmethod
    def ask(parent: QWidget | None, preferences: Preferences, policy: DecisionPolicy | None) -> Preferences | None:
        dialog = SettingsDialog(parent, preferences, policy)
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
    """Versions of everything that shaped a result, and the extractor's model card in words.

    The card is told as prose (`model_card_text`), not shown as JSON: the analyst reads
    which weights, trained how, how good, calibrated against what, with no scrolling sideways.
    """

    def __init__(self, parent: QWidget | None, versions: dict[str, str], card: dict | None, problem: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("About Forensics App")
        rows = "".join(f"<tr><td><b>{escape(str(k))}</b>&nbsp;&nbsp;</td><td>{escape(str(v))}</td></tr>"
                       for k, v in versions.items())
        intro = QLabel("<h3>Forensics App</h3><p>Attributes generated images to the model that made them, "
                       f"including models it has never seen.</p><table>{rows}</table>")
        intro.setTextFormat(Qt.RichText)
        intro.setTextInteractionFlags(Qt.TextSelectableByMouse)
        intro.setWordWrap(True)
        self.card_view = QTextBrowser()
        self.card_view.setLineWrapMode(QTextBrowser.WidgetWidth)
        self.card_view.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.card_view.setOpenLinks(False)
        self.card_view.setHtml(card_html(card, problem, app_licence()))
        box = QDialogButtonBox(QDialogButtonBox.Close)
        box.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("The fingerprint extractor:"))
        layout.addWidget(self.card_view, 1)
        layout.addWidget(box)
        self.resize(640, 640)
