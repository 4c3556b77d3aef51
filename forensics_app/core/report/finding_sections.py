"""Sections 5 and 6 of the report: the groups with the map and the Tippett plot, and what
was checked.

Groups are those the analysis stored, with the decisions of their members; nothing is
decided again here, and the policy behind the decisions is stated once, in section 2,
and only referred to.  Each exhibit's own ranking and decision are in its row of
section 4.
"""

from __future__ import annotations

from collections import Counter

from reportlab.platypus import Table, TableStyle

from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.core.case import CaseItem
from forensics_app.core.report.decision import Decision
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.figures import MAP_LABEL_LIMIT
from forensics_app.core.report.grouping import UNGROUPED
from forensics_app.core.report.layout import (
    STATUS_FILLS, WIDTH, Cell, bold, markup, para, paragraph_styles, ruled_table, scaled_image,
)
from forensics_app.core.report.tippett import TippettFigure
from forensics_app.core.report.validation import rate



def checks_section(facts: Facts) -> list:
    styles = paragraph_styles()
    rows: list[list[Cell]] = [["Check", "Status", "What it found, or why it did not run"]]
    extra = []
    for check in facts.checks:
        rows.append([markup(check.name), bold(check.status), markup(check.detail)])
        extra.append(("BACKGROUND", (1, len(rows) - 1), (1, len(rows) - 1), STATUS_FILLS[check.status]))
    return [
        para("6. Checks performed and not performed", styles.h1),
        para("<b>ran</b>: the check was carried out (whatever it found); <b>not run</b>: it was not attempted, for the "
             "reason given; <b>failed</b>: it was attempted and could not be completed.", styles.body),
        ruled_table(rows, [180, 45, WIDTH - 225], extra=extra),
    ]


def _decision_label(decision: Decision | None) -> str:
    if decision is None:
        return "not attributed"
    return decision.decision if decision.named else UNKNOWN_TEXT


def _groups_story(facts: Facts) -> list:
    styles, analysis = paragraph_styles(), facts.analysis
    story = [para("Groups of images by likely common source", styles.h2)]
    if analysis.labels is None:
        return story + [para(f"<i>Not grouped: {markup(analysis.cluster_check.detail)}.</i>", styles.body)]
    members: dict[int, list[CaseItem]] = {}
    for item, label in zip(analysis.items, analysis.labels.tolist()):
        if label != UNGROUPED:
            members.setdefault(int(label), []).append(item)
    grouped = sum(len(m) for m in members.values())
    story.append(para(f"The analysis stored {len(members)} group(s) for {grouped} image(s). A group holds images the "
                      "analysis joined under the decision policy (section 2): images whose fingerprints are, on average, "
                      "similar enough for the likelihood ratio of a common source to reach the naming level. Membership "
                      "is consistent with a common source; it does not prove one.", styles.body))
    rows: list[list[Cell]] = [["Group", "Images", "Members", "Decisions for the members"]]
    shared = [label for label in members if len(members[label]) > 1]
    for label in sorted(shared, key=lambda k: (-len(members[k]), k)):
        counts = Counter(_decision_label(facts.decisions.get(item.exhibit)) for item in members[label])
        rows.append([bold(label), markup(len(members[label])), markup(", ".join(i.exhibit for i in members[label])),
                     markup(", ".join(f"{name} x {n}" for name, n in counts.most_common()))])
    if len(rows) > 1:
        story.append(ruled_table(rows, [40, 40, 250, WIDTH - 330]))
    alone = sorted((label for label in members if len(members[label]) == 1), key=lambda k: members[k][0].exhibit)
    if alone:
        story.append(para(markup(f"{len(alone)} image(s) are each a group of their own (no other image reached the "
                                 "naming level with them): ")
                          + markup(", ".join(members[k][0].exhibit for k in alone)) + ".", styles.body))
    if analysis.ungrouped:
        story.append(para("In no group (taken in after the images were grouped): "
                          + markup(", ".join(i.exhibit for i in analysis.ungrouped)) + ".", styles.body))
    return story


def groups_section(facts: Facts) -> list:
    """The stored groups, then the map of the fingerprints and the library's Tippett plot,
    side by side when there are both, each with its caption beneath."""
    styles = paragraph_styles()
    story: list = [para("5. Groups, map and the library's likelihood ratios", styles.h1)] + _groups_story(facts)
    figures: list[tuple[bytes, str]] = []
    if facts.map_png is not None:
        figures.append((facts.map_png, _map_caption(len(facts.analysis.items), len(figures) + 1)))
    else:
        story.append(para(f"<i>No map: {markup(facts.analysis.map_check.detail)}.</i>", styles.body))
    tippett = facts.tippett
    if tippett.png is not None:
        figures.append((tippett.png, _tippett_caption(tippett, len(figures) + 1)))
    else:
        story.append(para(f"<i>The Tippett plot of the library's comparisons was {markup(tippett.problem)}.</i>",
                          styles.body))
    if figures:
        story.append(_figure_table(figures))
    return story


def _figure_table(figures: list[tuple[bytes, str]]) -> Table:
    """One or two figures in a row, each over its caption."""
    styles = paragraph_styles()
    width = WIDTH / 2 if len(figures) == 2 else WIDTH * 0.62
    table = Table([[scaled_image(png, width - 8) for png, _ in figures],
                   [para(caption, styles.caption) for _, caption in figures]], colWidths=[width] * len(figures))
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 4),
                               ("RIGHTPADDING", (0, 0), (-1, -1), 4)]))
    return table


def _map_caption(count: int, number: int) -> str:
    return (f"<b>Figure {number}.</b> t-SNE map of the {count} fingerprints, one point per image; each group "
            "stored in the case has its own marker and colour" + (", and each point, or each spot of points on top "
            "of each other, is labelled with its exhibit id(s)" if count <= MAP_LABEL_LIMIT else "") + ". Images with similar fingerprints lie close together. "
            "The axes have no units, and distances between groups far apart carry no meaning: the map shows "
            "neighbourhoods, not measurements.")


def _tippett_caption(tippett: TippettFigure, number: int) -> str:
    caption = (f"<b>Figure {number}.</b> Tippett plot of the library in use: for each log10 likelihood ratio on the "
               "horizontal axis, the proportion of comparisons whose LR is larger, for "
               f"{tippett.same_source:,} comparisons of known same source (solid line) and {tippett.different_source:,} "
               "of known different source (dashed line); the dotted line is the naming level and the dash-dotted line "
               f"an LR of 1. An LR below 1 for a same-source comparison ({rate(tippett.misleading_same)}) or above 1 "
               f"for a different-source comparison ({rate(tippett.misleading_different)}) is misleading evidence. "
               "Where these are the comparisons the likelihood ratios were calibrated on, the plot shows how the "
               "calibration separates them, not an independent validation (section 3 gives that).")
    if tippett.dropped:
        caption += f" {tippett.dropped} comparison(s) whose LR was not a finite number were left out."
    return caption
