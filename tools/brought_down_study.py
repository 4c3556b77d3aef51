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

import json
import tempfile
from pathlib import Path

import numpy as np

from forensics_app.workflows.analyse import AnalysisRequest, ProbeFile, conditions_of, run_analysis
from tools.matched_study import _mean, enrolled_draw, fingerprinted_all, jpeg_copies, rates, study_setup


def main() -> None:
    study = study_setup(__doc__, 75, "the JPEG quality the references are saved at")
    args, extractor, paths, labels, group = study.args, study.extractor, study.paths, study.labels, study.group
    report = study.report("reference_quality")
    items = fingerprinted_all(extractor, paths)
    with tempfile.TemporaryDirectory() as scratch:
        for seed in range(args.seeds):

            def as_jpeg(name: str, files: list[Path]) -> list[Path]:
                folder = Path(scratch) / f"refs-{seed}-{name}"
                folder.mkdir()
                return jpeg_copies(files, folder, args.quality)

            enrolled, reference, library, _ = enrolled_draw(study, 3000 + seed, Path(scratch) / f"library-{seed}.sqlite",
                                                         as_jpeg)
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
