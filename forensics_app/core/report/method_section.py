"""Section 2 of the report: the method, the decision policy in force, and what reproduces it.

The policy is stated here once, in plain words and with its origin, as the case stored
it; every later section refers to it instead of repeating it.  The verbal scale the
conclusions use is printed here too, so the findings sections carry no scale words
beyond those their own likelihood ratios earn.
"""

from __future__ import annotations

from reportlab.platypus import Spacer

from forensics_app.core.case.library_record import LibrarySnapshot, MatchedRecord
from forensics_app.core.decision.closed_set import CLOSED_SET_PREMISE
from forensics_app.core.decision.likelihood import format_lr
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import (
    WIDTH, Cell, field_table, markup, para, paragraph_styles, red, ruled_table, stated,
)
from forensics_app.core.report.wording import NO_POLICY, VERBAL_SCALE, band_text

_SETTING_NAMES = {"crops": "Crops per image", "device": "Device", "max_pixels": "Largest image accepted (pixels)",
                  "perplexity": "Map perplexity (t-SNE)",
                  "threshold": "Similarity threshold (recorded by an earlier version of the program)"}
#: Settings the decision-policy paragraphs state in words; never printed again as raw values.
_STATED_AS_POLICY = ("policy", "naming_lr")


def method_section(facts: Facts) -> list:
    card, styles = facts.card, paragraph_styles()
    config = card.preprocess if facts.card_matches else None
    crops = f"a grid of {config.crops_per_image} crops of {config.crop_size} px" if config else "a grid of crops"
    return [
        para("2. Method, decision policy and reproducibility", styles.h1),
        para(f"Each image is cut into {crops}. From each crop the noise residual (the crop minus its 3 x 3 median) is "
             "taken and the log-magnitude of its Fourier spectrum is given to the extractor, a neural network trained on "
             "thousands of synthetic generative models to give images of one generator nearby fingerprints; the image's "
             "fingerprint is the mean over its crops. Each enrolled generator is represented by the mean fingerprint of "
             "its reference images and compared with the image by cosine similarity. The similarity is turned into a "
             "likelihood ratio by the decision policy below, which also decides whether a generator is named and "
             "which images are grouped as one source (average linkage, cut where the likelihood ratio of a pair of "
             "images reaches the naming level).", styles.body),
        *_policy_story(facts),
        *_scale_story(),
        para("Software", styles.h2),
        para(markup("; ".join(f"{name} {value}" for name, value in facts.versions.items())) + ".", styles.body),
        para("Extractor", styles.h2),
        field_table(_extractor_pairs(facts)),
        para("Settings", styles.h2),
        field_table(_settings_pairs(facts.case.settings.to_dict()) or [("Settings", para("<i>none recorded in the case</i>"))]),
        *_library_story(facts.case.library),
    ]


def _policy_story(facts: Facts) -> list:
    styles, policy = paragraph_styles(), facts.stored.policy
    story = [para("Decision policy", styles.h2)]
    if policy is None:
        return story + [para(red(NO_POLICY) + " " + markup(f"({facts.stored.problem}.)"), styles.warning)]
    story += [
        para("<b>Generators.</b> " + markup(policy.describe()), styles.body),
        para("<b>Groups of images.</b> " + markup(policy.describe(pairs=True)), styles.body),
    ]
    if policy.closed_set is not None:
        calibration = policy.closed_set
        story.append(para("<b>Closed set.</b> " + markup(
            f"Beside each conclusion the report gives a closed-set LR: {CLOSED_SET_PREMISE}, how much more probable "
            "the margin by which the first-ranked generator beats the best other enrolled generator is if it made "
            "the image than if another enrolled generator did. It assumes what the conclusion tests, never names a "
            f"generator and is not a conclusion. It is calibrated on {calibration.source}; the largest it can "
            f"support is {format_lr(10 ** calibration.upper)}."), styles.body))
    matched = facts.case.library.matched if facts.case.library is not None else {}
    for key, record in sorted(matched.items()):
        story.append(para(markup(_matched_words(key, record)), styles.body))
    if not policy.attribution.informative:
        story.append(para(red("Every likelihood ratio of an image against a generator is 1 under this policy, so no "
                              "generator can be named and the findings support neither proposition."), styles.warning))
    return story


def _matched_words(key: str, record: MatchedRecord) -> str:
    """One matched condition's gallery and calibration, as the case stored them."""
    quality = key.split("-", 1)[1] if key.startswith("jpeg-") else key
    if record.policy is not None:
        calibration = record.policy.attribution
        bound = f"; the largest LR it can support is {format_lr(10 ** calibration.upper)}"
        source = f"Its likelihood ratios are calibrated on {calibration.source}"
    else:
        bound, source = "", "Its calibration cannot be read"
    return (f"Matched condition JPEG {quality}: {record.references or 'references not recorded'}. {source}{bound}. "
            "JPEG probes of that quality, and any image stored with less loss than the library's most compressed "
            "reference when that reference is at this quality (re-encoded down to it), were compared with these "
            "references, not with the references as stored.")


def _scale_story() -> list:
    styles = paragraph_styles()
    rows: list[list[Cell]] = [["Likelihood ratio (LR)", "Verbal expression (ENFSI 2015)"]]
    rows += [[markup(band_text(level)), markup(level.words)] for level in VERBAL_SCALE]
    return [
        para("Verbal scale", styles.h2),
        para("Each likelihood ratio is put into the words of the ENFSI Guideline for Evaluative Reporting in Forensic "
             "Science (2015). An LR below 1 earns the words of 1/LR, for the alternative proposition.", styles.body),
        ruled_table(rows, [140, WIDTH - 140]),
    ]


def _setting(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (dict, list, tuple)):
        return "recorded in the case file (structured value)"
    return str(value)


def _settings_pairs(settings: dict) -> list[tuple[str, Cell]]:
    return [(_SETTING_NAMES.get(key, key), para(markup(_setting(value))))
            for key, value in settings.items() if key not in _STATED_AS_POLICY]


def _extractor_pairs(facts: Facts) -> list[tuple[str, Cell]]:
    case, card, styles = facts.case, facts.card, paragraph_styles()
    pairs: list[tuple[str, Cell]] = [
        ("Extractor id", para(stated(case.extractor.id if case.extractor else None, "not recorded"))),
        ("Weights SHA-256", para(markup((case.extractor.sha256 if case.extractor else "") or "not recorded"),
                                 styles.hash)),
    ]
    if card is None:
        return pairs + [("Model card", para("<i>not available when the report was written; the identity above is "
                                            "the one stored in the case</i>"))]
    if not facts.card_matches:
        return pairs + [("Model card", para(red(f"the installed extractor {card.extractor_id} is not the one the case "
                                                "was computed with; its card is not used in this report")))]
    training = card.extra.get("training") or {}
    pairs += [
        ("Name", para(stated(card.extra.get("name"), "not given"))),
        ("Weights created", para(stated(card.extra.get("created"), "not given"))),
        ("Architecture", para(markup(f"{card.network.backbone}, embedding size {card.network.embedding_dim}"))),
        ("Fingerprint streams", para(markup(_streams_text(card)))),
        ("Training command", para(stated(training.get("command"), "not given"), styles.hash)),
        ("Background population", para(_background_text(facts.validation.background))),
    ]
    return pairs


def _background_text(background: dict) -> str:
    """The shipped population of other sources the likelihood ratios are calibrated against."""
    if not background:
        return "<i>none shipped with the extractor</i>"
    sources = background.get("sources") or {}
    kinds: dict[str, int] = {}
    for name, count in sources.items():
        kind = str(name).split("/", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + int(count)
    parts = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
    text = f"{background.get('images', '?')} images of sources never enrolled" + (f" ({parts})" if parts else "")
    if background.get("note"):
        text += f"; {background['note']}"
    if background.get("command"):
        text += f"; made with: {background['command']}"
    if background.get("sha256"):
        text += f"; SHA-256 {background['sha256']}"
    return markup(text)


def _library_story(library: LibrarySnapshot | None) -> list:
    styles = paragraph_styles()
    story = [para("Library of enrolled generators", styles.h2)]
    if library is None:
        return story + [para("<i>No library snapshot is recorded in the case: the images were not attributed.</i>", styles.body)]
    story.append(field_table([
        ("Snapshot SHA-256", para(markup(library.content_sha256 or "not recorded"), styles.hash)),
        ("Made with extractor", para(stated(library.extractor_id or None, "not recorded"))),
        ("Generators, references", para(markup(f"{library.generator_count} generator(s), "
                                               f"{library.reference_count} reference image(s)"))),
    ]))
    generators = library.generators
    if generators:
        story.append(Spacer(1, 4))
        rows: list[list[Cell]] = [["Generator", "Family", "References"]]
        rows += [[markup(g.name), stated(g.family, "-"), markup(g.reference_count)] for g in generators]
        story.append(ruled_table(rows, [260, 180, WIDTH - 440]))
    return story



def _streams_text(card) -> str:
    """The back-end beside the learned stream, as the card states it (sealed with it)."""
    backend = card.backend_entry
    if not backend:
        return "the learned spectrum stream alone"
    return (f"the learned spectrum stream and {backend.get('description', 'residual statistics')}; "
            f"fingerprint length {card.embedding_dim}; back-end SHA-256 {backend.get('sha256', 'not given')}")
