"""The window's panes watching the session: each event of the Qt-free model redrawn once.

`workflows.session.Session` emits what changed (another case opened, an exhibit
appended, exhibits removed, a stage of the analysis recorded, unsaved or saved); this
module is the one place that turns each event into what the table, the map, the
selected-image views and the pictures show, as napari's Qt viewer follows its model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QStatusBar

from forensics_app.core.case import Case, CaseItem
from forensics_app.gui.evidence_model import EvidenceTableModel
from forensics_app.gui.inspector import Inspector
from forensics_app.gui.map_pane import MapPane
from forensics_app.gui.previews import PreviewStore
from forensics_app.gui.workers import JobQueue
from forensics_app.workflows.analyse import AnalysisStage, Groups, MapPlacement
from forensics_app.workflows.intake import fingerprinted
from forensics_app.workflows.session import Session


@dataclass(frozen=True)
class Panes:
    """What shows the session: the table, the selected-image views, the map, the pictures, the status."""

    model: EvidenceTableModel
    inspector: Inspector
    map_pane: MapPane
    previews: PreviewStore
    jobs: JobQueue
    status_bar: QStatusBar
    current_item: Callable[[], CaseItem | None]
    update_title: Callable[[], None]
    update_status: Callable[[], None]


def watch_session(session: Session, panes: Panes) -> None:
    """Connect the session's events to the panes."""
    events = session.events
    events.opened.connect(lambda case: _opened(panes, case))
    events.inserting.connect(panes.model.begin_append)
    events.inserted.connect(panes.model.end_append)
    events.inserted.connect(lambda _item: panes.update_status())
    events.items.connect(lambda: _items_changed(panes, session.case))
    events.noted.connect(lambda item: _noted(panes, item))
    events.recorded.connect(lambda stage, items: _recorded(panes, stage, items))
    events.dirty.connect(lambda _dirty: panes.update_title())
    events.details.connect(panes.update_title)


def _opened(panes: Panes, case: Case) -> None:
    """Another case is open: the jobs of the one before are cancelled, every pane shows this one."""
    panes.jobs.cancel()
    panes.status_bar.clearMessage()
    panes.model.set_case(case)
    panes.inspector.show(None)
    panes.previews.clear()
    panes.previews.scan([(i.sha256, i.path) for i in case.items if i.sha256 and not i.error])
    panes.map_pane.show_case(fingerprinted(case))
    panes.update_title()
    panes.update_status()


def _items_changed(panes: Panes, case: Case) -> None:
    """Exhibits removed: the table, the map and the selected image again."""
    current = panes.current_item()
    panes.model.set_case(case)
    panes.map_pane.show_case(fingerprinted(case))
    panes.inspector.show(current if current in case.items else None)
    panes.update_status()


def _noted(panes: Panes, item: CaseItem) -> None:
    """A note changed: its row and the selected-image views say it; the selection stays."""
    panes.model.refresh()
    if panes.current_item() is item:
        panes.inspector.show(item)


def _recorded(panes: Panes, stage: AnalysisStage, items: list[CaseItem]) -> None:
    """A stage was written into the case: what shows it is redrawn."""
    if isinstance(stage, Groups):
        panes.previews.forget_averages("cluster:")
    elif isinstance(stage, MapPlacement):
        panes.map_pane.set_map(items, stage.note)
    panes.model.refresh()
    panes.map_pane.refresh()
    panes.inspector.refresh()
    panes.update_status()
