"""Section 1 of the report, its first page: the case, the question, and one line per exhibit.

A reader with five minutes reads this page and nothing else, so each exhibit's line says
everything the report concludes about it, in the words the rest of the report justifies:
a thumbnail to recognise it, the decision the stored policy made (the generator named,
or that no enrolled generator was supported), the strength of support in ENFSI words
with the likelihood ratio behind them, and what the file itself declares about its maker.
Nothing here is decided again; every cell is read from the stored decision.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from reportlab.platypus import Spacer

from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.core.case import CaseItem
from forensics_app.core.case.check import failed_openings
from forensics_app.core.display_text import normal_form_note
from forensics_app.core.provenance import declaration
from forensics_app.core.report.bottom_line import bottom_line
from forensics_app.core.report.checks import evidence_path
from forensics_app.core.report.decision import Decision
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.provenance_section import against_fingerprint
from forensics_app.core.report.layout import (
    WIDTH, Cell, bold, clipped, field_table, markup, para, paragraph_styles, red, ruled_table, stated,
)
from forensics_app.core.report.exhibit_text import decision_words, support_text
from forensics_app.core.report.pictures import placeholder, thumbnail

#: Side of a thumbnail in the summary table, in points.
SUMMARY_THUMBNAIL = 20.0
TITLE = "Evidence report: attribution of images to the generative model that made them"


def summary_section(facts: Facts) -> list:
    """Title, the case in a few fields, the bottom line, a one-sentence tally, and the table of exhibits."""
    styles = paragraph_styles()
    return [
        para(TITLE, styles.title),
        para("1. Summary", styles.h1),
        field_table(_case_pairs(facts), key_width=120),
        Spacer(1, 5),
        para(bottom_line(facts), styles.body),
        Spacer(1, 3),
        para(_tally(facts), styles.body),
        _exhibit_table(facts),
    ]


def _case_pairs(facts: Facts) -> list[tuple[str, Cell]]:
    case, styles = facts.case, paragraph_styles()
    source_sha256 = case.source_sha256
    who = ", ".join(v for v in (case.examiner, case.organisation) if v)
    return [
        ("Case reference", para(stated(case.reference))),
        ("Question asked", para(stated(case.question))),
        ("Examiner, organisation", para(stated(who))),
        ("Case opened / report written", para(markup(f"{case.created} / {facts.generated} (UTC)"))),
        ("Case identifier", para(markup(case.case_id), styles.hash)),
        ("Case file SHA-256 (as opened)", para(markup(source_sha256), styles.hash) if source_sha256
         else para("the case was not opened from a file (written from the open window before saving)")),
    ]


def _tally(facts: Facts) -> str:
    items = facts.case.items
    fingerprinted = sum(1 for item in items if item.embedding is not None)
    rejected = sum(1 for item in items if item.error)
    named = sum(1 for d in facts.decisions.values() if d.named)
    flagged = [f.exhibit for f in facts.files.values() if f.flagged]
    text = (f"{len(items)} file(s) examined: {fingerprinted} fingerprinted, {rejected} rejected at intake. "
            f"Of {len(facts.decisions)} attributed, a generator was named for {named} under the decision policy "
            f"(section 2); for {len(facts.decisions) - named}, {UNKNOWN_TEXT}. Strength of support is the ENFSI "
            "wording of the likelihood ratio (LR) of the generator ranked first; each exhibit's detail is in section 4.")
    markup_text = markup(text)
    if flagged:
        markup_text += " " + red(f"{len(flagged)} file(s) changed or went missing since intake: {', '.join(flagged)}.")
    return markup_text + integrity_alarm(facts)


def integrity_alarm(facts: Facts) -> str:
    """Red words on page 1 when the case failed a re-check, now or at any earlier opening.

    An earlier failure stays on record in the audit log (an ``integrity`` entry), so a case
    that was saved again after a tampered opening, and sealed anew, still says so here.
    """
    found = []
    if facts.case_check.problems:
        found.append(f"the case file does not agree with itself ({len(facts.case_check.problems)} finding(s), listed "
                     "in section 4): it may have been edited outside the program")
    earlier = [entry.time for entry in failed_openings(facts.case)]
    if earlier:
        found.append(f"the audit log records {len(earlier)} opening(s) at which the case failed its re-check "
                     f"({', '.join(earlier[:5])}{' ...' if len(earlier) > 5 else ''}; section 8)")
    return (" " + red("Integrity: " + "; ".join(found) + ".")) if found else ""


def _exhibit_table(facts: Facts) -> object:
    rows: list[list[Cell]] = [["Exhibit", "", "File", "Decision under the policy", "Strength of support",
                               "The file declares"]]
    for item in facts.case.items:
        rows.append([bold(item.exhibit), _thumbnail(facts, item), para(_file(item)),
                     para(_decision(item, facts.decisions.get(item.exhibit))),
                     para(_support(facts, item)), para(_declares(facts, item))])
    return ruled_table(rows, [38, SUMMARY_THUMBNAIL + 6, 124, 94, 140, WIDTH - 402 - SUMMARY_THUMBNAIL])


def _thumbnail(facts: Facts, item: CaseItem) -> object:
    figure = next((f for f in facts.figures if f.exhibit == item.exhibit), None)
    if figure is not None and figure.thumbnail is not None:
        return thumbnail(figure.thumbnail, SUMMARY_THUMBNAIL, "")
    return placeholder("none", SUMMARY_THUMBNAIL)


def _file(item: CaseItem) -> str:
    path = Path(evidence_path(item))
    form = " (stored in another Unicode form: see section 4)" if normal_form_note(path.name) else ""
    name = unicodedata.normalize("NFC", path.name) + form
    return f"{clipped(name, 120)}<br/><font size=6 color='#555555'>{clipped(path.parent, 240)}</font>"


def _decision(item: CaseItem, decision: Decision | None) -> str:
    if item.error:
        return red("rejected at intake") + f"<br/>{markup(item.error)}"
    if decision is None:
        return "<i>not attributed</i>"
    return decision_words(decision)


def _support(facts: Facts, item: CaseItem) -> str:
    decision = facts.decisions.get(item.exhibit)
    if decision is None:
        return "-"
    text = support_text(decision)
    first = decision.best
    if not decision.named and first is not None:
        text += f"<br/><font size=6 color='#555555'>{markup(first.generator)} ranked first</font>"
    return text


def _declares(facts: Facts, item: CaseItem) -> str:
    if not item.evidence:
        return "-"
    entries = list(item.provenance or ())
    if not entries:
        return "<i>not read</i>"
    flag = against_fingerprint(item, facts.decisions.get(item.exhibit)).flag
    if flag:
        return red(f"{flag}:") + " " + markup(declaration(entries))
    return markup(declaration(entries))
