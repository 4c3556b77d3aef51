"""Decisions on JPEG-re-encoded probes, compared as stored and in matched conditions.

The product's own path end to end: generators are enrolled from clean files (seeded
draws of half the dataset's generators, `--refs` each), every other image is saved again
as a JPEG of `--quality` (its tables then carry the quality) and attributed through
`workflows.analyse`, once against the references as stored and once in matched
conditions (references re-encoded at the probe's quality and calibrated on).  Reported:
first-ranked accuracy and the share named rightly for probes of enrolled generators, the
share named at all for the others (generators not enrolled, camera photographs), overall
and for the text-to-image group.  Verification too, on pairs of the probes' generator
images (camera photographs left out: each is its own source): both clean under the
policy as stored; a JPEG probe against a clean file under that policy ("unmatched"); and
in matched conditions, the clean file brought to the probe's quality and the pair
calibration fitted in that condition (`workflows.verify`).  Nothing is fitted on the
dataset beyond what an analyst's library does: the enrolled references.

    python tools/matched_study.py ../shared/data/dev-generators --never-enrol cnndet-real-photos
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from sklearn.metrics import roc_auc_score

from forensics_app.core.case import StoredAttribution
from forensics_app.core.decision.attribution import DEFAULT_NAMING_LR, UNKNOWN, DecisionPolicy
from forensics_app.core.decision.conditions import QUALITY_LADDER, Condition
from forensics_app.core.evidence import DEFAULT_MAX_PIXELS
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library
from forensics_app.core.validation.evaluation import dataset_files
from forensics_app.workflows.analyse import AnalysisRequest, conditions_of, run_analysis
from forensics_app.workflows.enrol import enrol
from forensics_app.workflows.intake import fingerprint_paths, fingerprinted, new_case, take_in
from forensics_app.workflows.matched import matched_gallery
from forensics_app.workflows.policy import policy_for

MAX_PAIRS = 4_000


def jpeg_copies(paths: list[Path], folder: Path, quality: int) -> list[Path]:
    out = []
    for index, path in enumerate(paths):
        target = folder / f"{index:05d}.jpg"
        with Image.open(path) as image:
            image.convert("RGB").save(target, "JPEG", quality=quality)
        out.append(target)
    return out


def rates(records: Sequence[StoredAttribution], truth: np.ndarray, enrolled: list[str], group: np.ndarray) -> dict:
    first = np.array([r.best.generator for r in records])
    decision = np.array([r.decision for r in records])
    inside = np.isin(truth, enrolled)
    out = {}
    for name, mask in (("all", np.ones(truth.size, bool)), ("text_to_image", group)):
        own, other = inside & mask, ~inside & mask
        out[name] = {"first_ranked_right": float((first[own] == truth[own]).mean()) if own.any() else None,
                     "named_rightly": float((decision[own] == truth[own]).mean()) if own.any() else None,
                     "others_named": float((decision[other] != UNKNOWN).mean()) if other.any() else None}
    return out


def pair_rates(first: np.ndarray, second: np.ndarray, same: np.ndarray, policy: DecisionPolicy) -> dict:
    """Pairs (row i of `first` with row i of `second`) under the policy's pair calibration."""
    similarity = np.einsum("ij,ij->i", first, second)
    log_lr = np.log10(policy.pairs.lr(similarity))
    return {"auc": float(roc_auc_score(same, similarity)),
            "same_above_10": float((log_lr[same] > 1).mean()), "different_below_tenth": float((log_lr[~same] < -1).mean()),
            "same_below_1": float((log_lr[same] < 0).mean()), "different_above_1": float((log_lr[~same] > 0).mean()),
            "same_called_one_source": float((log_lr[same] >= np.log10(policy.naming_lr)).mean()),
            "different_called_one_source": float((log_lr[~same] >= np.log10(policy.naming_lr)).mean())}


def sampled_pairs(labels: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Up to MAX_PAIRS same-source and as many different-source index pairs."""
    a, b = np.triu_indices(labels.size, k=1)
    same = labels[a] == labels[b]
    chosen = [rng.choice(np.flatnonzero(mask), size=min(MAX_PAIRS, int(mask.sum())), replace=False)
              for mask in (same, ~same)]
    index = np.concatenate(chosen)
    return a[index], b[index], same[index]


def _mean(values: list) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known else None


@dataclass(frozen=True)
class Study:
    """What the studies on a labelled folder of generators share: its files, labels and who may be enrolled."""

    args: argparse.Namespace
    extractor: Extractor
    paths: list[Path]
    labels: np.ndarray
    enrollable: list[str]
    group: np.ndarray  # the text-to-image group

    def report(self, quality_key: str) -> dict:
        """The head of the study's report: what was measured, under which settings."""
        return {"extractor_id": self.extractor.extractor_id, quality_key: self.args.quality, "refs": self.args.refs,
                "draws": self.args.seeds, "enrolled_per_draw": len(self.enrollable) // 2,
                "naming_lr": DEFAULT_NAMING_LR, "runs": []}


def study_setup(doc: str, quality: int, quality_help: str) -> Study:
    """Parse a study's arguments (its JPEG `--quality` on the matching ladder) and read the folder."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--never-enrol", action="append", default=[])
    parser.add_argument("--quality", type=int, default=quality, help=quality_help)
    parser.add_argument("--refs", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--group-prefix", default="aibingo-")
    args = parser.parse_args()
    if args.quality not in QUALITY_LADDER:  # images are matched at the ladder's qualities: record the one used
        parser.error(f"--quality must be one of the matching ladder {list(QUALITY_LADDER)}")
    paths, labels = dataset_files(args.dataset)
    labels = np.asarray(labels).astype(str)
    return Study(args, Extractor.load(device="cpu"), [Path(p) for p in paths], labels,
                 sorted(set(labels) - set(args.never_enrol)), np.char.startswith(labels, args.group_prefix))


def fingerprinted_all(extractor: Extractor, files: list[Path]) -> list:
    """Every file taken in and fingerprinted as evidence is (each must be)."""
    case = new_case(extractor)
    for result in fingerprint_paths(extractor, files, provenance=True):
        take_in(case, result)
    items = fingerprinted(case)
    assert len(items) == len(files), "every file must be fingerprinted"
    return items


def enrolled_draw(study: Study, seed: int, library_path: Path, enrolled_files=None
                  ) -> tuple[list[str], np.ndarray, Library, np.random.Generator]:
    """A seeded draw of half the enrollable generators, each enrolled from `--refs` of its files
    (`enrolled_files(name, chosen paths)` -> the files to enrol; the paths themselves by default):
    (enrolled names, mask of the files used as references, the open library, the draw's generator
    for what the study draws next)."""
    rng = np.random.default_rng(seed)
    enrolled = sorted(rng.choice(study.enrollable, size=len(study.enrollable) // 2, replace=False).tolist())
    reference = np.zeros(study.labels.size, bool)
    library = Library.open(library_path, study.extractor.extractor_id, study.extractor.embedding_dim)
    for name in enrolled:
        chosen = rng.choice(np.flatnonzero(study.labels == name), size=study.args.refs, replace=False)
        reference[chosen] = True
        files = [study.paths[i] for i in chosen]
        enrol(library, name, extractor=study.extractor, paths=enrolled_files(name, files) if enrolled_files else files)
    return enrolled, reference, library, rng


def main() -> None:
    study = study_setup(__doc__, 85, "the JPEG quality the probes are saved at")
    args, extractor, paths, labels, group = study.args, study.extractor, study.paths, study.labels, study.group
    report = study.report("quality")
    with tempfile.TemporaryDirectory() as scratch:
        copies = jpeg_copies(paths, Path(scratch), args.quality)
        taken = {}
        for name, files in (("clean", paths), ("jpeg", copies)):
            taken[name] = fingerprinted_all(extractor, files)
        for seed in range(args.seeds):
            enrolled, reference, library, rng = enrolled_draw(study, 2000 + seed,
                                                              Path(scratch) / f"library-{seed}.sqlite")
            run = {"enrolled": enrolled}
            for mode, kind, matched in (("clean", "clean", False), ("as_stored", "jpeg", False),
                                        ("matched", "jpeg", True)):
                probes = [item for item, ref in zip(taken[kind], reference) if not ref]
                embeddings = np.stack([item.embedding for item in probes])
                conditions = conditions_of(probes) if matched else ()
                request = AnalysisRequest(embeddings, extractor, library, stages=("attribute",), conditions=conditions)
                stage = next(iter(run_analysis(request)))
                run[mode] = rates(stage.records, labels[~reference], enrolled, group[~reference])
            # verification: pairs of the probes' generator images
            pairable = np.flatnonzero(~reference & ~np.isin(labels, args.never_enrol))
            a, b, same = sampled_pairs(labels[pairable], rng)
            a, b = pairable[a], pairable[b]
            clean = np.stack([item.embedding for item in taken["clean"]])
            jpeg = np.stack([item.embedding for item in taken["jpeg"]])
            stored = policy_for(extractor, library)
            matched = matched_gallery(library, extractor, Condition(args.quality, args.quality, True), None,
                                      DEFAULT_MAX_PIXELS)
            run["pairs"] = {"clean": pair_rates(clean[a], clean[b], same, stored),
                            "unmatched": pair_rates(jpeg[a], clean[b], same, stored),
                            "matched": pair_rates(jpeg[a], jpeg[b], same, matched.policy)}
            library.close()
            report["runs"].append(run)
            print(json.dumps(run), flush=True)
    for mode in ("clean", "as_stored", "matched"):
        report[mode] = {part: {key: _mean([r[mode][part][key] for r in report["runs"]])
                               for key in report["runs"][0][mode][part]} for part in ("all", "text_to_image")}
    report["pairs"] = {mode: {key: _mean([r["pairs"][mode][key] for r in report["runs"]])
                              for key in report["runs"][0]["pairs"][mode]} for mode in ("clean", "unmatched", "matched")}
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=1))


if __name__ == "__main__":
    main()
