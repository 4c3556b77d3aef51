"""End-to-end fingerprint speed and peak memory, against a paper-scale reference pipeline.

    python benchmarks/embed_speed.py --images 1000 --reference-images 16

Writes a folder of 512 x 512 PNGs, then fingerprints it end to end (decode, hash,
residual, nine crops, network) in a fresh process per measurement, so each peak RSS
belongs to one pipeline alone.  The reference is the method's scale: a 17-layer,
64-channel denoiser for the residual and a ResNet-50 on the same nine crops (random
weights: only the timing matters).  Runs on the CPU, and on the GPU when there is one.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent


def make_folder(folder: Path, count: int, size: int = 512) -> list[Path]:
    """PNGs with photo-like content (smoothed noise at several scales), deterministic."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    paths = []
    for index in range(count):
        path = folder / f"bench_{index:05d}.png"
        if not path.exists():
            base = rng.random((size // 16, size // 16, 3))
            image = Image.fromarray((base * 255).astype(np.uint8)).resize((size, size), Image.BICUBIC)
            pixels = np.asarray(image).astype(np.int16) + rng.integers(-6, 7, (size, size, 3))
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path)
        paths.append(path)
    return paths


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_ours(paths: list[Path], device: str) -> dict:
    from forensics_app.core.fingerprint.extractor import Extractor, write_extractor
    from forensics_app.core.fingerprint.network import FingerprintNet
    from forensics_app.core.pipeline import fingerprint_files

    try:
        extractor = Extractor.load(device=device)
        weights = f"bundled {extractor.extractor_id}"
    except Exception:  # no bundled weights yet: same architecture, random weights
        from forensics_app.core.fingerprint.network import NetworkConfig
        from forensics_app.core.fingerprint.preprocess import PreprocessConfig

        tmp = Path(tempfile.mkdtemp())
        write_extractor(tmp, FingerprintNet(NetworkConfig()), PreprocessConfig())
        extractor = Extractor.load(tmp, device=device)
        weights = "random (no bundled weights)"
    started = time.perf_counter()
    done = sum(1 for r in fingerprint_files(extractor, paths) if r.ok)
    elapsed = time.perf_counter() - started
    return {"pipeline": "ours", "weights": weights, "images": done, "seconds": elapsed}


def run_reference(paths: list[Path], device: str) -> dict:
    """Paper scale: DnCNN-style residual (17 x 64 ch) + ResNet-50 on the nine crops."""
    import torch
    from torch import nn
    from torchvision.models import resnet50

    from forensics_app.core.evidence import open_evidence
    from forensics_app.core.fingerprint.preprocess import PreprocessConfig, crop_grid, log_spectrum, standardise, to_float

    torch_device = torch.device("cuda" if device == "cuda" else "cpu")
    layers: list[nn.Module] = [nn.Conv2d(3, 64, 3, padding=1), nn.ReLU(inplace=True)]
    for _ in range(15):
        layers += [nn.Conv2d(64, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True)]
    layers.append(nn.Conv2d(64, 3, 3, padding=1))
    denoiser = nn.Sequential(*layers).to(torch_device).eval()
    backbone = resnet50(weights=None).to(torch_device).eval()
    config = PreprocessConfig()
    started = time.perf_counter()
    with torch.inference_mode():
        for path in paths:
            crops, _ = crop_grid(open_evidence(path).pixels, config)
            x = to_float(torch.from_numpy(crops)).to(torch_device)
            residual = denoiser(x)
            backbone(standardise(log_spectrum(residual)))
    if torch_device.type == "cuda":
        torch.cuda.synchronize()
    return {"pipeline": "reference", "weights": "random", "images": len(paths), "seconds": time.perf_counter() - started}


def worker(args: argparse.Namespace) -> None:
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    paths = sorted(Path(args.folder).glob("*.png"))[: args.count]
    result = (run_ours if args.worker == "ours" else run_reference)(paths, args.device)
    result.update(device=args.device, threads=torch.get_num_threads(), peak_rss_mb=round(peak_rss_mb(), 1),
                  images_per_second=round(result["images"] / result["seconds"], 2))
    print(json.dumps(result))


def measure(kind: str, folder: Path, count: int, device: str, threads: int) -> dict:
    command = [sys.executable, __file__, "--worker", kind, "--folder", str(folder), "--count", str(count),
               "--device", device, "--threads", str(threads)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=REPO).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=1000, help="folder size for our pipeline (speed and memory)")
    parser.add_argument("--reference-images", type=int, default=16, help="images for the (slow) reference pipeline")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--folder", help="reuse or create this folder of PNGs (default: a temporary folder)")
    parser.add_argument("--worker", choices=["ours", "reference"], help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--device", default="cpu", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    import torch

    folder = Path(args.folder or tempfile.mkdtemp(prefix="embed-bench-"))
    make_folder(folder, max(args.images, args.reference_images))
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    report = {}
    for device in devices:
        ours = measure("ours", folder, args.images, device, args.threads)
        reference = measure("reference", folder, args.reference_images, device, args.threads)
        report[device] = {"ours": ours, "reference": reference,
                          "speedup": round(ours["images_per_second"] / reference["images_per_second"], 1)}
        print(f"{device}: ours {ours['images_per_second']} images/s (peak RSS {ours['peak_rss_mb']} MB, "
              f"{ours['images']} images); reference {reference['images_per_second']} images/s "
              f"(peak RSS {reference['peak_rss_mb']} MB); ours is {report[device]['speedup']}x faster", flush=True)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
