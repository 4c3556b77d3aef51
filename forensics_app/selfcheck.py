"""`forensics-app --self-check`: does this installation work, end to end, without a window?

An analyst who installs the desktop bundle, or an administrator who deploys it, needs a
yes or no before trusting it with evidence, on a machine that may have no display and no
Python.  The check therefore uses only what ships with the program and touches nothing of
the user's: it loads the bundled extractor (whose SHA-256 is verified on loading), makes
two images with a small built-in generator, fingerprints them through the same pipeline
as real evidence, enrols one into a temporary library, attributes the other, writes a PDF
evidence report of that small case, and starts Qt offscreen.  Everything is written to a
temporary folder that is deleted afterwards.

Each check prints one line, ``ok`` or ``FAILED`` with the reason; a check that needs a
failed one is listed as not run, so nothing unchecked looks checked.  The exit status is
0 when every check passed and 2 otherwise (the command-line convention for a failed
command).  With FORENSICS_APP_DEBUG set, a failing check also prints its traceback on stderr.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from forensics_app import __version__

EXIT_OK, EXIT_FAILED = 0, 2
GENERATOR_NAME = "self-check generator"
IMAGE_SIZE = 256  # large enough for the full 3 x 3 grid of 128 px crops, so nothing is padded
IMAGE_COUNT = 2
GENERATOR_SEED = 20240501


class CheckFailed(Exception):
    """A check found the program not working; the message says what was wrong."""


@dataclass
class State:
    """What the checks hand on to each other, all of it inside the temporary folder."""

    folder: Path
    device: str
    extractor: Any = None
    image_paths: list[Path] = field(default_factory=list)
    fingerprints: list[Any] = field(default_factory=list)
    library: Any = None
    names: list[str] = field(default_factory=list)
    gallery: np.ndarray | None = None
    attribution: Any = None
    case: Any = None


@dataclass(frozen=True)
class Check:
    """One step of the self-check: a name, what it needs, and the function that runs it."""

    name: str
    run: Callable[[State], str]
    needs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str  # "ok", "FAILED" or "not run"
    detail: str


# --------------------------------------------------------------------------- the test images


def _conv3x3(x: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """(H, W, C) * (3, 3, C, C) -> (H, W, C), 'same' size with mirrored borders."""
    h, w, _ = x.shape
    padded = np.pad(x, ((1, 1), (1, 1), (0, 0)), mode="reflect")
    out = np.zeros_like(x)
    for dy in range(3):
        for dx in range(3):
            out += padded[dy:dy + h, dx:dx + w] @ kernel[dy, dx]
    return out


def generate_images(count: int = IMAGE_COUNT, size: int = IMAGE_SIZE, seed: int = GENERATOR_SEED) -> list[np.ndarray]:
    """`count` RGB uint8 images from one small upsampling generator.

    The generator's weights are fixed by `seed` and each image gets its own latent noise,
    so the images differ in content but carry the same trace: two x2 nearest-neighbour
    upsamplings, each followed by a fixed 3 x 3 convolution, the kind of periodic
    spectral trace the extractor is built to recognise.  Deterministic, so a failing
    self-check can be repeated exactly.
    """
    weights = np.random.default_rng(seed)
    kernels = [weights.normal(0.0, 0.25, (3, 3, 3, 3)) for _ in range(2)]
    images = []
    for index in range(count):
        latent = np.random.default_rng([seed, index + 1]).normal(0.0, 1.0, (size // 4, size // 4, 3))
        x = _conv3x3(latent, np.full((3, 3, 3, 3), 1.0 / 27.0))  # smooth, scene-like content
        for kernel in kernels:
            x = x.repeat(2, axis=0).repeat(2, axis=1)
            x = np.tanh(_conv3x3(x, kernel) + x)
        images.append(np.round((np.clip(x, -1.0, 1.0) + 1.0) * 127.5).astype(np.uint8))
    return images


def save_pngs(images: list[np.ndarray], folder: Path) -> list[Path]:
    """Write the images as lossless PNGs, the way evidence arrives: as files on disk."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, pixels in enumerate(images):
        path = folder / f"self-check-{index + 1}.png"
        Image.fromarray(pixels, "RGB").save(path)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- the checks


def check_weights(state: State) -> str:
    """Load the bundled extractor and its background population: Extractor.load refuses weights
    whose SHA-256 differs from the card's and a card whose integrity digest does not match;
    the background is refused unless its SHA-256 is the card's."""
    from forensics_app.core.fingerprint.extractor import Extractor
    from forensics_app.paths import extractor_dir

    state.extractor = Extractor.load(device=state.device)
    card = state.extractor.card
    background = state.extractor.background()
    population = background.describe() if background is not None else "no background population (the card names none)"
    return (f"extractor {card.extractor_id} from {extractor_dir()}: weights and model card intact; "
            f"{state.extractor.embedding_dim}-dimensional fingerprints on {state.extractor.device}; {population}")


def check_images(state: State) -> str:
    state.image_paths = save_pngs(generate_images(), state.folder / "images")
    return f"{len(state.image_paths)} PNGs of {IMAGE_SIZE} x {IMAGE_SIZE} px from the built-in test generator"


def check_fingerprints(state: State) -> str:
    """Fingerprint the files through the one pipeline the app and the commands use."""
    from forensics_app.core.pipeline import fingerprint_files

    state.fingerprints = list(fingerprint_files(state.extractor, state.image_paths, provenance=True))
    for result in state.fingerprints:
        if not result.ok:
            raise CheckFailed(f"{result.path.name} was not fingerprinted: {result.error}")
        _check_embedding(result.embedding, state.extractor.embedding_dim, result.path.name)
    return f"{len(state.fingerprints)} images, one unit-length {state.extractor.embedding_dim}-d fingerprint each"


def _check_embedding(embedding: np.ndarray, dim: int, name: str) -> None:
    if embedding.shape != (dim,):
        raise CheckFailed(f"the fingerprint of {name} has shape {embedding.shape}, expected ({dim},)")
    if not np.all(np.isfinite(embedding)):
        raise CheckFailed(f"the fingerprint of {name} holds NaN or infinite values")
    norm = float(np.linalg.norm(embedding))
    if abs(norm - 1.0) > 1e-3:
        raise CheckFailed(f"the fingerprint of {name} has length {norm:.4f}, expected 1")


def check_library(state: State) -> str:
    """Enrol the first image into a new library in the temporary folder, never the user's."""
    from forensics_app.core.library import Library

    first = state.fingerprints[0]
    path = state.folder / "library.sqlite"
    state.library = Library.open(path, state.extractor.extractor_id, state.extractor.embedding_dim)
    state.library.enroll(GENERATOR_NAME, [(first.sha256, str(first.path), first.embedding)], notes="self-check")
    state.names, state.gallery = state.library.gallery()
    if state.names != [GENERATOR_NAME] or state.gallery.shape != (1, state.extractor.embedding_dim):
        raise CheckFailed(f"the library reads back {state.names} with a gallery of shape {state.gallery.shape}")
    return f"'{GENERATOR_NAME}' enrolled from {first.path.name} into a temporary library"


def check_attribution(state: State) -> str:
    """Attribute the second image through the same workflow the app and `attribute` use."""
    from forensics_app.workflows.analyse import AnalysisRequest, record, run_analysis
    from forensics_app.workflows.intake import fingerprinted, new_case, take_in

    extractor = state.extractor
    case = new_case(extractor, "SELF-CHECK")
    case.examiner = "forensics-app --self-check"
    case.question = "Does this installation fingerprint, attribute and report correctly?"
    case.settings.crops, case.settings.device = extractor.card.preprocess.crops_per_image, str(extractor.device)
    for result in state.fingerprints[1:]:
        take_in(case, result)
    items = fingerprinted(case)
    request = AnalysisRequest(np.stack([i.embedding for i in items]), extractor, state.library, stages=("attribute",))
    for stage in run_analysis(request):
        record(case, items, stage)
    state.case, state.attribution = case, items[0].attribution
    best = state.attribution.best if state.attribution is not None else None
    if best is None or best.generator != GENERATOR_NAME:
        raise CheckFailed(f"the enrolled generator is not ranked for {items[0].exhibit}")
    if not (np.isfinite(best.similarity) and -1.001 <= best.similarity <= 1.001 and best.lr is not None):
        raise CheckFailed(f"similarity {best.similarity} or likelihood ratio {best.lr} is out of range")
    return (f"{Path(items[0].path).name} against the library: similarity {best.similarity:.3f}, likelihood ratio "
            f"{best.lr:.2g}, decision '{state.attribution.decision}' at a naming level of "
            f"{state.attribution.naming_lr:g}")


def check_report(state: State) -> str:
    """Write the evidence report of the small case and check that it is a PDF with pages."""
    from forensics_app.core.report import write_report

    out = state.folder / "self-check-report.pdf"
    result = write_report(state.case, out, extractor_card=state.extractor.card)
    data = out.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise CheckFailed(f"{out.name} does not start with %PDF-")
    if b"%%EOF" not in data[-1024:]:
        raise CheckFailed(f"{out.name} has no end-of-file marker; it was cut short")
    pages = count_pdf_pages(data)
    if result.pages < 1 or pages != result.pages:
        raise CheckFailed(f"{out.name} has {pages} page objects, the writer reported {result.pages}")
    if hashlib.sha256(data).hexdigest() != result.sha256:
        raise CheckFailed(f"the SHA-256 of {out.name} is not the one recorded in the case")
    return f"{result.pages} pages, {len(data):,} bytes, SHA-256 {result.sha256[:12]}... recorded in the case's audit log"


def count_pdf_pages(data: bytes) -> int:
    """Page objects in a PDF (ReportLab writes them uncompressed), not the /Pages tree nodes."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def check_desktop(state: State) -> str:
    """Start Qt offscreen and load the main window's code, as the desktop app would."""
    from PySide6 import __version__ as pyside_version
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(["forensics-app", "-platform", "offscreen"])
    import forensics_app.gui.main_window  # noqa: F401  (the window's whole import tree must be present)
    from forensics_app.gui.widgets.icons import app_icon

    if app_icon().isNull():
        raise CheckFailed("the application icon could not be drawn")
    return f"Qt (PySide6 {pyside_version}) started with the '{app.platformName()}' platform; main window code loaded"


CHECKS: tuple[Check, ...] = (
    Check("weights", check_weights),
    Check("images", check_images),
    Check("fingerprints", check_fingerprints, needs=("weights", "images")),
    Check("library", check_library, needs=("fingerprints",)),
    Check("attribution", check_attribution, needs=("library",)),
    Check("report", check_report, needs=("attribution",)),
    Check("desktop", check_desktop),
)


# --------------------------------------------------------------------------- running them


def _describe(exc: BaseException) -> str:
    """The program's own errors already say what to do; anything else is named with its type,
    since it points at a broken installation (a missing library, a module left out of a bundle)."""
    from forensics_app.core.fingerprint.extractor import ExtractorError

    if isinstance(exc, (CheckFailed, ExtractorError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _run_one(check: Check, state: State, outcomes: dict[str, Outcome]) -> Outcome:
    missing = [need for need in check.needs if need not in outcomes or outcomes[need].status != "ok"]
    if missing:
        return Outcome(check.name, "not run", f"needs {', '.join(missing)}")
    try:
        return Outcome(check.name, "ok", check.run(state))
    except Exception as exc:  # a self-check reports every failure, whatever its kind
        if os.environ.get("FORENSICS_APP_DEBUG"):
            traceback.print_exc()
        return Outcome(check.name, "FAILED", _describe(exc))


def run_checks(state: State, checks: tuple[Check, ...] = CHECKS,
               on_outcome: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Run every check whose prerequisites passed; a failure never stops the independent ones.

    `on_outcome` sees each result as soon as it is known, so a slow step shows where it is.
    """
    outcomes: dict[str, Outcome] = {}
    for check in checks:
        outcomes[check.name] = _run_one(check, state, outcomes)
        if on_outcome is not None:
            on_outcome(outcomes[check.name])
    return list(outcomes.values())


def _print_outcome(outcome: Outcome, out: TextIO) -> None:
    print(f"  {outcome.status:<8} {outcome.name:<13} {outcome.detail}", file=out, flush=True)


def _where() -> str:
    from forensics_app.paths import resources_dir

    kind = "desktop bundle" if getattr(sys, "frozen", False) else "Python installation"
    return f"{kind} ({sys.executable}); resources in {resources_dir()}"


def run(out: TextIO | None = None, device: str | None = None) -> int:
    """Run the self-check, print one line per check, and return the exit status (0 or 2)."""
    out = out or sys.stdout
    device = device or os.environ.get("FORENSICS_APP_DEVICE", "auto")
    started = time.monotonic()
    print(f"forensics-app {__version__} self-check: {_where()}", file=out, flush=True)
    with tempfile.TemporaryDirectory(prefix="forensics-app-self-check-", ignore_cleanup_errors=True) as folder:
        state = State(Path(folder), device)
        try:
            outcomes = run_checks(state, on_outcome=lambda outcome: _print_outcome(outcome, out))
        finally:
            if state.library is not None:
                state.library.close()  # before the folder is deleted (Windows keeps open files)
    passed = sum(outcome.status == "ok" for outcome in outcomes)
    seconds = time.monotonic() - started
    if passed == len(outcomes):
        print(f"self-check passed: {passed} of {len(outcomes)} checks ok in {seconds:.1f} s", file=out, flush=True)
        return EXIT_OK
    failed = [outcome.name for outcome in outcomes if outcome.status != "ok"]
    print(f"self-check FAILED: {passed} of {len(outcomes)} checks ok; failed or not run: {', '.join(failed)}",
          file=out, flush=True)
    return EXIT_FAILED
