"""Time to write the evidence report of a large case.

    python benchmarks/report_speed.py --images 200

Builds the case the way an analyst would, through the commands: images of four tiny
generators (two of them enrolled from five references each), `attribute --case`, then
times `write_report` alone: re-hashing every file, the C2PA scan, clustering and the map
(the case has neither), the spectra of one representative per group, and the layout.
Fingerprints come from the bundled extractor when there is one, otherwise from random
weights of the same architecture (the timing does not depend on what the weights learnt).
Target: a 200-image case reported in under a minute on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from forensics_app.cli import main as cli  # noqa: E402
from forensics_app.core.case import load_case  # noqa: E402
from forensics_app.core.fingerprint.extractor import ExtractorError, read_card, write_extractor  # noqa: E402
from forensics_app.core.fingerprint.network import FingerprintNet, NetworkConfig  # noqa: E402
from forensics_app.core.fingerprint.preprocess import PreprocessConfig  # noqa: E402
from forensics_app.core.report import write_report  # noqa: E402
from forensics_app.paths import extractor_dir  # noqa: E402
from tests.tiny_generators import KINDS, generate, save_pngs  # noqa: E402

ENROLLED = ("nearest", "transposed")
REFERENCES = 5


def choose_extractor(work: Path) -> str:
    """The bundled extractor if it loads, else random weights written into `work`."""
    try:
        read_card(extractor_dir())
        return "bundled"
    except ExtractorError:
        folder = work / "random-extractor"
        write_extractor(folder, FingerprintNet(NetworkConfig()), PreprocessConfig())
        os.environ["FORENSICS_APP_EXTRACTOR"] = str(folder)
        return "random (no bundled weights)"


def quiet_cli(*argv: str) -> int:
    """Run a command with its JSON output swallowed (only the timings are of interest)."""
    with contextlib.redirect_stdout(io.StringIO()):
        return cli([*argv, "--json"])


def build_case(work: Path, images: int, size: int) -> Path:
    """Enrol two generators, then attribute `images` probes of all four into a case file."""
    os.environ["FORENSICS_APP_LIBRARY"] = str(work / "library.sqlite")
    per_kind = -(-images // len(KINDS))
    probes: list[Path] = []
    for kind in KINDS:
        files = save_pngs(generate(kind, per_kind + REFERENCES, size=size, seed=11), work / "images" / kind, kind)
        if kind in ENROLLED:
            assert quiet_cli("enroll", kind, *map(str, files[:REFERENCES])) == 0
        probes += files[REFERENCES:]
    case_path = work / "bench.fcase"
    code = quiet_cli("attribute", *map(str, probes[:images]), "--case", str(case_path), "--reference", "BENCH-1")
    assert code == 0, f"attribute exited {code}"
    return case_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--size", type=int, default=256, help="image width and height in pixels")
    parser.add_argument("--keep", type=Path, help="write the case and report here instead of a temporary folder")
    parser.add_argument("--groups", type=int, default=0,
                        help="store this many round-robin groups in the case first, to time the most spectra a report "
                             "draws (random weights put every image in one group)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        weights = choose_extractor(work)
        started = time.perf_counter()
        case_path = build_case(work, args.images, args.size)
        print(f"case of {args.images} images ({args.size} px) built in {time.perf_counter() - started:.1f} s, "
              f"extractor: {weights}", flush=True)
        case = load_case(case_path)
        if args.groups:
            for index, item in enumerate(case.items):
                item.cluster = index % args.groups
        card = read_card(Path(os.environ.get("FORENSICS_APP_EXTRACTOR") or extractor_dir()))
        out = work / "bench-report.pdf"
        started = time.perf_counter()
        result = write_report(case, out, extractor_card=card)
        seconds = time.perf_counter() - started
        checks = {check.name: f"{check.status} ({check.detail})" for check in result.checks}
        print(f"report of {len(case.items)} images: {seconds:.1f} s, {result.pages} pages, "
              f"{out.stat().st_size / 1_048_576:.2f} MiB, SHA-256 {result.sha256}")
        print(f"  clustering: {checks['Grouping by common source (clustering)']}")
        print(f"  map:        {checks['t-SNE map of the fingerprints']}")
        print(f"  spectra:    {checks['Spectrum figures']}")


if __name__ == "__main__":
    main()
