"""Probes against a library enrolled from JPEGs: compared as stored, or brought down to the references.

A lab often enrols a generator from images found on the web, JPEGs more compressed than
the probe it is asked about.  Seeded draws enrol half of the dataset's generators from
`--refs` files each saved again as JPEG `--quality`; every other file is attributed as it
is through `workflows.analyse`, once with each probe in its own condition (a lossless
probe compared with the references as stored, a JPEG one with the references re-encoded
at its quality) and once with the probes' files given, so that a probe stored with less
loss than every reference is brought down to theirs.  Reported as `matched_study.py`
reports: first-ranked and named rightly for probes of enrolled generators, named at all
for the others, overall and for the text-to-image group.

    python tools/brought_down_study.py ../shared/data/dev-generators --never-enrol cnndet-real-photos
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

from forensics_app.core.decision.attribution import DEFAULT_NAMING_LR
from forensics_app.core.decision.conditions import QUALITY_LADDER
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library
from forensics_app.core.validation.evaluation import dataset_files
from forensics_app.workflows.analyse import AnalysisRequest, ProbeFile, conditions_of, run_analysis
from forensics_app.workflows.enrol import enrol
from forensics_app.workflows.intake import fingerprint_paths, fingerprinted, new_case, take_in
from tools.matched_study import _mean, jpeg_copies, rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--never-enrol", action="append", default=[])
    parser.add_argument("--quality", type=int, default=75, help="the JPEG quality the references are saved at")
    parser.add_argument("--refs", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--group-prefix", default="aibingo-")
    args = parser.parse_args()
    if args.quality not in QUALITY_LADDER:
        parser.error(f"--quality must be one of the matching ladder {list(QUALITY_LADDER)}")
    extractor = Extractor.load(device="cpu")
    paths, labels = dataset_files(args.dataset)
    paths, labels = [Path(p) for p in paths], np.asarray(labels).astype(str)
    enrollable = sorted(set(labels) - set(args.never_enrol))
    group = np.char.startswith(labels, args.group_prefix)
    report: dict = {"extractor_id": extractor.extractor_id, "reference_quality": args.quality, "refs": args.refs,
                    "draws": args.seeds, "enrolled_per_draw": len(enrollable) // 2, "naming_lr": DEFAULT_NAMING_LR,
                    "runs": []}
    case = new_case(extractor)
    for result in fingerprint_paths(extractor, paths, provenance=True):
        take_in(case, result)
    items = fingerprinted(case)
    assert len(items) == len(paths), "every file must be fingerprinted"
    with tempfile.TemporaryDirectory() as scratch:
        for seed in range(args.seeds):
            rng = np.random.default_rng(3000 + seed)
            enrolled = sorted(rng.choice(enrollable, size=len(enrollable) // 2, replace=False).tolist())
            reference = np.zeros(labels.size, bool)
            library = Library.open(Path(scratch) / f"library-{seed}.sqlite", extractor.extractor_id,
                                   extractor.embedding_dim)
            for name in enrolled:
                chosen = rng.choice(np.flatnonzero(labels == name), size=args.refs, replace=False)
                reference[chosen] = True
                folder = Path(scratch) / f"refs-{seed}-{name}"
                folder.mkdir()
                enrol(library, name, extractor=extractor,
                      paths=jpeg_copies([paths[i] for i in chosen], folder, args.quality))
            probes = [item for item, ref in zip(items, reference) if not ref]
            run = {"enrolled": enrolled}
            for mode, sources in (("own_condition", ()), ("brought_down", tuple(ProbeFile.of(i) for i in probes))):
                request = AnalysisRequest(np.stack([i.embedding for i in probes]), extractor, library,
                                          stages=("attribute",), conditions=conditions_of(probes), sources=sources)
                records = next(iter(run_analysis(request))).records
                run[mode] = rates(records, labels[~reference], enrolled, group[~reference])
                run[mode]["brought_down"] = float(np.mean([bool(r.condition and r.condition.brought_down)
                                                           for r in records]))
            library.close()
            report["runs"].append(run)
            print(json.dumps(run), flush=True)
    for mode in ("own_condition", "brought_down"):
        report[mode] = {part: {key: _mean([r[mode][part][key] for r in report["runs"]])
                               for key in report["runs"][0][mode][part]} for part in ("all", "text_to_image")}
        report[mode]["brought_down"] = _mean([r[mode]["brought_down"] for r in report["runs"]])
    print(json.dumps({k: v for k, v in report.items() if k != "runs"}, indent=1))


if __name__ == "__main__":
    main()
