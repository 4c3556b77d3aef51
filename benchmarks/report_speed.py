"""Time to write the evidence report of a case, and how long and large the report is.

    OMP_NUM_THREADS=1 python benchmarks/report_speed.py --images 40

Builds the case the way the window and the commands do, through the workflows: three
generators enrolled from ten references each into a real library, then `new_case` and
`take_in` for every probe image, then `run_analysis` and `record` (attribution, groups,
map).  Probes come from all four tiny generators, one of them never enrolled, so the
report holds both named and "no enrolled generator supported" decisions.  Only
`write_report` is timed: re-hashing every file, thumbnails, spectra, map, Tippett plot
and the layout.  Target: a 40-image case in about 10 pages, written in under 10 s on a
2-core CPU.

Fingerprints come from the bundled extractor when there is one, otherwise from random
weights of the same architecture (the timing does not depend on what the weights learnt).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

from forensics_app.core.fingerprint.extractor import Extractor, ExtractorError, write_extractor
from forensics_app.core.fingerprint.network import FingerprintNet, NetworkConfig
from forensics_app.core.fingerprint.preprocess import PreprocessConfig
from forensics_app.core.library import Library
from forensics_app.core.report import library_comparisons, write_report
from forensics_app.paths import extractor_dir
from forensics_app.workflows.analyse import AnalysisRequest, record, run_analysis
from forensics_app.workflows.enrol import enrol
from forensics_app.workflows.intake import fingerprint_paths, fingerprinted, new_case, take_in
from forensics_app.testing.tiny_generators import KINDS, generate, save_pngs

REFERENCES = 10
#: The generators enrolled; the fourth is a source the library does not know.
ENROLLED = KINDS[:3]


def load_extractor(work: Path) -> tuple[Extractor, str]:
    """The bundled extractor if it loads, else random weights written into `work`."""
    try:
        return Extractor.load(extractor_dir(), device="cpu"), "bundled"
    except ExtractorError:
        folder = work / "random-extractor"
        write_extractor(folder, FingerprintNet(NetworkConfig()), PreprocessConfig())
        return Extractor.load(folder, device="cpu"), "random (no bundled weights)"


def build_case(work: Path, extractor: Extractor, images: int, size: int):
    """Enrol three tiny generators, take `images` probes into a new case, analyse it."""
    library = Library.open(work / "library.sqlite", extractor.extractor_id, extractor.embedding_dim)
    probes: list[Path] = []
    per_kind = -(-images // len(KINDS))
    for kind in KINDS:
        files = save_pngs(generate(kind, per_kind + REFERENCES, size=size, seed=11), work / "images" / kind, kind)
        if kind in ENROLLED:
            enrol(library, kind, extractor=extractor, paths=files[:REFERENCES])
        probes += files[REFERENCES:]
    probes = probes[:images]
    case = new_case(extractor, "BENCH-1")
    case.question = "Which enrolled generator, if any, made each of these images?"
    for result in fingerprint_paths(extractor, probes, provenance=True):
        take_in(case, result)
    items = fingerprinted(case)
    request = AnalysisRequest(np.stack([item.embedding for item in items]), extractor, library)
    for stage in run_analysis(request):
        record(case, items, stage)
    tippett = library_comparisons(library.reference_sets(), extractor.background(), case.settings.policy)
    library.close()
    return case, tippett


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=40)
    parser.add_argument("--size", type=int, default=256, help="image width and height in pixels")
    parser.add_argument("--keep", type=Path, help="write the case and report here instead of a temporary folder")
    args = parser.parse_args()
    print(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}", flush=True)
    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        extractor, weights = load_extractor(work)
        started = time.perf_counter()
        case, tippett = build_case(work, extractor, args.images, args.size)
        print(f"case of {len(case.items)} images ({args.size} px) built in {time.perf_counter() - started:.1f} s, "
              f"extractor: {weights}", flush=True)
        card = extractor.card
        out = work / "bench-report.pdf"
        started = time.perf_counter()
        result = write_report(case, out, extractor_card=card, tippett=tippett)
        seconds = time.perf_counter() - started
        named = sum(1 for item in case.items if item.attribution and item.attribution.named)
        print(f"report of {len(case.items)} images ({named} with a generator named): {seconds:.1f} s, "
              f"{result.pages} pages, {out.stat().st_size / 1_048_576:.2f} MiB")
        if args.keep:
            case.save(work / "bench.fcase")
            print(f"kept in {work}")


if __name__ == "__main__":
    main()
