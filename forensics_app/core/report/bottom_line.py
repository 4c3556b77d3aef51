"""The bottom line on page 1: what was asked, what the evidence supports, what it cannot say.

An editor or a prosecutor reads one paragraph.  It is built from the same stored decisions,
declarations and validation figures the rest of the report states, so it can say nothing
the later sections do not justify: generators are named only where the policy named them,
with the weakest support among their exhibits, and the known error rates are those the
model card records at the policy's naming level, or the paragraph says they are unknown.
"""

from __future__ import annotations

from collections import defaultdict

from forensics_app.core.decision.likelihood import format_lr, support_words
from forensics_app.core.provenance.c2pa_chain import GENERATED_SOURCES
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import markup, red
from forensics_app.core.report.provenance_section import against_fingerprint
from forensics_app.core.report.validation import rate

#: How many exhibit numbers a sentence lists before it counts the rest.
LISTED = 6


def bottom_line(facts: Facts) -> str:
    """The paragraph, as markup."""
    case, decisions = facts.case, facts.decisions
    asked = case.question.strip() if case.question and case.question.strip() else \
        "which of the enrolled generative models made each image"
    generators = case.library.generator_count if case.library is not None else 0
    sentences = [f"Asked: {asked.rstrip('.?')}?", f"{len(case.items)} file(s) were examined against {generators} "
                                                   "enrolled generator(s)."]
    named: dict[str, list] = defaultdict(list)
    for decision in decisions.values():
        if decision.named:
            named[decision.decision].append(decision)
    for generator, group in named.items():
        weakest = min((d.best.lr for d in group if d.best is not None and d.best.lr is not None), default=None)
        support = f", with {support_words(weakest)} at the weakest (LR {format_lr(weakest)})" if weakest else ""
        sentences.append(f"The fingerprint supports {generator} as the source of {_exhibits(group)}{support}.")
    unnamed = [d for d in decisions.values() if not d.named]
    if unnamed:
        sentences.append(f"For {_exhibits(unnamed)}, the evidence does not reach the naming level: no generator is "
                         "named, and the generator ranked first is not a finding.")
    if not decisions:
        sentences.append("No image was attributed, so the report concludes nothing on a source model.")
    sentences += _declarations(facts)
    sentences.append(_limits(facts))
    text = markup(" ".join(sentences))
    contradicted = [item.exhibit for item in case.items
                    if against_fingerprint(item, decisions.get(item.exhibit)).contradicts]
    if contradicted:
        text += " " + red(f"What {_listed(contradicted)} declare(s) about its maker contradicts the fingerprint's "
                          "ranking (section 4): look at both before relying on either.")
    return "<b>Bottom line.</b> " + text


def _declarations(facts: Facts) -> list[str]:
    signed_generated, partly = [], []
    for item in facts.case.items:
        entries = list(item.provenance or ())
        sources = {e.source_type for e in entries if e.bound}
        if "trainedAlgorithmicMedia" in sources:
            signed_generated.append(item.exhibit)
        elif sources & GENERATED_SOURCES:
            partly.append(item.exhibit)
    said = []
    if signed_generated:
        said.append(f"validly signed Content Credentials declare {_listed(signed_generated)} made by a generative model")
    if partly:
        said.append(f"they declare {_listed(partly)} partly generated (a composite)")
    if not said:
        return []
    text = "; ".join(said)
    return [text[0].upper() + text[1:] + ". That is the files' own claim, bound to their bytes, apart from the "
            "fingerprint; who signed is as the signer's certificate states it unless a trust list confirms it "
            "(section 4)."]


def _limits(facts: Facts) -> str:
    """What the evidence cannot say, with the known error rates at the policy's naming level."""
    words = ("It cannot say that an image comes from a generator that is not enrolled, nor that it is a camera "
             "photograph: a low likelihood ratio is no evidence of either, and whether an image was generated at all "
             "is not answered (section 3).")
    if not facts.validation.validated:
        return words + " The method's error rates on real generators are not validated for this case (section 3)."
    open_set = (facts.validation.figures or {}).get("open_set") or {}
    level = open_set.get("naming_lr")
    if level is None or facts.naming_lr is None or abs(float(level) - facts.naming_lr) > 1e-9:
        return words + " The recorded error rates were measured at another naming level than this case's (section 3)."
    words += (f" In validation on real generators at this naming level, {rate(open_set.get('correct_attribution_rate'))} "
              f"of images of enrolled generators were named rightly and {rate(open_set.get('false_attribution_rate'))} "
              "of images of other sources were wrongly named (section 3).")
    return words + _matched_limits(facts)


def _matched_limits(facts: Facts) -> str:
    """The rates for re-encoded probes, where images were compared in matched conditions."""
    matched = [d.exhibit for d in facts.decisions.values() if d.matched and not d.brought_down]
    down = [d.exhibit for d in facts.decisions.values() if d.brought_down]
    brought = (f" {_listed(down)} {'was' if len(down) == 1 else 'were'} stored with less loss than the library's "
               "most compressed reference and re-encoded down to its quality before the comparison (section 2); "
               "the error rates of such comparisons are not validated." if down else "")
    return (_jpeg_matched_limits(facts, matched) if matched else "") + brought


def _jpeg_matched_limits(facts: Facts, matched: list[str]) -> str:
    """What validation says of JPEG probes compared with the references re-encoded at their quality."""
    jpeg = (facts.validation.figures or {}).get("jpeg_probes") or {}
    said = (f" {_listed(matched)} {'was' if len(matched) == 1 else 'were'} stored as JPEG and compared with the "
            "references re-encoded at their quality (section 2)")
    every = (jpeg.get("matched") or {}).get("all") or {}
    if not every:
        return said + "; the error rates of such comparisons are not validated."
    level = jpeg.get("naming_lr")
    if level is None or facts.naming_lr is None or abs(float(level) - facts.naming_lr) > 1e-9:
        return said + "; their validation was measured at another naming level than this case's (section 3)."
    return (said + f"; in validation with probes saved again as JPEG {jpeg.get('quality', '?')} and compared so, "
            f"{rate(every.get('named_rightly'))} of images of enrolled generators were named rightly and "
            f"{rate(every.get('others_named'))} of images of other sources were named.")


def _exhibits(decisions: list) -> str:
    exhibits = [d.exhibit for d in decisions]
    return exhibits[0] if len(exhibits) == 1 else f"{len(exhibits)} images ({_listed(exhibits)})"


def _listed(exhibits: list[str]) -> str:
    if len(exhibits) <= LISTED:
        return ", ".join(exhibits)
    return f"{', '.join(exhibits[:LISTED])} and {len(exhibits) - LISTED} more"
