"""The extractor's model card told in sentences, for the About box.

The card is JSON written for machines and for the report; an analyst asked "which
weights, trained how, how good" should not have to read braces.  Each paragraph here
says one of those things, from the card's own fields, and is left out when the card
does not hold them (weights trained by an older recipe, a test extractor).  Every value
is escaped: a card is a file, and its text is shown, never interpreted.
"""

from __future__ import annotations

from html import escape
from typing import Any


def _pct(value: Any) -> str:
    return f"{100 * float(value):.1f}%"


def _num(value: Any, digits: int = 3) -> str:
    return f"{float(value):.{digits}f}"


def _code(text: Any) -> str:
    return f"<code>{escape(str(text))}</code>"


def _paragraph(title: str, sentences: list[str]) -> str:
    sentences = [s for s in sentences if s]
    return f"<p><b>{escape(title)}.</b> {' '.join(sentences)}</p>" if sentences else ""


def identity(card: dict) -> str:
    """Which weights: id, name, date and the hash that ties results to them."""
    network = card.get("network") or {}
    preprocess = card.get("preprocess") or {}
    sentences = [f"Extractor <b>{escape(str(card.get('extractor_id', '?')))}</b>"
                 + (f", {escape(str(card['name']))}" if card.get("name") else "")
                 + (f", made {escape(str(card['created'])[:10])}" if card.get("created") else "") + "."]
    if card.get("sha256"):
        sentences.append(f"Weights SHA-256 {_code(card['sha256'])}.")
    if network:
        grid = int(preprocess.get("grid", 1) or 1)
        crops = f"a {grid} x {grid} grid of" if grid > 1 else "one"
        sentences.append(
            f"A {escape(str(network.get('backbone', 'network')))} network turns the noise-residual spectrum of "
            f"{crops} {escape(str(preprocess.get('crop_size', '?')))} px crops into a "
            f"{escape(str(network.get('embedding_dim', '?')))}-number fingerprint.")
    return _paragraph("Weights", sentences)


def _training_sentences(training: dict) -> list[str]:
    """One training record (a stage of the weights) as sentences."""
    settings = training.get("recipe") or {}
    sentences = []
    if training.get("synthetic_models"):
        what = f"Trained on {int(training['synthetic_models']):,} synthetic generative models"
        if settings.get("architectures"):
            what += f" of {int(settings['architectures']):,} architectures"
        if settings.get("name"):
            what += f" (recipe '{escape(str(settings['name']))}')"
        sentences.append(what + ", none of them a generator the program is asked about.")
    if training.get("steps"):
        minutes = f" in {float(training['seconds']) / 60:.0f} minutes" if training.get("seconds") else ""
        machine = f" on {escape(str(training['machine']))}" if training.get("machine") else ""
        sentences.append(f"{int(training['steps']):,} training steps{minutes}{machine}.")
    if training.get("photo_sources"):
        sentences.append("Photographs under the synthetic traces: "
                         + ", ".join(escape(str(s)) for s in training["photo_sources"]) + ".")
    if training.get("command"):
        sentences.append(f"Command: {_code(training['command'])}.")
    return sentences


def recipe(card: dict) -> str:
    """How the weights were trained, stage by stage: weights continued from others say
    which, and how those were trained, so the steps and time shown are never only the last stage's."""
    training = card.get("training") or {}
    if not training:
        return ""
    sentences = _training_sentences(training)
    start = training.get("initial_weights") or {}
    while start:
        sentences.append(f"These steps continued from extractor {_code(str(start.get('extractor_id', '?')))} "
                         f"(SHA-256 {_code(str(start.get('sha256', '?')))}), itself trained as follows.")
        earlier = start.get("training") or {}
        sentences += _training_sentences(earlier)
        start = earlier.get("initial_weights") or {}
    return _paragraph("Training", sentences)


def dev_figures(card: dict) -> str:
    """What the weights reach on real generators they never saw, in words an analyst can quote."""
    dev = (card.get("figures") or {}).get("dev_generators") or {}
    if not dev:
        return ""
    sentences = []
    if dev.get("accuracy") is not None:
        models = int(dev.get("models") or 0)
        chance = f" (chance: {_pct(1 / models)})" if models else ""
        sentences.append(
            f"Tested on {models} real generators it never saw ({int(dev.get('images') or 0):,} images, "
            f"{dev.get('refs', '?')} references each, {dev.get('seeds', '?')} draws): the right generator ranks "
            f"first for {_pct(dev['accuracy'])} of the images{chance}.")
    if dev.get("auc") is not None:
        sentences.append(f"Telling whether two images share a source: ROC-AUC {_num(dev['auc'], 2)}"
                         " (0.5 is guessing, 1 is perfect).")
    if dev.get("cllr") is not None:
        minimum = f" (the best a calibration could reach: {_num(dev['cllr_min'])})" if dev.get("cllr_min") else ""
        sentences.append(f"The likelihood ratios score Cllr {_num(dev['cllr'])}{minimum}; below 1 means more "
                         "informative than saying nothing.")
    misleading = dev.get("misleading") or {}
    if misleading:
        sentences.append(f"Misleading evidence: {_pct(misleading.get('same_source', 0))} of same-source "
                         f"comparisons gave an LR below 1, {_pct(misleading.get('different_source', 0))} of "
                         "different-source comparisons an LR above 1.")
    open_set = dev.get("open_set") or {}
    if open_set.get("false_attribution_rate") is not None:
        level = open_set.get("naming_lr", 10)
        sentences.append(
            f"Naming at LR {float(level):g} or more, images of generators not enrolled (and camera photographs) "
            f"were named as an enrolled one {_pct(open_set['false_attribution_rate'])} of the time; images of "
            f"enrolled generators were named correctly {_pct(open_set.get('correct_attribution_rate', 0))} of "
            "the time.")
    recall = dev.get("recall") or {}
    if recall:
        weakest = sorted(recall.items(), key=lambda kv: kv[1])[:3]
        sentences.append("Most often confused: " + ", ".join(f"{escape(k)} (found {_pct(v)})" for k, v in weakest)
                         + ".")
    return _paragraph("Known error rates", sentences)


def background(card: dict) -> str:
    """The population the likelihood ratios are calibrated against."""
    population = card.get("background") or {}
    if not population:
        return ""
    sources = population.get("sources") or {}
    photos = sum(int(n) for k, n in sources.items() if str(k).startswith("photo/"))
    generators = {str(k).split("/", 1)[1]: int(n) for k, n in sources.items() if str(k).startswith("generator/")}
    parts = []
    if photos:
        parts.append(f"{photos:,} photographs, each its own source")
    if generators:
        parts.append("the outputs of " + ", ".join(f"{escape(k)} ({n})" for k, n in generators.items()))
    total = population.get("images")
    sentences = [f"Likelihood ratios are calibrated against {int(total):,} images of other sources"
                 + (f": {' and '.join(parts)}" if parts else "") + "." if total else ""]
    if population.get("sha256"):
        sentences.append(f"Its SHA-256, sealed in this card: {_code(population['sha256'])}.")
    return _paragraph("Background population", sentences)


def streams(card: dict) -> str:
    """The back-end beside the learned stream: what it measures, how it was fitted, its hash."""
    backend = card.get("backend") or {}
    if not backend:
        return ""
    sentences = [escape(str(backend.get("description", "a residual-statistics stream"))).capitalize() + "."]
    if backend.get("dimension"):
        sentences.append(f"Each fingerprint joins its {int(backend['dimension']):,} values with the learned stream's.")
    if backend.get("sha256"):
        sentences.append(f"Back-end SHA-256, sealed in this card: {_code(backend['sha256'])}; the extractor id covers "
                         "weights and back-end together.")
    if backend.get("command"):
        sentences.append(f"Fitted on synthetic models and photographs only: {_code(backend['command'])}.")
    return _paragraph("Fingerprint streams", sentences)


def card_html(card: dict | None, problem: str = "", licence: str = "") -> str:
    """The whole card as paragraphs of HTML; `problem` says why there is none."""
    if not card:
        return f"<p>{escape(problem or 'No extractor is loaded.')}</p>"
    paragraphs = [identity(card), streams(card), recipe(card), dev_figures(card), background(card)]
    if licence:
        paragraphs.append(_paragraph("Licence", [escape(licence) + "."]))
    return "".join(p for p in paragraphs if p)


def app_licence() -> str:
    """The licence the installed package declares (empty when it is not installed as a package)."""
    from importlib import metadata

    try:
        meta = metadata.metadata("forensics-app")
    except metadata.PackageNotFoundError:
        return ""
    return str(meta.get("License") or meta.get("License-Expression") or "")
