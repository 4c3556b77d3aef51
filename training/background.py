"""The background population shipped with an extractor: other sources, embedded once.

Reproducible from the package registries alone:

    python -m training photos --out runs/photos
    pip install --no-deps gan-face-generate omniart-eye-generator
    python -m training background --photos runs/photos --install

Camera photographs (Debian's wallpaper packages and scikit-image's samples) each count
as a source of their own; the outputs of the two small pretrained generators on PyPI
(a DCGAN of faces, a conditional DCGAN of eyes) are two generator sources.  Photographs
are brought to the sizes and encodings analysts receive (long side 512 to 1,536 px,
JPEG quality 75 to 95 or PNG), chosen per photo by a seeded draw, and every image goes
through the same intake and fingerprint as evidence does.  Each image is then also
re-encoded at every quality of the matching ladder and fingerprinted again, as the
references of a matched comparison are, so a matched condition is calibrated against
other sources in the same condition.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from forensics_app.core.background import BACKGROUND_NAME, background_bytes
from forensics_app.core.decision.conditions import QUALITY_LADDER, jpeg_round_trip
from forensics_app.core.evidence import open_evidence
from forensics_app.core.fingerprint.extractor import CARD_NAME, Extractor, write_card
from forensics_app.core.pipeline import fingerprint_files

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


def _save_variant(image: Image.Image, out: Path, rng: np.random.Generator) -> Path:
    image = image.convert("RGB")
    side = int(rng.choice([512, 768, 1024, 1536]))
    scale = side / max(image.size)
    if scale < 1.0:
        image = image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)
    if rng.random() < 0.25:
        path = out.with_suffix(".png")
        image.save(path)
    else:
        path = out.with_suffix(".jpg")
        image.save(path, quality=int(rng.integers(75, 96)))
    return path


def photo_images(folders: list[Path], out: Path, rng: np.random.Generator) -> list[tuple[Path, str]]:
    """(file, source) per photograph: each photo is its own source."""
    made = []
    for folder in folders:
        for index, path in enumerate(sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)):
            try:
                with Image.open(path) as image:
                    saved = _save_variant(image, out / f"{Path(folder).name}-{index:04d}", rng)
            except (OSError, ValueError):
                continue
            made.append((saved, f"photo/{Path(folder).name}/{path.stem}"))
    from skimage import data

    for name in ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field", "cat",
                 "retina", "colorwheel"):
        pixels = getattr(data, name)()
        saved = _save_variant(Image.fromarray(pixels), out / f"skimage-{name}", rng)
        made.append((saved, f"photo/skimage/{name}"))
    return made


def generator_images(out: Path, count: int, seed: int) -> list[tuple[Path, str]]:
    """Outputs of the small pretrained generators on PyPI that are installed."""
    import torch

    made: list[tuple[Path, str]] = []
    torch.manual_seed(seed)
    try:
        import gan_face_generate
        from gan_face_generate.models import Generator as FaceGenerator

        net = FaceGenerator(0, 3, 100, 64)
        checkpoint = torch.load(Path(gan_face_generate.__file__).parent / "weights.tar", map_location="cpu")
        net.load_state_dict(checkpoint["netG_state_dict"])
        with torch.no_grad():
            faces = net.eval()(torch.randn(count, 100, 1, 1))
        made += _save_tensor_images(faces, out, "generator/dcgan-faces")
    except ImportError:
        pass
    eyes_package = importlib.util.find_spec("omniart_eye_generator")
    if eyes_package is not None and eyes_package.submodule_search_locations:
        # the package's __init__ loads its weights onto CUDA at import; load its module file alone
        folder = Path(list(eyes_package.submodule_search_locations)[0])
        spec = importlib.util.spec_from_file_location("omniart_eye_generator_model", folder / "generator.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        net = module.Generator()
        state = torch.load(folder / "generator_model_state.pth", map_location="cpu")
        net.load_state_dict(state)
        labels = torch.nn.functional.one_hot(torch.arange(count) % 8, 8).float()
        with torch.no_grad():
            eyes = net.eval()(torch.randn(count, 100, 1, 1), labels)
        made += _save_tensor_images(eyes, out, "generator/omniart-eyes")
    return made


def _save_tensor_images(batch, out: Path, source: str) -> list[tuple[Path, str]]:
    pixels = ((batch.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    made = []
    for index, image in enumerate(pixels):
        path = out / f"{source.replace('/', '-')}-{index:04d}.png"
        Image.fromarray(image).save(path)
        made.append((path, source))
    return made


def reencoded_embeddings(extractor: Extractor, paths: list[Path], qualities: tuple[int, ...]) -> dict[int, np.ndarray]:
    """Each image re-encoded at each quality and fingerprinted: quality -> (N, D), in `paths`' order.

    Every image is decoded once and re-encoded at all qualities in turn.
    """
    last: dict[Path, np.ndarray] = {}

    def load(item: tuple[Path, int]) -> np.ndarray:
        path, quality = item
        if path not in last:
            last.clear()
            last[path] = open_evidence(path).pixels
        return jpeg_round_trip(last[path], quality)

    items = [(path, quality) for path in paths for quality in qualities]
    found: dict[int, list[np.ndarray]] = {quality: [] for quality in qualities}
    for outcome in extractor.embed_stream(items, load=load):
        if outcome.error is not None:  # read once already, so only a failing encoder gets here
            raise RuntimeError(f"{outcome.item[0]} could not be re-encoded at {outcome.item[1]}: {outcome.error}")
        found[outcome.item[1]].append(outcome.embedding)
    return {quality: np.stack(embedded) for quality, embedded in found.items()}


def build_background(extractor_dir: Path, photo_folders: list[Path], generated: int = 40, seed: int = 0,
                     command: str = "", qualities: tuple[int, ...] = QUALITY_LADDER) -> dict:
    """Embed the population with the extractor in `extractor_dir` (as stored and re-encoded at
    each of `qualities`), write it beside the weights, and record its hash in the model card
    (sealed again)."""
    extractor = Extractor.load(extractor_dir, device="cpu")
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as work:
        out = Path(work)
        images = photo_images(photo_folders, out, rng) + generator_images(out, generated, seed)
        source_of = {path: source for path, source in images}
        results = [r for r in fingerprint_files(extractor, [p for p, _ in images]) if r.ok]
        reencoded = reencoded_embeddings(extractor, [r.path for r in results], tuple(qualities))
    embeddings = np.stack([r.embedding for r in results])
    sources = [source_of[r.path] for r in results]
    generators = sorted({s for s in sources if s.startswith("generator/")})
    payload = background_bytes(embeddings, sources, generators, extractor.extractor_id, reencoded)
    (Path(extractor_dir) / BACKGROUND_NAME).write_bytes(payload)
    card = json.loads((Path(extractor_dir) / CARD_NAME).read_text(encoding="utf-8"))
    counts: dict[str, int] = {}
    for source in sources:
        group = "/".join(source.split("/")[:2])
        counts[group] = counts.get(group, 0) + 1
    card["background"] = {"file": BACKGROUND_NAME, "sha256": hashlib.sha256(payload).hexdigest(),
                          "images": len(sources), "sources": counts, "command": command,
                          "reencoded_qualities": sorted(reencoded, reverse=True),
                          "note": "each photograph is its own source; generator outputs share their generator's"}
    write_card(extractor_dir, card)
    return card["background"]
