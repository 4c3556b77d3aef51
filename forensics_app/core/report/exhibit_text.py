"""The short texts of one exhibit that both the summary and the exhibit rows print: why it
has no picture, its metadata in one line, and its decision with the ranking behind it.

Kept in one place so the first page and section 4 can never word one exhibit two ways.
"""

from __future__ import annotations

from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.core.case import CaseItem
from forensics_app.core.decision.closed_set import closed_set_brief
from forensics_app.core.decision.likelihood import format_lr
from forensics_app.core.report.decision import Decision
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import bold, clipped, markup
from forensics_app.core.report.wording import lr_words

#: Generators listed per image in its ranking.
TOP_MATCHES = 3
#: EXIF fields named in an exhibit's metadata line, in this order; other tags are counted.
SHOWN_TAGS = ("Make", "Model", "LensModel", "Software", "ProcessingSoftware", "Artist", "DateTimeOriginal", "DateTime")
#: Longest piece of a text chunk (a prompt, a generator's settings) quoted in a row.
TEXT_QUOTE_CHARS = 160


def picture_problem(facts: Facts, item: CaseItem) -> str:
    """Why an exhibit has no thumbnail or spectrum, in a few words."""
    if item.evidence is None:
        return "the file was rejected at intake"
    figure = next((f for f in facts.figures if f.exhibit == item.exhibit), None)
    if figure is not None and figure.problem:
        return figure.problem
    check = facts.files.get(item.exhibit)
    if check is not None and check.flagged:
        return f"the file is {check.status}"
    return "the image was not fingerprinted"


def metadata_line(item: CaseItem) -> str:
    """EXIF fields a camera or editor writes, text chunks quoted short, ICC and intake notes."""
    evidence = item.evidence
    exif = evidence.exif if evidence is not None else {}
    found = [f"{tag} {exif[tag]}" for tag in SHOWN_TAGS if exif.get(tag)]
    other = len([tag for tag in exif if tag not in SHOWN_TAGS])
    parts = ["EXIF " + ("; ".join(found) if found else "none" if not exif else "with no camera or software field")
             + (f" (+{other} other tag(s))" if other else "")]
    for key, value in (evidence.text_metadata if evidence is not None else {}).items():
        quoted = value if len(value) <= TEXT_QUOTE_CHARS else f"{value[:TEXT_QUOTE_CHARS]}... ({len(value)} characters)"
        parts.append(f"text '{key}': {quoted}")
    if evidence is not None and evidence.has_icc_profile:
        parts.append("ICC profile")
    parts += list(evidence.notes if evidence is not None else [])
    return "<b>Metadata:</b> " + clipped("; ".join(parts), 1_500)


def decision_words(decision: Decision) -> str:
    """'<b>G</b> named' or the plain words of no decision."""
    return f"{bold(decision.decision)} named" if decision.named else markup(UNKNOWN_TEXT)


def support_text(decision: Decision) -> str:
    """'moderate support, LR 45': the strength of the first-ranked generator's LR, or why none."""
    first = decision.best
    if first is None or first.lr is None:
        return "<i>no likelihood ratio recorded</i>"
    return f"{markup(lr_words(first.lr))}, LR {markup(format_lr(first.lr))}"


def ranking_lines(decision: Decision | None) -> list[str]:
    """The decision, its support, and the top of the ranking (similarity, LR), one per line."""
    if decision is None:
        return ["<i>not attributed</i>"]
    lines = [f"<b>Decision:</b> {decision_words(decision)}", support_text(decision)]
    for rank, match in enumerate(decision.matches[:TOP_MATCHES], start=1):
        lr = format_lr(match.lr) if match.lr is not None else "no LR"
        lines.append(f"{rank}. {markup(match.generator)} {match.similarity:.3f}, {lr}")
    if len(decision.matches) > TOP_MATCHES:
        lines.append(f"<i>+{len(decision.matches) - TOP_MATCHES} less similar</i>")
    if decision.comparison:
        lines.append(markup(decision.comparison))
    first = decision.best
    if first is not None and decision.closed_set_lr is not None:
        lines.append("<font size=6 color='#555555'>" + markup(closed_set_brief(
            first.generator, decision.closed_set_lr, len(decision.matches))) + "</font>")
    return lines
