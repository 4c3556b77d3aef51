"""The photo recipe for the bundled weights: photographs from Debian's packages.

Anyone can reproduce the training photos from the package registries alone:

    python -m training photos --out ~/.cache/forensics-training/photos

runs `apt-get download` for the wallpaper packages below and unpacks their images
(`dpkg-deb -x`) into one folder per package; nothing is installed system-wide.  The
recipes then name those folders, and scikit-image's sample photos are added in code.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

WALLPAPER_PACKAGES = (
    "plasma-workspace-wallpapers",
    "lomiri-wallpapers-16.04",
    "lomiri-wallpapers-20.04",
    "ukui-wallpapers",
    "mate-backgrounds",
)
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def fetch_wallpapers(out_dir: Path, packages: tuple[str, ...] = WALLPAPER_PACKAGES) -> dict[str, int]:
    """Download and unpack each package's images into out_dir/<package>; counts per package."""
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is needed for the photo recipe (a Debian or Ubuntu system)")
    out_dir = Path(out_dir)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        subprocess.run(["apt-get", "download", *packages], cwd=work_dir, check=True)
        for package in packages:
            debs = sorted(work_dir.glob(f"{package}_*.deb"))
            if not debs:
                raise RuntimeError(f"apt-get did not fetch {package}")
            unpacked = work_dir / package
            subprocess.run(["dpkg-deb", "-x", str(debs[0]), str(unpacked)], check=True)
            target = out_dir / package
            target.mkdir(parents=True, exist_ok=True)
            images = [p for p in unpacked.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and "screenshot" not in p.name.lower()]
            for index, image in enumerate(sorted(images)):
                shutil.copy2(image, target / f"{index:04d}_{image.name}")
            counts[package] = len(images)
    return counts
