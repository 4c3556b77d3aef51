"""Sections 7 to 9 of the report: what was checked, what was found, and the figures.

Results are what the analysis recorded: each image's ranking of enrolled generators
with the likelihood ratio of each, the decision the policy made, and the group the
analysis put the image in.  Nothing is decided again here; the policy behind the
decisions is stated once, in section 5, and only referred to.
"""

from __future__ import annotations

from collections import Counter

from reportlab.platypus import KeepTogether, PageBreak

from forensics_app.core.attribution import UNKNOWN_TEXT
from forensics_app.core.case import CaseItem
from forensics_app.core.likelihood import format_lr
from forensics_app.core.report.checks import evidence_path
from forensics_app.core.report.decision import Decision
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.figures import MAP_LABEL_LIMIT
from forensics_app.core.report.grouping import UNGROUPED
from forensics_app.core.report.layout import (
    STATUS_FILLS, WIDTH, Cell, bold, markup, para, paragraph_styles, red, ruled_table, scaled_image,
)
from forensics_app.core.report.tippett import TippettFigure
from forensics_app.core.report.validation import rate
from forensics_app.core.report.wording import named_text, unknown_text

#: Generators listed per image in the ranking.
TOP_MATCHES = 3


def checks_section(facts: Facts) -> list:
    styles = paragraph_styles()
    rows: list[list[Cell]] = [["Check", "Status", "What it found, or why it did not run"]]
    extra = []
    for check in facts.checks:
        rows.append([markup(check.name), bold(check.status), markup(check.detail)])
        extra.append(("BACKGROUND", (1, len(rows) - 1), (1, len(rows) - 1), STATUS_FILLS[check.status]))
    return [
        para("7. Checks performed and not performed", styles.h1),
        para("<b>ran</b>: the check was carried out (whatever it found); <b>not run</b>: it was not attempted, for the "
             "reason given; <b>failed</b>: it was attempted and could not be completed.", styles.body),
        ruled_table(rows, [180, 45, WIDTH - 225], extra=extra),
    ]


def results_section(facts: Facts) -> list:
    styles = paragraph_styles()
    story = [
        para("8. Results", styles.h1),
        para("Attribution of each image", styles.h2),
        para("The ranking lists the enrolled generators most similar to each image, each with its cosine similarity "
             "and its likelihood ratio (LR); a ranking is not a conclusion. The decision is the one the decision policy "
             "of section 5 made when the case was analysed.", styles.body),
    ]
    labels = _label_of(facts)
    rows: list[list[Cell]] = [["Exhibit", "Ranking (cosine similarity, LR)", "Decision under the policy", "Group"]]
    for item in facts.case.items:
        if item.embedding is None:
            continue
        decision = facts.decisions.get(item.exhibit)
        group = labels.get(item.exhibit)
        rows.append([bold(item.exhibit), para(_ranking_text(item, decision)), para(decision_text(decision)),
                     markup("-" if group is None else group)])
    if len(rows) > 1:
        story.append(ruled_table(rows, [45, 215, 210, WIDTH - 470]))
    else:
        story.append(para("<i>No image was fingerprinted.</i>", styles.body))
    return story + _groups_story(facts) + _rejected_story(facts)


def _label_of(facts: Facts) -> dict[str, int]:
    analysis = facts.analysis
    if analysis.labels is None:
        return {}
    return {item.exhibit: int(label) for item, label in zip(analysis.items, analysis.labels.tolist()) if label != UNGROUPED}


def _ranking_text(item: CaseItem, decision: Decision | None) -> str:
    if decision is None:
        return "<i>no enrolled generator</i>" if item.attribution else "<i>not attributed</i>"
    lines = []
    for rank, match in enumerate(decision.ranking[:TOP_MATCHES], start=1):
        lr = f"LR {format_lr(match.lr)}" if match.lr is not None else "no LR recorded"
        lines.append(f"{rank}. {markup(match.generator)}: {match.similarity:.3f}, {lr}")
    if len(decision.ranking) > TOP_MATCHES:
        lines.append(f"<i>{len(decision.ranking) - TOP_MATCHES} further generator(s) less similar</i>")
    return "<br/>".join(lines)


def decision_text(decision: Decision | None) -> str:
    """The policy's decision for one exhibit, with the LR that decided it."""
    if decision is None:
        return "<i>none</i>"
    first = decision.first
    if not decision.named:
        return unknown_text(first.lr if first else None, decision.naming_lr)
    if first is not None and first.lr is not None and decision.naming_lr is not None and first.generator == decision.decision:
        return named_text(decision.decision, first.lr, decision.naming_lr)
    return f"{bold(decision.decision)} named, as recorded (the case stores no likelihood ratio for this decision)"


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
                      "analysis joined under the decision policy (section 5): images whose fingerprints are, on average, "
                      "similar enough for the likelihood ratio of a common source to reach the naming level. Membership "
                      "is consistent with a common source; it does not prove one.", styles.body))
    rows: list[list[Cell]] = [["Group", "Images", "Members", "Decisions for the members"]]
    for label in sorted(members, key=lambda k: (-len(members[k]), k)):
        counts = Counter(_decision_label(facts.decisions.get(item.exhibit)) for item in members[label])
        rows.append([bold(label), markup(len(members[label])), markup(", ".join(i.exhibit for i in members[label])),
                     markup(", ".join(f"{name} x {n}" for name, n in counts.most_common()))])
    story.append(ruled_table(rows, [40, 40, 250, WIDTH - 330]))
    if analysis.ungrouped:
        story.append(para("In no group (taken in after the images were grouped): "
                          + markup(", ".join(i.exhibit for i in analysis.ungrouped)) + ".", styles.body))
    return story


def _rejected_story(facts: Facts) -> list:
    styles = paragraph_styles()
    rejected = [item for item in facts.case.items if item.error]
    story = [para("Files rejected at intake", styles.h2)]
    if not rejected:
        return story + [para("None: every file was taken in.", styles.body)]
    rows: list[list[Cell]] = [["Exhibit", "File", "Reason", "SHA-256 at export"]]
    for item in rejected:
        check = facts.files[item.exhibit]
        rows.append([bold(item.exhibit), markup(evidence_path(item)), markup(item.error),
                     para(markup(check.sha256 or check.status), styles.hash)])
    intro = para("These files were not analysed. Each is listed with the reason it was refused.", styles.body)
    return [KeepTogether(story + [intro, ruled_table(rows, [42, 110, 110, WIDTH - 262])])]


def figures_section(facts: Facts) -> list:
    styles = paragraph_styles()
    story: list = [PageBreak(), para("9. Figures", styles.h1)]
    if facts.figure_note:
        story.append(para(markup(facts.figure_note), styles.body))
    number = 0
    for figure in facts.figures:
        if figure.png is None:
            story.append(para(red(f"Spectrum of {figure.exhibit} {figure.problem}."), styles.body))
            continue
        number += 1
        caption = para(f"<b>Figure {number}.</b> {markup(figure.caption)}", styles.caption)
        story.append(KeepTogether([scaled_image(figure.png, WIDTH * 0.92), caption]))
    if facts.map_png is not None:
        number += 1
        count = len(facts.analysis.items)
        caption = (f"<b>Figure {number}.</b> t-SNE map of the {count} fingerprints, one point per image; each group "
                   "stored in the case has its own marker and colour" + (", and each point is labelled with its exhibit "
                   "id" if count <= MAP_LABEL_LIMIT else "") + ". Images with similar fingerprints lie close together. "
                   "The axes have no units, and distances between groups far apart carry no meaning: the map shows "
                   "neighbourhoods, not measurements.")
        story.append(KeepTogether([scaled_image(facts.map_png, WIDTH * 0.8), para(caption, styles.caption)]))
    else:
        story.append(para(f"<i>No map: {markup(facts.analysis.map_check.detail)}.</i>", styles.body))
    return story + _tippett_story(facts.tippett, number + 1)


def _tippett_story(tippett: TippettFigure, number: int) -> list:
    styles = paragraph_styles()
    if tippett.png is None:
        return [para(f"<i>The Tippett plot of the library's comparisons was {markup(tippett.problem)}.</i>", styles.body)]
    caption = (f"<b>Figure {number}.</b> Tippett plot of the library in use: for each log10 likelihood ratio on the "
               "horizontal axis, the proportion of comparisons whose LR is larger, for "
               f"{tippett.same_source:,} comparisons of known same source (solid line) and {tippett.different_source:,} "
               "of known different source (dashed line); the dotted line is the naming level and the dash-dotted line "
               f"an LR of 1. An LR below 1 for a same-source comparison ({rate(tippett.misleading_same)}) or above 1 "
               f"for a different-source comparison ({rate(tippett.misleading_different)}) is misleading evidence. "
               "Where these are the comparisons the likelihood ratios were calibrated on, the plot shows how the "
               "calibration separates them, not an independent validation (section 6 gives that).")
    if tippett.dropped:
        caption += f" {tippett.dropped} comparison(s) whose LR was not a finite number were left out."
    return [KeepTogether([scaled_image(tippett.png, WIDTH * 0.8), para(caption, styles.caption)])]
