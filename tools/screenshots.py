"""Render the desktop app's main views after a scripted session, as PNGs to look at.

The session is what an analyst does first: open the app on an empty library (the
first-run screen), enrol generators from folders of their reference images, drop folders
of evidence (scikit-image's photographs remade by two tiny generators, and the outputs of
the small real generators installed from PyPI) plus one damaged file, then inspect one
image, its spectrum beside its cluster's and beside the enrolled generator's, the map and
the matches.  No picture is noise: each is a scene as a generator rendered it.  Everything runs in a scratch folder (own library, own settings), so the
analyst's real data are never touched.

    python tools/screenshots.py [--out build/screenshots] [--real-window]

Offscreen by default (QT_QPA_PLATFORM=offscreen); `--real-window` keeps the platform
given by the environment (e.g. under xvfb-run) and also grabs the whole screen.
Weights: $FORENSICS_APP_EXTRACTOR, else the bundled ones, else the `tiny` training recipe
is run once into the scratch folder (seconds; the tiny weights are weak, so the matches
shown are illustrative only).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "screenshots")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "screenshots-work")
    parser.add_argument("--real-window", action="store_true", help="use the environment's Qt platform (xvfb)")
    return parser.parse_args()


def prepare_extractor(work: Path) -> Path:
    """A folder with weights and model card to run the app with."""
    from forensics_app.paths import extractor_dir

    given = os.environ.get("FORENSICS_APP_EXTRACTOR")
    if given:
        return Path(given)
    if (extractor_dir() / "model_card.json").is_file():
        return extractor_dir()
    target = work / "tiny-run"
    if not (target / "extractor" / "model_card.json").is_file():
        from training.config import load_config
        from training.train import export, train

        print("no extractor weights found: training the tiny recipe once into", target, flush=True)
        config = load_config("tiny")
        summary = train(config, target)
        export(config, target, summary, "python -m training train --config tiny")
    return target / "extractor"


#: Scenes, not textures: grass or gravel remade by a generator would look like the noise it is not.
PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "cat", "immunohistochemistry", "hubble_deep_field", "retina",
          "camera", "coins", "moon")


def photographs(count: int, seed: int):
    """`count` different squares cut from scikit-image's sample photographs (grey ones as RGB)."""
    import numpy as np
    from skimage import data

    rng = np.random.default_rng(seed)
    chosen = []
    for index in range(count):
        pixels = getattr(data, PHOTOS[(index + seed) % len(PHOTOS)])()
        pixels = np.stack([pixels] * 3, axis=-1) if pixels.ndim == 2 else pixels[..., :3]
        height, width = pixels.shape[:2]
        side = int(min(height, width) * rng.uniform(0.55, 1.0))
        top, left = rng.integers(0, height - side + 1), rng.integers(0, width - side + 1)
        square = pixels[top:top + side, left:left + side]
        chosen.append(square[:, ::-1] if rng.random() < 0.5 else square)
    return chosen


def real_generator_images(work: Path, count: int) -> dict[str, list[Path]]:
    """Outputs of the small real generators installed from PyPI (faces, eyes), by generator;
    empty when none is installed."""
    from training.background import generator_images

    out = work / "real-generators"
    out.mkdir(parents=True, exist_ok=True)
    by_source: dict[str, list[Path]] = {}
    for path, source in generator_images(out, count, seed=3):
        by_source.setdefault(source.split("/", 1)[1], []).append(path)
    return by_source


def place(paths: list[Path], folder: Path, prefix: str) -> list[Path]:
    """Copy files into `folder` as prefix_000.png, ... (how an analyst receives them)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    placed = []
    for index, path in enumerate(paths):
        target = folder / f"{prefix}_{index:03d}.png"
        shutil.copy(path, target)
        placed.append(target)
    return placed


def make_images(work: Path) -> dict[str, list[Path] | Path]:
    """Evidence that looks like evidence: scikit-image's photographs remade by two tiny
    generators (one enrolled, one not), outputs of the real small generators when installed
    (one enrolled), ten references of each enrolled generator, a damaged file, a long batch.

    Two folders hold files of the same names (upload_000.png, ...), as uploads do."""
    import shutil

    from forensics_app.core.library import MIN_REFERENCES_ADVISED
    from forensics_app.testing.tiny_generators import render_photos, save_pngs

    shutil.rmtree(work / "evidence", ignore_errors=True)
    shutil.rmtree(work / "references", ignore_errors=True)
    images = work / "evidence"
    refs = MIN_REFERENCES_ADVISED
    sets: dict[str, list[Path] | Path] = {
        "enrolled": save_pngs(render_photos("transposed", photographs(6, 1), 384), images / "seized-phone", "upload"),
        "unenrolled": save_pngs(render_photos("nearest", photographs(6, 2), 384), images / "web-forum", "upload"),
        "references": save_pngs(render_photos("transposed", photographs(refs, 3), 384),
                                work / "references" / "transposed", "ref"),
    }
    # a camera photograph slipped in among the references, as happens with a folder picked in haste:
    # the library panel's consistency check is there to catch it
    from PIL import Image

    Image.fromarray(photographs(1, 7)[0]).resize((384, 384)).save(work / "references" / "transposed" / "ref_010.png")
    real = real_generator_images(work, refs + 6)
    if "dcgan-faces" in real:
        faces = real["dcgan-faces"]
        sets["face_references"] = place(faces[:refs], work / "references" / "dcgan-faces", "ref")
        sets["faces"] = place(faces[refs:refs + 6], images / "social-media", "upload")
    if "omniart-eyes" in real:
        sets["eyes"] = place(real["omniart-eyes"][:4], images / "social-media", "eye")
    sets["long"] = save_pngs(render_photos("bilinear", photographs(48, 4), 256), work / "long-batch", "frame")
    damaged = images / "damaged.png"
    damaged.write_bytes(sets["enrolled"][0].read_bytes()[:300])
    sets["damaged"] = damaged
    return sets


class Session:
    """Drives the window like a user and saves what it shows."""

    def __init__(self, app, window, out: Path) -> None:
        self.app, self.window, self.out = app, window, out
        self.saved: list[Path] = []

    def wait(self, condition, timeout: float = 120.0, what: str = "") -> None:
        end = time.monotonic() + timeout
        while not condition():
            self.app.processEvents()
            if time.monotonic() > end:
                raise TimeoutError(f"timed out waiting for {what or condition}")
            time.sleep(0.01)
        for _ in range(5):  # let repaints and matplotlib's draw_idle land
            self.app.processEvents()
            time.sleep(0.02)

    def idle(self) -> None:
        self.wait(lambda: not self.window.jobs.busy and not self.window.previews.scanning, what="the jobs")

    def grab(self, widget, name: str) -> None:
        for canvas in widget.findChildren(type(self.window.map_view.canvas)):
            canvas.draw()
        self.app.processEvents()
        path = self.out / f"{name}.png"
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.saved.append(path)
        print("wrote", path, flush=True)


def answer_message_boxes(session: Session) -> None:
    """A modal box would stop an offscreen session: each one is shown, saved as a picture
    (the analyst reads these too), printed, and answered with its default button."""
    from PySide6.QtWidgets import QMessageBox

    def shower(icon):
        def show(parent, title, text, *args, **kwargs):
            box = QMessageBox(icon, title, text, QMessageBox.Ok, parent)
            box.show()
            session.wait(lambda: True)
            session.grab(box, f"message-{len([p for p in session.saved if 'message-' in p.name]) + 1:02d}")
            box.close()
            print("message:", text.replace("\n", " | "), flush=True)
            return QMessageBox.Ok
        return staticmethod(show)

    QMessageBox.information = shower(QMessageBox.Information)
    QMessageBox.warning = shower(QMessageBox.Warning)
    QMessageBox.critical = shower(QMessageBox.Critical)


def run(args: argparse.Namespace) -> list[Path]:
    if not args.real_window:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    for stale in args.out.glob("*.png"):  # only this run's pictures are left to look at
        stale.unlink()
    os.environ["FORENSICS_APP_EXTRACTOR"] = str(prepare_extractor(work))
    library = work / "library.sqlite"
    library.unlink(missing_ok=True)
    os.environ["FORENSICS_APP_LIBRARY"] = str(library)
    sets = make_images(work)

    from PySide6.QtCore import QSettings, Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from forensics_app.gui import library_actions
    from forensics_app.gui.evidence_model import COLUMN
    from forensics_app.gui.exports import app_versions
    from forensics_app.gui.main_window import MainWindow
    from forensics_app.gui.widgets.dialogs import AboutDialog, EnrolDetails, SettingsDialog
    from forensics_app.gui.widgets.icons import app_icon
    from forensics_app.gui.widgets.map_view import BY_MATCH
    from forensics_app.gui.widgets.spectrum_view import GENERATOR_PREFIX

    app = QApplication.instance() or QApplication(["forensics-app"])
    app.setApplicationName("forensics-app")
    app.setWindowIcon(app_icon())
    settings_file = work / "settings.ini"
    settings_file.unlink(missing_ok=True)
    window = MainWindow(device="cpu", settings=QSettings(str(settings_file), QSettings.IniFormat))
    window.resize(1600, 1000)
    window.show()
    session = Session(app, window, args.out)
    answer_message_boxes(session)
    session.idle()
    session.grab(window, "01-first-run")

    # enrol the generators whose references we hold, answering the dialogs as the analyst would
    enrolments = [("transposed-upsampler", "tiny test generators", sets["references"])]
    if "face_references" in sets:
        enrolments.append(("dcgan-faces", "DCGAN (gan-face-generate on PyPI)", sets["face_references"]))
    for name, family, references in enrolments:
        folder = str(references[0].parent)
        library_actions.QFileDialog.getExistingDirectory = staticmethod(lambda *a, folder=folder, **k: folder)
        library_actions.EnrolDialog.ask = staticmethod(
            lambda *a, name=name, family=family, count=len(references), **k: EnrolDetails(
                name, family, f"{count} reference renders"))
        window.library.enrol_from_folder()
        session.idle()

    # drop the evidence folders and a damaged file
    window.add_paths([str(p) for p in sorted((args.work / "evidence").iterdir())])
    session.idle()
    window.table.sortByColumn(COLUMN["Folder"], Qt.AscendingOrder)  # the two upload_000.png apart by folder

    # inspect one image of the generator that is not enrolled
    subject = next(i for i in window.session.case.items if "web-forum" in i.path and not i.error)
    window.select_item(subject)
    spectrum = window.inspector.spectrum
    session.wait(lambda: spectrum.current == subject.sha256 and spectrum.shown_reference is not None,
                 what="the spectrum and its cluster mean")
    # hover over another point of the map so the hover label shows
    other = next(index for index, item in enumerate(window.map_pane.items) if item is not subject)
    position = window.map_view.widget_position(other)
    QTest.mouseMove(window.map_view.canvas, position)
    session.wait(lambda: window.map_view._annotation is not None and window.map_view._annotation.get_visible(),
                 timeout=5, what="the hover label")
    session.grab(window, "03-main-window")
    if args.real_window:  # the whole X screen, as the window manager-less display shows it
        window.raise_()
        session.wait(lambda: True)
        path = args.out / "00-real-window-screen.png"
        app.primaryScreen().grabWindow(0).save(str(path))
        session.saved.append(path)
    session.grab(window.inspector.tabs, "04-spectrum-vs-cluster")
    spectrum.set_comparison(GENERATOR_PREFIX + "transposed-upsampler")
    session.wait(lambda: spectrum.shown_reference is not None and spectrum.shown_reference.startswith("generator:"),
                 what="the generator's mean spectrum")
    session.grab(window.inspector.tabs, "05-spectrum-vs-generator")
    window.inspector.tabs.setCurrentIndex(1)
    session.wait(lambda: window.inspector.image.current == subject.sha256, what="the image")
    session.grab(window.inspector.tabs, "06-image")
    window.inspector.tabs.setCurrentIndex(2)
    session.grab(window.inspector.tabs, "07-evidence")
    window.inspector.tabs.setCurrentIndex(0)
    session.grab(window.splitters["left"].widget(1), "08-map-by-cluster")
    window.map_view.set_colour_mode(BY_MATCH)
    session.grab(window.splitters["left"].widget(1), "09-map-by-attribution")
    window.select_item(next(i for i in window.session.case.items if "seized-phone" in i.path and not i.error))
    session.grab(window.splitters["right"].widget(1), "10-matches")
    session.grab(window.splitters["right"].widget(2), "11-library")
    damaged = next(i for i in window.session.case.items if i.error)
    window.select_item(damaged)
    session.grab(window.splitters["left"].widget(0), "12-table-with-rejection")

    # a long batch in a new case: the window mid-run, then after Cancel
    window.session.dirty = False
    window.case_files.new_case()
    mid_run = []

    def grab_mid_run(done: int, total: int, remaining: float) -> None:
        if 0 < done < total and not mid_run and window.jobs.current_job.label == "Fingerprinting":
            mid_run.append(done)
            session.grab(window, "15-long-batch-running")
            window.job_status.cancel()

    window.jobs.progress.connect(grab_mid_run)
    window.add_paths([str(sets["long"][0].parent)])
    session.idle()
    window.jobs.progress.disconnect(grab_mid_run)
    session.grab(window.statusBar(), "16-after-cancel-status")

    dialog = SettingsDialog(window, window.settings_actions.preferences, window.session.policy)
    dialog.show()
    session.grab(dialog, "13-settings")
    dialog.close()
    about = AboutDialog(window, app_versions(window.session.extractor), window.session.card.to_dict())
    about.show()
    session.grab(about, "14-about")
    about.close()
    window.session.dirty = False  # a scripted session: nothing to keep
    window.close()
    return session.saved


def main() -> int:
    args = parse_args()
    saved = run(args)
    print(f"{len(saved)} screenshot(s) in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
