"""Section 7 of the report: the conclusions, the limitations that bound them, the signature.

The propositions are stated once, and with them the one sentence every exhibit's
conclusion takes: the support its likelihood ratio gives to "the generator ranked first
made the image" against "another source made it", in the words of the LR's own band and
never stronger, written out for each exhibit.  Where the policy named no generator the
sentence says so: the generator ranked first then only frames the propositions, it is
not a finding.
"""

from __future__ import annotations

from reportlab.platypus import KeepTogether, Spacer

from forensics_app.core.decision.attribution import UNKNOWN_TEXT
from forensics_app.core.decision.likelihood import format_lr, support_sentence
from forensics_app.core.report.decision import Decision
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import WIDTH, bold, markup, para, paragraph_styles, red, ruled_table, stated
from forensics_app.core.report.wording import PROPOSITIONS, STANDING_LIMITATIONS, STATEMENT_FORM, lr_words

#: Fewer references than this and a generator is named among the limitations.
FEW_REFERENCES = 5


def conclusions_section(facts: Facts) -> list:
    styles = paragraph_styles()
    story = [para("7. Conclusions", styles.h1), para(PROPOSITIONS, styles.body)]
    if facts.stored.policy is None:
        story.append(para(red("The case records no decision policy (section 2); the decisions reported are those the "
                              "case recorded."), styles.warning))
    attributed = list(facts.decisions.values())
    if not attributed:
        story.append(para("<i>No image was attributed, so no conclusion on a source model is drawn.</i>", styles.body))
        return story + _limitations_story(facts) + _signature_story(facts)
    named = sum(1 for d in attributed if d.named)
    story.append(para(markup(f"Of {len(attributed)} attributed image(s), {named} had a generator named under the "
                             f"decision policy; for {len(attributed) - named}, {UNKNOWN_TEXT}. ") + STATEMENT_FORM,
                      styles.body))
    rows = [["Exhibits", "Conclusion"]] + [[markup(", ".join(d.exhibit for d in group)), conclusion_sentence(group)]
                                           for group in concluding_alike(attributed)]
    story.append(ruled_table(rows, [110, WIDTH - 110]))
    flagged = [d.exhibit for d in attributed if (check := facts.files.get(d.exhibit)) is not None and check.flagged]
    if flagged:
        story.append(para(red("The files of " + ", ".join(flagged) + " no longer hold the bytes analysed; their "
                              "conclusions concern the files as taken in."), styles.warning))
    return story + _limitations_story(facts) + _signature_story(facts)


def concluding_alike(decisions: list[Decision]) -> list[list[Decision]]:
    """Exhibits whose conclusion is one sentence: the same generator ranked first, the same
    words of support, the same decision; in the order of their first exhibit."""
    groups: dict[tuple, list[Decision]] = {}
    for decision in decisions:
        first = decision.best
        key = ((first.generator, lr_words(first.lr), decision.named, decision.naming_lr)
               if first is not None and first.lr is not None else (decision.exhibit,))
        groups.setdefault(key, []).append(decision)
    return list(groups.values())


def conclusion_sentence(group: list[Decision]) -> str:
    """The conclusion of exhibits :func:`concluding_alike` grouped, in the ENFSI form (markup)."""
    first = group[0].best
    if first is None or first.lr is None:
        return "<i>No likelihood ratio was recorded for this exhibit, so no conclusion is drawn.</i>"
    subject = "the exhibit" if len(group) == 1 else "each of these exhibits"
    sentence = support_sentence(first.lr, f"{first.generator} made {subject}", "another source made it")
    lrs = sorted(d.best.lr for d in group)
    strength = f"LR {format_lr(lrs[0])}" if len(lrs) == 1 or lrs[0] == lrs[-1] else \
        f"LRs {format_lr(lrs[0])} to {format_lr(lrs[-1])}"
    if group[0].named:
        verdict = f"{first.generator} is named: the LR reaches the naming level"
    else:
        level = f" of {format_lr(group[0].naming_lr)}" if group[0].naming_lr else ""
        verdict = f"{first.generator} is not named: the LR is below the naming level{level}"
    return markup(f"{sentence[:-1]} ({strength}). {verdict}.")


def _limitations_story(facts: Facts) -> list:
    styles = paragraph_styles()
    items = [*STANDING_LIMITATIONS, *_case_limitations(facts)]
    return [para("Limitations", styles.h2)] + [para(f"&bull; {text}", styles.body) for text in items]


def _case_limitations(facts: Facts) -> list[str]:
    """Limitations that the data of this very case brings."""
    found = []
    generators = facts.case.library.generators if facts.case.library is not None else ()
    few = [g for g in generators if g.reference_count < FEW_REFERENCES]
    if few:
        named = ", ".join(f"{g.name} ({g.reference_count})" for g in few)
        found.append(f"<b>In this case</b>, these generators have fewer than {FEW_REFERENCES} references: "
                     + markup(named) + ".")
    level = facts.naming_lr
    other = [d.exhibit for d in facts.decisions.values()
             if level is not None and d.naming_lr is not None and abs(d.naming_lr - level) > 1e-9]
    if other:
        found.append("<b>In this case</b>, these images were decided at another naming level than the policy stated in "
                     "section 2 (analyse the case again to decide them alike): " + markup(", ".join(other)) + ".")
    if not facts.validation.validated:
        found.append("<b>In this case</b>, the extractor's error rates on real generators are not validated "
                     "(section 3).")
    padded = [item.exhibit for item in facts.analysis.items if item.padded]
    if padded:
        found.append("<b>In this case</b>, these images are smaller than one crop and were padded by mirroring, which "
                     "makes their fingerprints less reliable: " + markup(", ".join(padded)) + ".")
    lossy = [item.exhibit for item in facts.analysis.items if item.format in ("JPEG", "WEBP", "MPO")]
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
