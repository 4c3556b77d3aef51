"""The map pane's data: which case item each point is, its labels, its hover text.

The map of a case is stored as coordinates in the order of the images that were
fingerprinted when it was drawn; this pane keeps that list beside the view, so that a
point clicked selects the right row and the selected rows ring the right points, and
never shows coordinates that no longer match the case's images.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject

from forensics_app.core.case import Case, CaseItem
from forensics_app.gui.attribution_text import decision_text, lr_text, named_match, top_match, words_of
from forensics_app.gui.evidence_model import folder_text
from forensics_app.gui.widgets.map_view import BY_CLUSTER, BY_FIRST, BY_FOLDER, BY_FORMAT, BY_MATCH, MapView

NOT_YET = "The map appears once five or more images are fingerprinted."
WHILE_FINGERPRINTING = "The map is drawn when fingerprinting finishes (five or more images)."


def hover_text(item: CaseItem) -> str:
    """Exhibit, file, group and decision; the LR only where a generator was named."""
    named = named_match(item)
    if named is not None:
        match = f"{named.generator} (LR {lr_text(named)}, {words_of(named)})"
    elif top_match(item) is not None:
        match = decision_text(item)
    else:
        match = "not attributed"
    cluster = "-" if item.cluster is None else item.cluster
    return f"{item.exhibit}  {Path(item.path).name}\ncluster {cluster} · {match}"


class MapPane(QObject):
    """`items[i]` is the case item drawn as point i; empty while no map is shown."""

    def __init__(self, view: MapView, case: Callable[[], Case], selected: Callable[[], list[CaseItem]],
                 select: Callable[[CaseItem], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.view, self.case, self.selected, self.select = view, case, selected, select
        self.items: list[CaseItem] = []
        view.point_clicked.connect(self._clicked)

    def show_case(self, fingerprinted: list[CaseItem]) -> None:
        """A case just opened: its saved map, if it still matches its images."""
        case = self.case()
        self.items = fingerprinted if fingerprinted and case.map is not None and len(case.map) == len(fingerprinted) \
            else []
        if not self.items:
            self.view.show_message(NOT_YET)
        self.refresh()

    def expect_points(self) -> None:
        """Fingerprinting started: say when the map will come, unless one is shown."""
        if not self.items:
            self.view.show_message(WHILE_FINGERPRINTING)

    def set_map(self, items: list[CaseItem], note: str) -> None:
        """The analysis recorded a new map for `items`, or none with the reason in `note`."""
        if self.case().map is None:
            self.items = []
            self.view.show_message(note or NOT_YET)
        else:
            self.items = list(items)
        self.refresh()

    def refresh(self) -> None:
        """Labels and hover texts follow the items' current clusters and decisions."""
        coords = self.case().map
        if not self.items or coords is None:
            return
        labels = colourings(self.items)
        hover = [hover_text(i) for i in self.items]
        if len(self.view.coords) == len(self.items) and np.allclose(self.view.coords, coords):
            self.view.set_labels(labels, hover)
        else:
            references = [(r.generator, np.asarray(r.points, np.float32)) for r in self.case().map_references]
            self.view.set_points(np.asarray(coords, np.float32), labels, hover, references)
        self.highlight()

    def highlight(self) -> None:
        """Ring the points of the rows selected in the table."""
        position = {id(item): index for index, item in enumerate(self.items)}
        self.view.set_highlight([position[id(i)] for i in self.selected() if id(i) in position])

    def _clicked(self, index: int) -> None:
        if 0 <= index < len(self.items):
            self.select(self.items[index])


def colourings(items: list[CaseItem]) -> dict[str, list[str]]:
    """Each point's label under every colouring the map offers."""
    def first(item: CaseItem) -> str:
        match = top_match(item)
        return match.generator if match else "not attributed"

    return {
        BY_CLUSTER: ["not clustered" if i.cluster is None else f"cluster {i.cluster}" for i in items],
        BY_MATCH: [decision_text(i) or "not attributed" for i in items],
        BY_FIRST: [first(i) for i in items],
        BY_FOLDER: [folder_text(i) or "(no folder)" for i in items],
        BY_FORMAT: [i.format or "unknown" for i in items],
    }
