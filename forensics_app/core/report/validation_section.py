"""Section 3 of the report: the known error rates of the method, or that it is not validated.

A reader weighs a conclusion by how often the method errs, so the section quotes the
extractor's validation on real generators from its model card: what it was measured on,
how often the right generator came first, how good and how misleading its likelihood
ratios were, and how often it named a source that was never enrolled.  Where the card
has none, it says "not validated", plainly, and nothing is estimated in its place.
"""

from __future__ import annotations

from reportlab.platypus import Spacer

from forensics_app.core.decision.likelihood import format_lr
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import WIDTH, Cell, field_table, markup, para, paragraph_styles, red, ruled_table
from forensics_app.core.report.validation import figure, pair_figures, rate

NOT_VALIDATED = "Not validated"


def validation_section(facts: Facts) -> list:
    styles, validation = paragraph_styles(), facts.validation
    story = [para("3. Known error rates", styles.h1)]
    if not validation.validated:
        return story + [para(red(f"{NOT_VALIDATED}: {validation.problem}.") + " The rates at which this method errs "
                             "on real generators are therefore not known for this report, and its conclusions must "
                             "be weighed with that in mind.", styles.warning)]
    dev = validation.figures or {}
    story += [
        para("How often the method errs was measured by the program's validation protocol on labelled images of real "
             "generators, not on the images of this case. Half of the generators were enrolled at a time (seeded "
             "draws) with their likelihood ratios calibrated exactly as the program calibrates them, and every other "
             "image was a probe. The figures describe the extractor on that dataset; on images of other generators, "
             "other sizes, or after recompression, they may differ.", styles.body),
        field_table(_rows(dev), key_width=150),
        *_naming_warning(facts, dev),
        Spacer(1, 4),
        _per_generator_table(dev),
    ]
    return story


def _rows(dev: dict) -> list[tuple[str, Cell]]:
    open_set = dev.get("open_set") or {}
    misleading = dev.get("misleading") or {}
    verification = dev.get("verification") or {}
    called = verification.get("called_one_source") or {}
    single = dev.get("single_generator_library") or {}
    level = _level(open_set.get("naming_lr"))
    rows: list[tuple[str, Cell]] = [
        ("Measured with", para(markup(dev.get("command") or "not recorded"), paragraph_styles().hash)),
        ("Dataset", para(markup(_dataset(dev)))),
        ("Identification (1:N)", para(markup(
            f"{rate(dev.get('accuracy'))} of images ranked their own generator first among all {dev.get('models', '?')} "
            f"generators (standard deviation {rate(dev.get('accuracy_std'))} over draws); image size alone would rank "
            f"{rate(dev.get('size_only_accuracy'))} correctly"))),
        ("Verification ROC-AUC", para(markup(
            f"{figure(dev.get('auc'))}: how well the raw cosine similarity of two images separates pairs of one "
            "generator from pairs of two (1 is perfect, 0.5 is chance)"))),
        ("Cllr and Cllr_min", para(markup(
            f"Cllr {figure(dev.get('cllr'))}, Cllr_min {figure(dev.get('cllr_min'))}: the cost of the likelihood "
            "ratios of images against enrolled generators (0 is perfect, 1 is a system that says nothing); Cllr_min "
            "is the cost the same comparisons would have with the best possible calibration"))),
        ("Misleading evidence", para(markup(
            f"{rate(misleading.get('same_source'))} of comparisons of an image with its own generator gave an LR below "
            f"1; {rate(misleading.get('different_source'))} of comparisons with another generator gave an LR above 1"))),
        (f"Open set, naming at {level}", para(markup(
            f"a generator was named for {rate(open_set.get('false_attribution_rate'))} of images whose source was not "
            f"enrolled (false attribution); the right generator was named for "
            f"{rate(open_set.get('correct_attribution_rate'))} of images of enrolled generators (correct attribution); "
            f"{open_set.get('enrolled_per_draw', '?')} generator(s) enrolled per draw, {open_set.get('draws', '?')} "
            f"draw(s), {open_set.get('refs', '?')} reference(s) each"))),
        (f"Two images called one source, at {_level(verification.get('naming_lr'))}", para(markup(
            f"{rate(called.get('same_source'))} of pairs of one generator; {rate(called.get('different_source'))} of "
            "pairs of two different sources"))),
        ("Closed set (which enrolled generator, if one of them)", para(markup(_closed_text(dev.get("closed_set") or {})))),
        ("Library of one generator", para(markup(_single_text(single)))),
        ("Probes re-encoded as JPEG", para(markup(jpeg_probe_text(dev.get("jpeg_probes") or {})))),
        ("Generated or camera photograph", para(markup(origin_text(dev.get("generated_or_camera") or {})))),
    ]
    within = dev.get("within_size_groups") or {}
    if within:
        rows.append(("Within one image size", para(markup("; ".join(
            f"{size}: {g.get('models', '?')} generators, {rate(g.get('accuracy'))} ranked first (chance "
            f"{rate(g.get('chance'))})" for size, g in within.items())))))
    return rows


def _level(naming_lr: object) -> str:
    return f"LR {format_lr(float(naming_lr))}" if isinstance(naming_lr, (int, float)) else "the naming level"


def _dataset(dev: dict) -> str:
    text = (f"{dev.get('images', '?')} images of {dev.get('models', '?')} generators, {dev.get('refs', '?')} reference "
            f"image(s) per enrolled generator, {dev.get('seeds', '?')} random draw(s)")
    never = dev.get("never_enrolled") or []
    if never:
        text += "; sources never enrolled (probes only): " + ", ".join(map(str, never))
    return text


def _closed_text(closed: dict) -> str:
    if closed.get("cllr") is None:
        return "not measured: the closed-set likelihood ratios shown carry no known error rates"
    misleading = closed.get("misleading") or {}
    return (f"Cllr {figure(closed.get('cllr'))} (Cllr_min {figure(closed.get('cllr_min'))}) on images of enrolled "
            f"generators against every enrolled generator; {rate(misleading.get('same_source'))} of their own "
            f"generator's closed-set LRs were below 1, {rate(misleading.get('different_source'))} of the others' above "
            "1. Images of other sources are left out: the closed set assumes an enrolled generator made the image")


def jpeg_probe_text(figures: dict) -> str:
    """The same decisions with every probe saved again as a JPEG: compared as stored and in matched conditions."""
    if not figures:
        return "not measured"

    def part(mode: str) -> str:
        every = (figures.get(mode) or {}).get("all") or {}
        return (f"{rate(every.get('first_ranked_right'))} ranked their own generator first, "
                f"{rate(every.get('named_rightly'))} named rightly, {rate(every.get('others_named'))} of other sources named")
    text = (f"probes saved again as JPEG quality {figures.get('quality', '?')} ({figures.get('enrolled_per_draw', '?')} "
            f"generators enrolled per draw, {figures.get('draws', '?')} draws, naming at {_level(figures.get('naming_lr'))}): "
            f"as the files were, {part('clean')}; re-encoded and compared with the references as stored, {part('as_stored')}; "
            f"re-encoded and compared in matched conditions (as this program does), {part('matched')}")
    pairs = figures.get("pairs") or {}
    if pairs:
        def pair(mode: str) -> str:
            return pair_figures(pairs.get(mode) or {})
        text += (f". Verification of one re-encoded image against one as it was: in matched conditions (as this "
                 f"program does), {pair('matched')}; compared as stored, {pair('unmatched')}; both as they were, "
                 f"{pair('clean')}")
    return text


def origin_text(origin: dict) -> str:
    """Whether the fingerprint can answer "made by a generative model, or a camera photograph?"."""
    if not origin:
        return "not measured: the program gives no likelihood ratio for it"
    measured = (f"a score learned on the background ({origin.get('fitted_on', 'not recorded')}) separated "
                f"{origin.get('generated_images', '?')} images of real generators from {origin.get('photographs', '?')} "
                f"camera photographs with ROC-AUC {figure(origin.get('auc'))} and Cllr {figure(origin.get('cllr'))} "
                f"(both re-encoded: AUC {figure(origin.get('auc_reencoded'))}, Cllr {figure(origin.get('cllr_reencoded'))})")
    if origin.get("used"):
        return measured
    return (f"not answered: {measured}; that is {origin.get('why', 'not supported by the validation')}, so the "
            "program gives no likelihood ratio for it")


def _single_text(single: dict) -> str:
    if not single:
        return "not measured"
    return (f"with one generator enrolled at a time ({single.get('libraries', '?')} libraries), images of sources never "
            f"enrolled were named as that generator {rate(single.get('never_enrolled_named_rate'))} of the time "
            f"({single.get('probes_each', '?')} images per library)")


def _naming_warning(facts: Facts, dev: dict) -> list:
    measured = (dev.get("open_set") or {}).get("naming_lr")
    level = facts.naming_lr
    if level is None or not isinstance(measured, (int, float)) or abs(float(measured) - level) < 1e-9:
        return []
    return [para(red(f"These rates were measured at a naming level of LR {format_lr(float(measured))}; this case was "
                     f"decided at LR {format_lr(level)}, so its open-set rates are not those above."),
                 paragraph_styles().warning)]


def _per_generator_table(dev: dict) -> object:
    recall = dev.get("recall") or {}
    named = (dev.get("open_set") or {}).get("named_rate_by_source") or {}
    rows: list[list[Cell]] = [["Generator or source", "Ranked first (1:N recall)",
                               "Named when not enrolled (false attribution)"]]
    for name in sorted(set(recall) | set(named)):
        rows.append([markup(name), markup(rate(recall.get(name)) if name in recall else "never enrolled"),
                     markup(rate(named.get(name)))])
    return ruled_table(rows, [190, 120, WIDTH - 310])
