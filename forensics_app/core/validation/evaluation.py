"""The zero-shot attribution protocol, on labelled embeddings.

Used by `forensics-app evaluate`, by training (validation on held-out synthetic models
and calibration) and by the tests, so every figure the project reports is computed the
same way.  The protocol follows the method: R reference images per model form a gallery
entry (their mean embedding); every other image is a probe assigned to the most similar
entry by cosine similarity (1:N); random pairs scored by cosine similarity give the 1:1
verification ROC-AUC.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import f1_score, roc_auc_score

from forensics_app.core.decision.grouping import cluster
from forensics_app.core.vectors import class_means, sample_pairs
from forensics_app.core.vectors import normalise  # re-exported


def split_references(labels: np.ndarray, refs: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks (references, probes): `refs` random references per label.

    A label with no more than `refs` images keeps one image as a probe, so every model
    still has something to identify.
    """
    reference = np.zeros(labels.shape[0], dtype=bool)
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        take = min(refs, max(1, members.size - 1))
        reference[rng.choice(members, size=take, replace=False)] = True
    return reference, ~reference


def gallery(embeddings: np.ndarray, labels: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(classes, unit mean embedding per class) from the images selected by `mask`."""
    classes, means = class_means(embeddings[mask], labels[mask])
    return classes, normalise(means)


def gallery_accuracy(references: np.ndarray, probes: np.ndarray, labels: np.ndarray, members: np.ndarray,
                     refs: int = 10, seeds: int = 5) -> float:
    """Mean 1:N accuracy over seeds among the classes selected by `members` (a label mask).

    The gallery is built from `references` and the probes taken from `probes`: the two
    are the same images in different conditions (clean and re-encoded, say), so a study
    can compare probes and references in matched or unmatched conditions.
    """
    scores = []
    for seed in range(seeds):
        reference, probe = split_references(labels, refs, np.random.default_rng(seed))
        reference &= members
        probe &= members
        classes, means = gallery(references, labels, reference)
        predicted = classes[(probes[probe] @ means.T).argmax(axis=1)]
        scores.append(float((predicted == labels[probe]).mean()))
    return float(np.mean(scores))


@dataclass
class IdentificationResult:
    accuracy: float
    macro_f1: float
    accuracy_std: float
    classes: list
    recall: dict
    confusion: np.ndarray  # rows: true class, columns: predicted class; summed over seeds
    genuine: np.ndarray = field(repr=False)  # probe similarity to its own gallery entry
    impostor: np.ndarray = field(repr=False)  # probe similarity to every other entry


def identification(
    embeddings: np.ndarray, labels: np.ndarray, refs: int = 10, seeds: int = 5, seed: int = 0
) -> IdentificationResult:
    """1:N identification averaged over `seeds` random choices of references."""
    embeddings = normalise(np.asarray(embeddings, dtype=np.float32))
    labels = np.asarray(labels)
    classes = list(np.unique(labels))
    index = {c: i for i, c in enumerate(classes)}
    confusion = np.zeros((len(classes), len(classes)), dtype=np.int64)
    accuracies, f1s, genuine, impostor = [], [], [], []
    for run in range(seeds):
        rng = np.random.default_rng(seed + run)
        reference, probe = split_references(labels, refs, rng)
        gallery_classes, means = gallery(embeddings, labels, reference)
        similarity = embeddings[probe] @ means.T
        predicted = gallery_classes[similarity.argmax(axis=1)]
        truth = labels[probe]
        accuracies.append(float((predicted == truth).mean()))
        f1s.append(float(f1_score(truth, predicted, average="macro", labels=gallery_classes, zero_division=0)))
        own = truth[:, None] == gallery_classes[None, :]
        genuine.append(similarity[own])
        impostor.append(similarity[~own])
        np.add.at(confusion, ([index[t] for t in truth], [index[p] for p in predicted]), 1)
    recall = {c: float(confusion[i, i] / max(1, confusion[i].sum())) for i, c in enumerate(classes)}
    return IdentificationResult(
        accuracy=float(np.mean(accuracies)),
        macro_f1=float(np.mean(f1s)),
        accuracy_std=float(np.std(accuracies)),
        classes=classes,
        recall=recall,
        confusion=confusion,
        genuine=np.concatenate(genuine),
        impostor=np.concatenate(impostor),
    )


def verification_auc(embeddings: np.ndarray, labels: np.ndarray, max_pairs: int = 200_000, seed: int = 0) -> float:
    """1:1 verification ROC-AUC over image pairs (all pairs, or a random sample of them)."""
    embeddings = normalise(np.asarray(embeddings, dtype=np.float32))
    labels = np.asarray(labels)
    first, second = sample_pairs(labels.shape[0], max_pairs, seed)
    same = labels[first] == labels[second]
    if same.all() or not same.any():
        raise ValueError("verification needs both same-source and different-source pairs")
    scores = np.einsum("ij,ij->i", embeddings[first], embeddings[second])
    return float(roc_auc_score(same, scores))


def equal_error_threshold(genuine: np.ndarray, impostor: np.ndarray) -> float:
    """The similarity at which as many genuine matches fall below as impostors rise above."""
    similarity = np.concatenate([genuine, impostor]).astype(np.float64)
    candidates = np.unique(np.quantile(similarity, np.linspace(0.0, 1.0, 513)))
    false_reject = np.array([(genuine < t).mean() for t in candidates])
    false_accept = np.array([(impostor >= t).mean() for t in candidates])
    return float(candidates[np.argmin(np.abs(false_reject - false_accept))])


def fit_calibration(genuine: np.ndarray, impostor: np.ndarray, source: str):
    """Open-set threshold and similarity-to-score map from probe-to-gallery similarities.

    The threshold is the similarity of equal error (as many genuine matches fall below
    it as impostors rise above it).  The score is a logistic fit of "same model" on the
    similarity with both classes weighted equally, so 0.5 means even odds whatever the
    number of enrolled models.
    """
    from sklearn.linear_model import LogisticRegression

    from forensics_app.core.fingerprint.extractor import Calibration

    similarity = np.concatenate([genuine, impostor]).astype(np.float64)
    same = np.concatenate([np.ones(genuine.size), np.zeros(impostor.size)])
    threshold = equal_error_threshold(genuine, impostor)
    model = LogisticRegression(class_weight="balanced", C=100.0).fit(similarity[:, None], same)
    return Calibration(
        threshold=threshold,
        slope=float(model.coef_[0, 0]),
        intercept=float(model.intercept_[0]),
        source=source,
    )


# --- datasets and the full report ------------------------------------------------------


def dataset_files(root, exclude: tuple[str, ...] = ()) -> tuple[list, list[str]]:
    """(image paths, labels) of a folder of folders, one subfolder per generator."""
    from pathlib import Path

    from forensics_app.core.evidence import iter_image_files

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder; evaluate takes a folder of folders, one per generator")
    paths, labels = [], []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder.name in exclude:
            continue
        files = iter_image_files([folder])
        paths.extend(files)
        labels.extend([folder.name] * len(files))
    if len(set(labels)) < 2:
        raise ValueError(f"{root} holds fewer than two generator folders with images; nothing to compare")
    return paths, labels


def size_embedding(sizes: list[tuple[int, int]]) -> np.ndarray:
    """One-hot of the native (width, height): what image size alone tells."""
    distinct = sorted(set(sizes))
    index = {size: i for i, size in enumerate(distinct)}
    onehot = np.zeros((len(sizes), len(distinct)), dtype=np.float32)
    onehot[np.arange(len(sizes)), [index[s] for s in sizes]] = 1.0
    return onehot


def open_set_auroc(embeddings: np.ndarray, labels: np.ndarray, refs: int, seeds: int, unknown_fraction: float = 0.3) -> float:
    """AUROC of "enrolled or not" from the best gallery similarity, leaving models out.

    For each seed a random `unknown_fraction` of the models is not enrolled; probes of
    the enrolled models should score higher than probes of the left-out ones.
    """
    embeddings = normalise(embeddings)
    classes = np.unique(labels)
    if classes.size < 3:
        return float("nan")
    aucs = []
    for run in range(seeds):
        rng = np.random.default_rng(1000 + run)
        unknown = rng.choice(classes, size=max(1, int(round(unknown_fraction * classes.size))), replace=False)
        known_mask = ~np.isin(labels, unknown)
        reference, _ = split_references(np.where(known_mask, labels, "__unknown__"), refs, rng)
        reference &= known_mask
        _, means = gallery(embeddings, labels, reference)
        probes = ~reference
        best = (embeddings[probes] @ means.T).max(axis=1)
        aucs.append(roc_auc_score(known_mask[probes], best))
    return float(np.mean(aucs))


def clustering_scores(embeddings: np.ndarray, labels: np.ndarray) -> dict:
    """ARI and NMI of average-linkage clustering cut at the true number of models.

    Cutting at the true count measures how well the fingerprints group, apart from how
    well a threshold guesses the count (which `cluster` in the app does).
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    predicted = cluster(embeddings, 0.0, n_clusters=np.unique(labels).size)
    return {"ari": float(adjusted_rand_score(labels, predicted)), "nmi": float(normalized_mutual_info_score(labels, predicted))}


def protocol(embeddings: np.ndarray, labels, refs: int = 10, seeds: int = 5) -> dict:
    """Every figure of the protocol for one set of embeddings."""
    labels = np.asarray(labels)
    result = identification(embeddings, labels, refs=refs, seeds=seeds)
    return {
        "accuracy": result.accuracy,
        "accuracy_std": result.accuracy_std,
        "macro_f1": result.macro_f1,
        "auc": verification_auc(embeddings, labels),
        **clustering_scores(embeddings, labels),
        "open_set_auroc": open_set_auroc(embeddings, labels, refs, seeds),
        "recall": result.recall,
        "confusion": {"classes": [str(c) for c in result.classes], "matrix": result.confusion.tolist()},
    }


def evaluate_embeddings(
    embeddings: np.ndarray, labels, sizes: list[tuple[int, int]], refs: int = 10, seeds: int = 5
) -> dict:
    """The protocol, plus what image size alone explains of it.

    Native size identifies the generator in many collections, so the report adds a
    size-only baseline, the figures within each group of equal size (where size says
    nothing), and a warning when size alone reaches much of the score.
    """
    labels = np.asarray(labels)
    report = protocol(embeddings, labels, refs, seeds)
    report["models"] = int(np.unique(labels).size)
    report["images"] = int(labels.size)
    size_only = identification(size_embedding(sizes), labels, refs=refs, seeds=seeds)
    report["size_only_accuracy"] = size_only.accuracy
    chance = 1.0 / report["models"]
    within = {}
    size_of_label = {}
    for label, size in zip(labels, sizes):
        size_of_label.setdefault(label, set()).add(size)
    groups: dict[tuple[int, int], list[str]] = {}
    for label, label_sizes in size_of_label.items():
        if len(label_sizes) == 1:
            groups.setdefault(next(iter(label_sizes)), []).append(label)
    for size, members in sorted(groups.items()):
        if len(members) >= 2:
            mask = np.isin(labels, members)
            sub = identification(embeddings[mask], labels[mask], refs=refs, seeds=seeds)
            within[f"{size[0]}x{size[1]}"] = {
                "models": len(members),
                "images": int(mask.sum()),
                "accuracy": sub.accuracy,
                "chance": 1.0 / len(members),
            }
    report["within_size_groups"] = within
    report["warnings"] = []
    gain = report["accuracy"] - chance
    if gain > 0 and size_only.accuracy - chance >= 0.5 * gain:
        report["warnings"].append(
            f"image size alone reaches {size_only.accuracy:.2f} accuracy (chance {chance:.2f}): much of the score "
            "may come from size, not from the fingerprint; see the figures within groups of equal size"
        )
    return report
