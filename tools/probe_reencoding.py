"""1:N identification with probes re-encoded as JPEG, references untouched.

Evidence rarely reaches an analyst as the generator saved it: platforms re-encode. This
measures how much of the zero-shot accuracy survives one JPEG re-encoding of the probes
while the enrolled references stay as they were (the protocol of `evaluate`: 10
references per generator, seeded draws), for the whole dataset and for the text-to-image
group (folders whose name starts with `--group-prefix`).

    python tools/probe_reencoding.py ../shared/data/dev-generators --exclude cnndet-real-photos
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from forensics_app.core.validation.evaluation import dataset_files, gallery_accuracy
from forensics_app.core.evidence import open_evidence
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.vectors import normalise
from forensics_app.core.decision.conditions import jpeg_round_trip


def pixels(path, quality: int | None) -> np.ndarray:
    rgb = open_evidence(path).pixels
    if quality is None:
        return rgb
    return jpeg_round_trip(rgb, quality)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--exclude", action="append", default=[])
    parser.add_argument("--quality", type=int, default=85)
    parser.add_argument("--refs", type=int, default=10)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--group-prefix", default="aibingo-")
    parser.add_argument("--extractor", help="extractor folder (default: the bundled one)")
    args = parser.parse_args()
    extractor = Extractor.load(args.extractor, device="cpu")
    paths, labels = dataset_files(args.dataset, tuple(args.exclude))
    labels = np.asarray(labels)
    clean = normalise(extractor.embed_pixels([pixels(p, None) for p in paths]))
    reencoded = normalise(extractor.embed_pixels([pixels(p, args.quality) for p in paths]))
    everyone = np.ones(labels.size, dtype=bool)
    group = np.char.startswith(labels.astype(str), args.group_prefix)
    report = {"extractor_id": extractor.extractor_id, "quality": args.quality}
    for name, probes in (("clean", clean), (f"jpeg{args.quality}", reencoded)):
        report[name] = {"accuracy": gallery_accuracy(clean, probes, labels, everyone, args.refs, args.seeds),
                        "group_accuracy": gallery_accuracy(clean, probes, labels, group, args.refs, args.seeds)}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
