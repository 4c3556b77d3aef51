"""Sections 6 to 9 of the report: what was checked, what was found, and what it means.

The checks made and not made, the results per image and per group, the figures, and the
conclusions: support on the verbal scale for one proposition against its alternative,
followed by the limitations that bound it and the examiner's signature.
"""

from __future__ import annotations

from collections import Counter

from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table

from forensics_app.core.case import CaseItem
from forensics_app.core.report.checks import evidence_path
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.figures import MAP_LABEL_LIMIT
from forensics_app.core.report.grouping import Analysis
from forensics_app.core.report.layout import (
    STATUS_FILLS, WIDTH, Cell, bold, markup, para, paragraph_styles, red, ruled_table, scaled_image, stated,
)
from forensics_app.core.report.wording import PROPOSITIONS, STANDING_LIMITATIONS, VERBAL_SCALE, verbal_support

#: Matches listed per image in the results.
TOP_MATCHES = 3
#: Fewer references than this and a generator is named among the limitations.
FEW_REFERENCES = 5


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


def results_section(facts: Facts) -> list:
    styles = paragraph_styles()
    story = [para("7. Results", styles.h1), para("Attribution of each image", styles.h2)]
    labels = _label_of(facts.analysis)
    rows: list[list[Cell]] = [["Exhibit", "Best matches (cosine similarity, calibrated score)", "Open-set decision", "Group"]]
    for item in facts.case.items:
        if item.embedding is None:
            continue
        group = labels.get(item.exhibit)
        rows.append([bold(item.exhibit), para(_matches_text(item.attribution)), para(_decision_text(item.attribution)),
                     markup("-" if group is None else group)])
    if len(rows) > 1:
        story.append(ruled_table(rows, [45, 235, 190, WIDTH - 470]))
    else:
        story.append(para("<i>No image was fingerprinted.</i>", styles.body))
    story += _clusters_story(facts) + _rejected_story(facts)
    return story


def _label_of(analysis: Analysis) -> dict[str, int]:
    if analysis.labels is None:
        return {}
    return {item.exhibit: int(label) for item, label in zip(analysis.items, analysis.labels)}


def _matches_text(attribution: dict | None) -> str:
    if not attribution:
        return "<i>not attributed</i>"
    matches = attribution.get("matches") or []
    if not matches:
        return "<i>no enrolled generator</i>"
    lines = [f"{rank}. {bold(m['generator'])}: {m['similarity']:.3f}, score {m['score']:.3f}"
             for rank, m in enumerate(matches[:TOP_MATCHES], start=1)]
    if len(matches) > TOP_MATCHES:
        lines.append(f"<i>{len(matches) - TOP_MATCHES} further generator(s) less similar</i>")
    return "<br/>".join(lines)


def _decision_text(attribution: dict | None) -> str:
    if not attribution or not attribution.get("matches"):
        return "<i>none</i>"
    best, threshold = attribution["matches"][0], float(attribution["threshold"])
    if attribution["decision"] == "unknown":
        return (f"<b>unknown</b>: the best similarity {best['similarity']:.3f} is below the threshold {threshold:.3f}, "
                "so no enrolled generator is named")
    return f"{bold(attribution['decision'])}: similarity {best['similarity']:.3f} reaches the threshold {threshold:.3f}"


def _clusters_story(facts: Facts) -> list:
    styles, analysis = paragraph_styles(), facts.analysis
    story = [para("Groups of images by likely common source", styles.h2)]
    if analysis.labels is None:
        return story + [para(f"<i>Not grouped: {markup(analysis.cluster_check.detail)}.</i>", styles.body)]
    story.append(para("A group holds images whose fingerprints are, on average, more similar to each other than the "
                      "threshold. Membership is consistent with a common source; it does not prove one.", styles.body))
    rows: list[list[Cell]] = [["Group", "Images", "Members", "Open-set decisions of the members"]]
    members: dict[int, list[CaseItem]] = {}
    for item, label in zip(analysis.items, analysis.labels.tolist()):
        members.setdefault(int(label), []).append(item)
    for label in sorted(members, key=lambda k: (-len(members[k]), k)):
        decisions = Counter((item.attribution or {}).get("decision", "not attributed") for item in members[label])
        rows.append([bold(label), markup(len(members[label])), markup(", ".join(i.exhibit for i in members[label])),
                     markup(", ".join(f"{name} x {n}" for name, n in decisions.most_common()))])
    story.append(ruled_table(rows, [40, 40, 250, WIDTH - 330]))
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
    story: list = [PageBreak(), para("8. Figures", styles.h1)]
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
        caption = (f"<b>Figure {number}.</b> t-SNE map of the {count} fingerprints, one point per image, coloured by "
                   "group" + (" and labelled with the exhibit id" if count <= MAP_LABEL_LIMIT else "") + ". Images with "
                   "similar fingerprints lie close together. The axes have no units, and distances between groups far "
                   "apart carry no meaning: the map shows neighbourhoods, not measurements.")
        story.append(KeepTogether([scaled_image(facts.map_png, WIDTH * 0.8), para(caption, styles.caption)]))
    else:
        story.append(para(f"<i>No map: {markup(facts.analysis.map_check.detail)}.</i>", styles.body))
    return story


def conclusions_section(facts: Facts) -> list:
    styles = paragraph_styles()
    story = [
        para("9. Conclusions", styles.h1),
        para(PROPOSITIONS, styles.body),
        _scale_table(),
        Spacer(1, 6),
    ]
    rows: list[list[Cell]] = [["Exhibit", "Model M (most similar)", "Calibrated score",
                               "Support for H1 (made by M) against H2 (another source)"]]
    for item in facts.case.items:
        matches = (item.attribution or {}).get("matches") or []
        if matches:
            rows.append([bold(item.exhibit), markup(matches[0]["generator"]), markup(f"{matches[0]['score']:.3f}"),
                         para(_support_text(item, matches[0], facts))])
    if len(rows) == 1:
        story.append(para("<i>No image was attributed, so no conclusion on a source model is drawn.</i>", styles.body))
    else:
        story += _calibration_warning(facts) + [ruled_table(rows, [45, 120, 60, WIDTH - 225])]
    return story + _limitations_story(facts) + _signature_story(facts)


def _calibration_warning(facts: Facts) -> list:
    """Say so where the scale cannot be applied, or its calibration cannot be stated."""
    if facts.uncalibrated:
        text = "The extractor's scores are not calibrated (its model card says so); the verbal scale is not applied."
    elif facts.calibration_source is None:
        text = ("The model card of the extractor was not available, so how its scores were calibrated cannot be "
                "stated here; the wording below assumes the calibration stored with the weights.")
    else:
        return []
    return [para(red(text), paragraph_styles().warning)]


def _scale_table() -> Table:
    rows: list[list[Cell]] = [["Calibrated score", "Verbal expression", "Reading"]]
    for level in VERBAL_SCALE:
        upper = f"< {level.upper:g}" if level is not VERBAL_SCALE[-1] else f"<= {level.upper:g}"
        rows.append([markup(f">= {level.lower:g} and {upper}"), bold(level.words), markup(level.reading)])
    return ruled_table(rows, [110, 110, WIDTH - 220])


def _support_text(item: CaseItem, best: dict, facts: Facts) -> str:
    if facts.uncalibrated:
        return "<i>not assessed (scores not calibrated)</i>"
    words = verbal_support(float(best["score"]))
    text = (f"The fingerprint of {markup(item.exhibit)} gives <b>{words}</b> to the proposition that it was generated by "
            f"{markup(best['generator'])} rather than by another source.")
    if item.attribution.get("decision") == "unknown":
        text += " Its similarity is below the open-set threshold, so the open-set decision names no generator."
    if facts.files[item.exhibit].flagged:
        text += " " + red(f"The file is now {facts.files[item.exhibit].status}; this concerns the file as taken in.")
    return text


def _limitations_story(facts: Facts) -> list:
    styles = paragraph_styles()
    items = [*STANDING_LIMITATIONS, *_case_limitations(facts)]
    return [para("Limitations", styles.h2)] + [para(f"&bull; {text}", styles.body) for text in items]


def _case_limitations(facts: Facts) -> list[str]:
    """Limitations that the data of this very case brings."""
    found = []
    few = [g for g in facts.case.library.get("generators") or [] if (g.get("reference_count") or 0) < FEW_REFERENCES]
    if few:
        named = ", ".join(f"{g['name']} ({g['reference_count']})" for g in few)
        found.append(f"<b>In this case</b>, these generators have fewer than {FEW_REFERENCES} references: "
                     + markup(named) + ".")
    padded = [item.exhibit for item in facts.analysis.items if item.padded]
    if padded:
        found.append("<b>In this case</b>, these images are smaller than one crop and were padded by mirroring, which "
                     "makes their fingerprints less reliable: " + markup(", ".join(padded)) + ".")
    lossy = [item.exhibit for item in facts.analysis.items if (item.evidence or {}).get("format") in ("JPEG", "WEBP", "MPO")]
    if lossy:
        found.append("<b>In this case</b>, these images are stored in a lossy format: " + markup(", ".join(lossy)) + ".")
    flagged = [f.exhibit for f in facts.files.values() if f.flagged]
    if flagged:
        found.append("<b>In this case</b>, these files no longer match what was analysed: " + markup(", ".join(flagged)) + ".")
    return found


def _signature_story(facts: Facts) -> list:
    styles = paragraph_styles()
    rows = [[para(bold("Examiner")), para(stated(facts.case.examiner)), para(bold("Signature")), ""],
            [para(bold("Date")), "", para(bold("Place")), ""]]
    table = ruled_table(rows, [70, 190, 70, WIDTH - 330], header=False, extra=[("BOTTOMPADDING", (0, 0), (-1, -1), 14)])
    return [Spacer(1, 10), KeepTogether([para("Signature", styles.h2), table])]

