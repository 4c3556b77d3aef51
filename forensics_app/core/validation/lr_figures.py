"""How well the likelihood ratios and decisions hold on labelled images: the validation
figures a report quotes as known error rates.

The protocol mimics an analyst's library: half of the dataset's generators are enrolled
(seeded draws, `refs` references each), the policy is calibrated exactly as the program
calibrates it (those references and the shipped background, never a probe), and every
other image is a probe: images of enrolled generators that are not references, images of
generators that were not enrolled, and sources that are never enrolled (camera
photographs).  Cllr and the rates of misleading evidence use every probe against every
enrolled generator; the open-set rates use the decisions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forensics_app.core.decision.attribution import DecisionPolicy, attribute, build_policy
from forensics_app.core.background import Background
from forensics_app.core.decision.closed_set import closed_set_margins
from forensics_app.core.vectors import class_means, normalise

MAX_VERIFY_PAIRS = 20_000


def cllr_figures(llrs: np.ndarray, same: np.ndarray) -> dict:
    """Cllr and Cllr_min (lir) and the rates of misleading evidence, from log10 LRs."""
    from lir.data.models import LLRData
    from lir.metrics import cllr, cllr_min

    labels = same.astype(int)
    if labels.all() or not labels.any():
        return {"cllr": None, "cllr_min": None, "misleading": {"same_source": None, "different_source": None}}
    data = LLRData(features=np.asarray(llrs, dtype=np.float64), labels=labels)
    return {
        "cllr": float(cllr(data)),
        "cllr_min": float(cllr_min(data)),
        "misleading": {"same_source": float((llrs[same] < 0).mean()), "different_source": float((llrs[~same] > 0).mean())},
    }


def _draw(labels: np.ndarray, enrollable: list, refs: int, rng: np.random.Generator) -> tuple[list, np.ndarray]:
    enrolled = sorted(rng.choice(enrollable, size=max(1, len(enrollable) // 2), replace=False).tolist())
    reference = np.zeros(labels.size, dtype=bool)
    for name in enrolled:
        members = np.flatnonzero(labels == name)
        reference[rng.choice(members, size=min(refs, max(1, members.size - 1)), replace=False)] = True
    return enrolled, reference


def _verification_pairs(probes: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    index = np.flatnonzero(probes)
    first, second = rng.choice(index, MAX_VERIFY_PAIRS), rng.choice(index, MAX_VERIFY_PAIRS)
    keep = first != second
    return first[keep], second[keep]


def lr_protocol(embeddings: np.ndarray, labels: Sequence[str], background: Background | None, refs: int = 10,
                seeds: int = 5, never_enrolled: Sequence[str] = (), naming_lr: float | None = None) -> dict:
    """Cllr, misleading-evidence rates, open-set naming rates and verification rates."""
    embeddings = normalise(np.asarray(embeddings, dtype=np.float32))
    labels = np.asarray(labels).astype(str)
    enrollable = sorted(set(labels.tolist()) - set(never_enrolled))
    if len(enrollable) < 2:
        raise ValueError("the LR protocol needs at least two generators that may be enrolled")
    llrs, same_flags = [], []
    closed_llrs, closed_same = [], []
    named_wrongly = named_rightly = foreign = own = 0
    per_source: dict[str, list[int]] = {}
    verify_called = {"same_source": [], "different_source": []}
    policy: DecisionPolicy | None = None
    for run in range(seeds):
        rng = np.random.default_rng(2000 + run)
        enrolled, reference = _draw(labels, enrollable, refs, rng)
        references = {name: embeddings[reference & (labels == name)] for name in enrolled}
        policy = build_policy(references, background, naming_lr)
        names, means = class_means(embeddings[reference], labels[reference])
        gallery = normalise(means)
        probes = ~reference
        probe_labels = labels[probes]
        similarity = embeddings[probes] @ gallery.T
        llrs.append(policy.attribution.log10_lr(similarity).ravel())
        same_flags.append((probe_labels[:, None] == names[None, :]).ravel())
        inside = np.isin(probe_labels, names)  # the closed set's premise: the image came from an enrolled generator
        if policy.closed_set is not None and inside.any():
            closed_llrs.append(policy.closed_set.log10_lr(closed_set_margins(similarity[inside])).ravel())
            closed_same.append((probe_labels[inside][:, None] == names[None, :]).ravel())
        decisions = [r.decision for r in attribute(embeddings[probes], list(names), gallery, policy)]
        for truth, decision in zip(probe_labels, decisions):
            if truth in enrolled:
                own += 1
                named_rightly += decision == truth
            else:
                foreign += 1
                named_wrongly += decision != "unknown"
                counts = per_source.setdefault(truth, [0, 0])
                counts[0] += 1
                counts[1] += decision != "unknown"
        first, second = _verification_pairs(probes, rng)
        pair_lr = policy.pairs.lr(np.einsum("ij,ij->i", embeddings[first], embeddings[second]))
        same_pair = labels[first] == labels[second]
        verify_called["same_source"].append(pair_lr[same_pair] >= policy.naming_lr)
        verify_called["different_source"].append(pair_lr[~same_pair] >= policy.naming_lr)
    figures = cllr_figures(np.concatenate(llrs), np.concatenate(same_flags))
    figures["open_set"] = {
        "enrolled_per_draw": max(1, len(enrollable) // 2), "draws": seeds, "refs": refs,
        "false_attribution_rate": named_wrongly / max(1, foreign),
        "correct_attribution_rate": named_rightly / max(1, own),
        "named_rate_by_source": {name: c[1] / max(1, c[0]) for name, c in sorted(per_source.items())},
        "naming_lr": policy.naming_lr if policy else None,
    }
    figures["verification"] = {
        "called_one_source": {kind: float(np.concatenate(v).mean()) if v else None for kind, v in verify_called.items()},
        "naming_lr": policy.naming_lr if policy else None,
    }
    figures["closed_set"] = {**(cllr_figures(np.concatenate(closed_llrs), np.concatenate(closed_same)) if closed_llrs
                                else cllr_figures(np.zeros(0), np.zeros(0, bool))),
                             "probes": "images of enrolled generators only, against every enrolled generator"}
    figures["single_generator_library"] = single_generator_rates(embeddings, labels, background, enrollable, refs,
                                                                 never_enrolled, naming_lr)
    return figures


def single_generator_rates(embeddings: np.ndarray, labels: np.ndarray, background: Background | None,
                           enrollable: list[str], refs: int, never_enrolled: Sequence[str],
                           naming_lr: float | None) -> dict:
    """One generator enrolled at a time: how often never-enrolled sources are named as it."""
    if not never_enrolled:
        return {}
    outside = np.isin(labels, list(never_enrolled))
    named, total = 0, 0
    for offset, name in enumerate(enrollable):
        rng = np.random.default_rng(3000 + offset)
        members = np.flatnonzero(labels == name)
        chosen = rng.choice(members, size=min(refs, members.size), replace=False)
        policy = build_policy({name: embeddings[chosen]}, background, naming_lr)
        mean = normalise(embeddings[chosen].mean(axis=0, keepdims=True))
        decisions = attribute(embeddings[outside], [name], mean, policy)
        named += sum(d.named for d in decisions)
        total += len(decisions)
    return {"never_enrolled_named_rate": named / max(1, total), "libraries": len(enrollable), "probes_each": int(outside.sum())}
