"""Render the desktop app's main views after a scripted session, as PNGs to look at.

The session is what an analyst does first: open the app on an empty library (the
first-run screen), enrol one generator from a folder of its reference images, drop a
dozen images of two tiny generators plus one damaged file, then inspect one image, its
spectrum beside its cluster's and beside the enrolled generator's, the map and the
matches.  Everything runs in a scratch folder (own library, own settings), so the
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
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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


def make_images(work: Path) -> dict[str, list[Path] | Path]:
    """Six images each of two tiny generators (nearest-neighbour and pixel-shuffle
    upsampling), five references of one, a damaged file, and a long batch to cancel."""
    from tests.tiny_generators import generate, save_pngs

    images = work / "evidence"
    sets = {
        "nearest": save_pngs(generate("nearest", 6, size=256, seed=11), images / "batch-a", "upload"),
        "shuffle": save_pngs(generate("shuffle", 6, size=256, seed=12), images / "batch-b", "upload"),
        "references": save_pngs(generate("nearest", 5, size=256, seed=13), work / "references" / "nearest", "ref"),
    }
    sets["long"] = save_pngs(generate("bilinear", 48, size=256, seed=14), work / "long-batch", "frame")
    damaged = images / "damaged.png"
    damaged.write_bytes(sets["nearest"][0].read_bytes()[:300])
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

    from PySide6.QtCore import QSettings
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from forensics_app.gui import library_actions
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
    session.idle()
    session.grab(window, "01-first-run")

    # enrol 'nearest' from its folder, answering the dialogs as the analyst would
    reference_folder = str(sets["references"][0].parent)
    library_actions.QFileDialog.getExistingDirectory = staticmethod(lambda *a, **k: reference_folder)
    library_actions.EnrolDialog.ask = staticmethod(
        lambda *a, **k: EnrolDetails("nearest-upsampler", "tiny test generators", "five reference renders"))
    window.library.enrol_from_folder()
    session.idle()

    # drop a dozen images and a damaged file
    window.add_paths([str(sets["nearest"][0].parent), str(sets["shuffle"][0].parent), str(sets["damaged"])])
    session.idle()

    # inspect one image of the generator that is not enrolled
    subject = next(i for i in window.case.items if "batch-b" in i.path and not i.error)
    window.select_item(subject)
    spectrum = window.inspector.spectrum
    session.wait(lambda: spectrum.current == subject.sha256 and spectrum.shown_reference is not None,
                 what="the spectrum and its cluster mean")
    # hover over another point of the map so the hover label shows
    other = next(index for index, item in enumerate(window.map_items) if item is not subject)
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
    spectrum.set_comparison(GENERATOR_PREFIX + "nearest-upsampler")
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
    window.select_item(next(i for i in window.case.items if "batch-a" in i.path and not i.error))
    session.grab(window.splitters["right"].widget(1), "10-matches")
    session.grab(window.splitters["right"].widget(2), "11-library")
    damaged = next(i for i in window.case.items if i.error)
    window.select_item(damaged)
    session.grab(window.splitters["left"].widget(0), "12-table-with-rejection")

    # a long batch in a new case: the window mid-run, then after Cancel
    window.dirty = False
    window.new_case()
    mid_run = []

    def grab_mid_run(done: int, total: int, remaining: float) -> None:
        if 0 < done < total and not mid_run and window.jobs.current_job.label == "Fingerprinting":
            mid_run.append(done)
            session.grab(window, "15-long-batch-running")
            window.cancel_work()

    window.jobs.progress.connect(grab_mid_run)
    window.add_paths([str(sets["long"][0].parent)])
    session.idle()
    window.jobs.progress.disconnect(grab_mid_run)
    session.grab(window.statusBar(), "16-after-cancel-status")

    dialog = SettingsDialog(window, window.preferences, window.policy)
    dialog.show()
    session.grab(dialog, "13-settings")
    dialog.close()
    about = AboutDialog(window, app_versions(window.extractor), window.card.to_dict())
    about.show()
    session.grab(about, "14-about")
    about.close()
    window.dirty = False  # a scripted session: nothing to keep
    window.close()
    return session.saved


def main() -> int:
    args = parse_args()
    saved = run(args)
    print(f"{len(saved)} screenshot(s) in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
