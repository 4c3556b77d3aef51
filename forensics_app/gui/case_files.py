"""The case's life cycle as files: new, open, save, save as, recent cases, details, removal.

A case that cannot be read is refused with the reason and the open case is kept; a
case that cannot be written stays open with all its changes; and a case opened next to
other weights or a changed library says so, since its saved results are shown as they
were computed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox

from forensics_app.gui import plain_messages as plain
from forensics_app.core.case import CASE_SUFFIX, Case, CaseError, extractor_stamp
from forensics_app.gui.analysis_runner import foreign_case_text, is_foreign
from forensics_app.gui.job_status import APP_TITLE
from forensics_app.gui.preferences import forget_case, recent_cases, remember_case
from forensics_app.gui.widgets.dialogs import CaseDetailsDialog
from forensics_app.workflows.case_open import open_case as open_case_file
from forensics_app.workflows.intake import fingerprinted, new_case

if TYPE_CHECKING:
    from forensics_app.gui.main_window import MainWindow

CASE_FILTER = f"Cases (*{CASE_SUFFIX});;All files (*)"


class CaseFiles(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def blank_case(self) -> Case:
        """A new case, stamped with the loaded extractor where there is one."""
        return new_case(self.window.extractor) if self.window.extractor is not None else Case()

    def confirm_discard(self) -> bool:
        """True when the open case may be replaced: nothing unsaved, saved now, or discarded on purpose."""
        if not self.window.dirty:
            return True
        answer = plain.question(self.window, APP_TITLE, "The case has unsaved changes. Save them before going on?",
                                QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return self.save_case()  # a save cancelled or failed keeps the case open
        return answer == QMessageBox.Discard

    def new_case(self) -> None:
        if self.confirm_discard():
            self.window.set_case(self.blank_case(), None)

    def open_case_dialog(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self.window, "Open case", self.window.last_folder(), CASE_FILTER)
        if path:
            self.open_case(Path(path), confirmed=True)

    def open_case(self, path: Path, confirmed: bool = False) -> bool:
        w = self.window
        if not confirmed and not self.confirm_discard():
            return False
        try:
            case, check = open_case_file(path)
        except CaseError as exc:
            plain.critical(w, APP_TITLE, str(exc))
            if not Path(path).exists():
                forget_case(w.settings, str(path))
            return False
        w.set_case(case, Path(path))
        remember_case(w.settings, str(Path(path).resolve()))
        if check.problems:
            w.mark_dirty()  # the finding was logged in the case; saving keeps it on record
            listed = "\n".join(f"- {problem}" for problem in check.problems[:15])
            more = f"\n... and {len(check.problems) - 15} more" if len(check.problems) > 15 else ""
            plain.warning(w, APP_TITLE, f"This case does not agree with itself: it may have been edited outside the "
                                        f"program.\n\n{listed}{more}\n\nThe finding is recorded in the case's audit "
                                        "log, and the report recomputes its results from the stored fingerprints.")
            w.statusBar().showMessage(f"Case check: {check.summary()}", 30_000)
        library = w.library.library
        if is_foreign(case, w.extractor):
            w.statusBar().showMessage(foreign_case_text(case, w.extractor), 20_000)
        elif library is not None and case.library.get("content_sha256") and \
                case.library["content_sha256"] != library.snapshot()["content_sha256"]:
            w.statusBar().showMessage("The library has changed since this case was analysed; its saved matches are "
                                      "shown. Press F5 (Analysis > Re-run analysis) to rank against the current "
                                      "library.", 20_000)
        return True

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        paths = recent_cases(self.window.settings)
        for number, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(plain.as_shown(path))
            action.triggered.connect(lambda checked=False, p=path: self.open_case(Path(p)))
        if paths:
            menu.addSeparator()
            menu.addAction("Clear list").triggered.connect(lambda: forget_case(self.window.settings))
        else:
            menu.addAction("No recent cases").setEnabled(False)

    def save_case(self) -> bool:
        if self.window.case_path is None:
            return self.save_case_as()
        return self.write_case(self.window.case_path)

    def save_case_as(self) -> bool:
        w = self.window
        start = str(w.case_path or Path(w.last_folder()) / f"{w.case.reference or 'case'}{CASE_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(w, "Save case", start, CASE_FILTER)
        if not path:
            return False
        if not path.endswith(CASE_SUFFIX):
            path += CASE_SUFFIX
        return self.write_case(Path(path))

    def write_case(self, path: Path) -> bool:
        w = self.window
        if w.card is not None and not w.case.extractor:
            w.case.extractor = extractor_stamp(w.card)
        if not w.case.settings:
            w.settings_actions.note_in(w.case)
        try:
            w.case.save(path)
        except CaseError as exc:
            plain.critical(w, APP_TITLE, f"{exc}\nThe case is still open with all its changes.")
            return False
        w.case_path, w.dirty = Path(path), False
        remember_case(w.settings, str(Path(path).resolve()))
        w.update_title()
        w.statusBar().showMessage(f"Case saved to {path}", 5000)
        return True

    def edit_details(self) -> None:
        w = self.window
        current = {"reference": w.case.reference, "examiner": w.case.examiner,
                   "organisation": w.case.organisation, "question": w.case.question}
        details = CaseDetailsDialog.ask(w, current)
        if details is not None and details != current:
            for key, value in details.items():
                setattr(w.case, key, value)
            w.audit("case-details", "; ".join(f"{k}: {v}" for k, v in details.items() if v))
            w.update_title()

    def remove_selected(self) -> None:
        """Take the selected exhibits out of the case, each logged with the analyst's reason.

        Their numbers are not given again, and the case is analysed anew without them (the
        groups and the map are computed over the exhibits that remain).
        """
        w = self.window
        items = w.selected_items()
        if not items:
            w.statusBar().showMessage("Select the exhibits to remove first.", 5000)
            return
        listed = ", ".join(i.exhibit for i in items[:10]) + (f" and {len(items) - 10} more" if len(items) > 10 else "")
        reason, ok = QInputDialog.getText(w, "Remove from the case", f"Why are {listed} removed? "
                                          "The reason goes into the audit log and the report.")
        if not ok:
            return
        if not reason.strip():
            plain.warning(w, APP_TITLE, "Nothing was removed: the audit log needs a reason for removing an exhibit.")
            return
        for item in items:
            w.case.remove_exhibit(item.exhibit, reason)
        w.model.set_case(w.case)
        w.inspector.show(None)
        w.map_pane.show_case(fingerprinted(w.case))
        w.mark_dirty()
        w.statusBar().showMessage(f"Removed {listed} from the case (logged).", 10_000)
        w.runner.schedule_analysis()

    def edit_note(self) -> None:
        """The analyst's note on the selected exhibit: logged, saved with the case, printed in the report."""
        w = self.window
        items = w.selected_items()
        if len(items) != 1:
            w.statusBar().showMessage("Select one exhibit to write its note.", 5000)
            return
        item = items[0]
        text, ok = QInputDialog.getMultiLineText(w, "Note on the exhibit", f"Note on {item.exhibit} (it goes into the "
                                                 "report; each change is logged):", item.note)
        if ok and w.case.set_note(item.exhibit, text):
            w.mark_dirty()
            w.inspector.show(item)
