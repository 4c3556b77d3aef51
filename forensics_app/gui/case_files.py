"""The case's life cycle as files: new, open, save, save as, recent cases, details, removal.

A case that cannot be read is refused with the reason and the open case is kept; a
case that cannot be written stays open with all its changes; and a case opened next to
other weights or a changed library says so, since its saved results are shown as they
were computed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMainWindow, QMenu, QMessageBox

from forensics_app.core.case import CASE_SUFFIX, CaseError, CaseItem
from forensics_app.gui import plain_messages as plain
from forensics_app.gui.job_status import APP_TITLE
from forensics_app.gui.preferences import forget_case, last_folder, recent_cases, remember_case
from forensics_app.gui.widgets.dialogs import CaseDetailsDialog
from forensics_app.workflows.case_open import open_case as open_case_file
from forensics_app.workflows.session import DETAILS, Session, SessionSettings

CASE_FILTER = f"Cases (*{CASE_SUFFIX});;All files (*)"


class CaseFiles(QObject):
    """The session's case as files; `analysis_wanted()`: exhibits were removed, analyse anew."""

    analysis_wanted = Signal()

    def __init__(self, session: Session, settings: QSettings, parent: QMainWindow,
                 selected: Callable[[], list[CaseItem]], session_settings: Callable[[], SessionSettings | None]) -> None:
        super().__init__(parent)
        self.session, self.settings, self.parent_window = session, settings, parent
        self.selected, self.session_settings = selected, session_settings

    def _say(self, text: str, timeout: int) -> None:
        self.parent_window.statusBar().showMessage(text, timeout)

    def confirm_discard(self) -> bool:
        """True when the open case may be replaced: nothing unsaved, saved now, or discarded on purpose."""
        if not self.session.dirty:
            return True
        answer = plain.question(self.parent_window, APP_TITLE, "The case has unsaved changes. Save them before going on?",
                                QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)
        if answer == QMessageBox.Save:
            return self.save_case()  # a save cancelled or failed keeps the case open
        return answer == QMessageBox.Discard

    def new_case(self) -> None:
        if self.confirm_discard():
            self.session.open(self.session.blank_case())

    def open_case_dialog(self) -> None:
        if not self.confirm_discard():
            return
        path, _ = QFileDialog.getOpenFileName(self.parent_window, "Open case", last_folder(self.settings), CASE_FILTER)
        if path:
            self.open_case(Path(path), confirmed=True)

    def open_case(self, path: Path, confirmed: bool = False) -> bool:
        session, window = self.session, self.parent_window
        if not confirmed and not self.confirm_discard():
            return False
        try:
            case, check = open_case_file(path)
        except CaseError as exc:
            plain.critical(window, APP_TITLE, str(exc))
            if not Path(path).exists():
                forget_case(self.settings, str(path))
            return False
        session.open(case, Path(path))
        remember_case(self.settings, str(Path(path).resolve()))
        if check.problems:
            session.mark_dirty()  # the finding was logged in the case; saving keeps it on record
            listed = "\n".join(f"- {problem}" for problem in check.problems[:15])
            more = f"\n... and {len(check.problems) - 15} more" if len(check.problems) > 15 else ""
            plain.warning(window, APP_TITLE, f"This case does not agree with itself: it may have been edited outside "
                                             f"the program.\n\n{listed}{more}\n\nThe finding is recorded in the "
                                             "case's audit log, and the report recomputes its results from the stored "
                                             "fingerprints.")
            self._say(f"Case check: {check.summary()}", 30_000)
        library = session.library
        if session.foreign:
            self._say(session.foreign_text(), 20_000)
        elif library is not None and case.library_sha256 and \
                case.library_sha256 != library.snapshot()["content_sha256"]:
            self._say("The library has changed since this case was analysed; its saved matches are shown. Press F5 "
                      "(Analysis > Re-run analysis) to rank against the current library.", 20_000)
        return True

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        paths = recent_cases(self.settings)
        for number, path in enumerate(paths, start=1):
            action = menu.addAction(f"&{number} {Path(path).name}")
            action.setToolTip(plain.as_shown(path))
            action.triggered.connect(lambda checked=False, p=path: self.open_case(Path(p)))
        if paths:
            menu.addSeparator()
            menu.addAction("Clear list").triggered.connect(lambda: forget_case(self.settings))
        else:
            menu.addAction("No recent cases").setEnabled(False)

    def save_case(self) -> bool:
        if self.session.path is None:
            return self.save_case_as()
        return self.write_case(self.session.path)

    def save_case_as(self) -> bool:
        session = self.session
        start = str(session.path or Path(last_folder(self.settings)) / f"{session.case.reference or 'case'}{CASE_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.parent_window, "Save case", start, CASE_FILTER)
        if not path:
            return False
        if not path.endswith(CASE_SUFFIX):
            path += CASE_SUFFIX
        return self.write_case(Path(path))

    def write_case(self, path: Path) -> bool:
        try:
            self.session.save(path, self.session_settings())
        except CaseError as exc:
            plain.critical(self.parent_window, APP_TITLE, f"{exc}\nThe case is still open with all its changes.")
            return False
        remember_case(self.settings, str(Path(path).resolve()))
        self._say(f"Case saved to {path}", 5000)
        return True

    def edit_details(self) -> None:
        current = {key: getattr(self.session.case, key) for key in DETAILS}
        details = CaseDetailsDialog.ask(self.parent_window, current)
        if details is not None:
            self.session.set_details(details)

    def remove_selected(self) -> None:
        """Take the selected exhibits out of the case, each logged with the analyst's reason.

        Their numbers are not given again, and the case is analysed anew without them (the
        groups and the map are computed over the exhibits that remain).
        """
        items = self.selected()
        if not items:
            self._say("Select the exhibits to remove first.", 5000)
            return
        listed = ", ".join(i.exhibit for i in items[:10]) + (f" and {len(items) - 10} more" if len(items) > 10 else "")
        reason, ok = QInputDialog.getText(self.parent_window, "Remove from the case", f"Why are {listed} removed? "
                                          "The reason goes into the audit log and the report.")
        if not ok:
            return
        if not reason.strip():
            plain.warning(self.parent_window, APP_TITLE, "Nothing was removed: the audit log needs a reason for "
                                                         "removing an exhibit.")
            return
        self.session.remove([i.exhibit for i in items], reason)
        self._say(f"Removed {listed} from the case (logged).", 10_000)
        self.analysis_wanted.emit()

    def edit_note(self) -> None:
        """The analyst's note on the selected exhibit: logged, saved with the case, printed in the report."""
        items = self.selected()
        if len(items) != 1:
            self._say("Select one exhibit to write its note.", 5000)
            return
        item = items[0]
        text, ok = QInputDialog.getMultiLineText(self.parent_window, "Note on the exhibit", f"Note on {item.exhibit} "
                                                 "(it goes into the report; each change is logged):", item.note)
        if ok:
            self.session.set_note(item.exhibit, text)
