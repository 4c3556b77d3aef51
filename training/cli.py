"""Command line of the training package (`python -m training --help`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO_EXTRACTOR = Path(__file__).resolve().parent.parent / "resources" / "extractor"


def _parse_override(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def cmd_train(args: argparse.Namespace) -> int:
    import torch

    from training.config import load_config
    from training.train import command_line, export, train

    config = load_config(args.config, dict(_parse_override(o) for o in args.set))
    if args.threads:
        torch.set_num_threads(args.threads)
    out_dir = Path(args.out or f"runs/{config.name}")
    summary = train(config, out_dir, shards=args.shards, max_steps=args.max_steps)
    if int(__import__("os").environ.get("RANK", "0")) != 0:
        return 0
    destination = REPO_EXTRACTOR if args.install else None
    card = export(config, out_dir, summary, command_line(), destination)
    print(json.dumps({"extractor_id": card.extractor_id, "heldout": summary.get("heldout")}, indent=2))
    return 0


def cmd_photos(args: argparse.Namespace) -> int:
    from training.photos import fetch_wallpapers

    counts = fetch_wallpapers(Path(args.out))
    print(json.dumps(counts, indent=2))
    return 0


def cmd_background(args: argparse.Namespace) -> int:
    import torch

    from training.background import build_background
    from training.train import command_line

    torch.set_num_threads(args.threads or torch.get_num_threads())
    folders = sorted(p for p in Path(args.photos).iterdir() if p.is_dir()) if args.photos else []
    destination = REPO_EXTRACTOR if args.install else Path(args.extractor)
    summary = build_background(destination, folders, generated=args.generated, command=command_line())
    print(json.dumps(summary, indent=2))
    return 0


def cmd_backend(args: argparse.Namespace) -> int:
    """Render the back-end's background (resumable), fit the chosen variant, install it."""
    import torch

    from forensics_app.core.fingerprint.extractor import Extractor
    from training.backend_data import BackgroundRecipe, load_background_features, render_background
    from training.backend_fit import STUDY_COMPUTED, VARIANTS, fit_variant, install_backend
    from training.train import command_line

    if args.variant not in VARIANTS:
        raise ValueError(f"unknown back-end variant {args.variant!r}; choose one of: {', '.join(VARIANTS)}")
    torch.set_num_threads(args.threads or torch.get_num_threads())
    folders = sorted(p for p in Path(args.photos).iterdir() if p.is_dir()) if args.photos else []
    source = Path(args.extractor)
    extractor = Extractor.load(source, device="cpu")
    if extractor.card.extra.get("backend"):
        raise ValueError(f"{source} already carries a back-end; render with the learned stream alone "
                         "(restore its card without the back-end first)")
    render_background(folders, Path(args.out), BackgroundRecipe(architectures=args.architectures),
                      STUDY_COMPUTED, embed=extractor.embed_pixels)
    if args.render_only:
        return 0
    backend = fit_variant(args.variant, load_background_features(Path(args.out)))
    destination = REPO_EXTRACTOR if args.install else source
    card = install_backend(destination, backend, args.variant, command_line())
    # the population embedded under the old id is stale: embed it again with the fused fingerprint
    from training.background import build_background

    population = build_background(destination, folders, generated=args.generated, command=command_line())
    print(json.dumps({"extractor_id": card.extractor_id, "backend": backend.describe(),
                      "background": population["images"]}, indent=2))
    return 0


def cmd_fidelity(args: argparse.Namespace) -> int:
    from training.fidelity_report import fidelity_report

    report = fidelity_report(Path(args.real), Path(args.run), ablate=args.ablate, max_images=args.max_images,
                             max_models=args.max_models)
    print(json.dumps(report, indent=2))
    return 0


def cmd_record(args: argparse.Namespace) -> int:
    """Copy the headline figures of an `evaluate --json` run into the model card.

    The card is not covered by the weights' SHA-256, so figures measured after training
    can be added without touching the weights; the evaluation command is recorded too,
    and the card is sealed again (its integrity digest covers the figures).
    """
    from forensics_app.core.fingerprint.extractor import write_card

    card_path = Path(args.card)
    card = json.loads(card_path.read_text(encoding="utf-8"))
    text = Path(args.evaluation).read_text(encoding="utf-8")
    report = _last_json_object(text) if args.part else json.loads(text)
    if report.get("extractor_id") != card.get("extractor_id"):
        raise ValueError(f"the evaluation was made with extractor {report.get('extractor_id')}, the card is {card.get('extractor_id')}")
    keys = ("models", "images", "refs", "seeds", "accuracy", "accuracy_std", "macro_f1", "auc", "ari", "nmi",
            "open_set_auroc", "size_only_accuracy", "within_size_groups", "recall", "excluded", "method",
            "cllr", "cllr_min", "misleading", "open_set", "verification", "never_enrolled", "single_generator_library",
            "closed_set")
    if args.part:  # a study's summary, kept whole under the evaluation it belongs to
        figures = card.setdefault("figures", {}).setdefault(args.name, {})
        figures[args.part] = {"command": args.command, **{k: v for k, v in report.items() if k != "extractor_id"}}
    else:  # the evaluation's figures replaced; the studies recorded under it (`--part`) kept
        figures = card.setdefault("figures", {})
        parts = {k: v for k, v in (figures.get(args.name) or {}).items() if k not in keys and k != "command"}
        figures[args.name] = {"command": args.command, **{k: report[k] for k in keys if k in report}, **parts}
    write_card(card_path.parent, card)
    print(f"recorded {args.name}{'.' + args.part if args.part else ''} in {card_path}")
    return 0


def _last_json_object(text: str) -> dict:
    """The summary a study prints last (after its per-draw lines): the last object that parses to the end."""
    starts = ([0] if text.startswith("{") else []) + [i + 1 for i in range(len(text)) if text.startswith("\n{", i)]
    for start in reversed(starts):
        try:
            found = json.loads(text[start:])
        except json.JSONDecodeError:
            continue
        if isinstance(found, dict):
            return found
    raise ValueError("no JSON summary at the end of the study's output")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m training", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="synthesise models and train the extractor from a recipe")
    p.add_argument("--config", default="cpu", help="recipe name (tiny, cpu, paper) or JSON path")
    p.add_argument("--out", help="run folder (default runs/<recipe>); an existing run resumes")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a recipe setting")
    p.add_argument("--shards", type=int, default=1, help="split every batch into this many parts (as DDP would)")
    p.add_argument("--max-steps", type=int, help="stop early (tests, smoke runs)")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--install", action="store_true", help=f"write the weights to {REPO_EXTRACTOR}")
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("photos", help="fetch the training photographs from Debian's wallpaper packages")
    p.add_argument("--out", required=True)
    p.set_defaults(func=cmd_photos)
    p = sub.add_parser("background", help="embed the background population of other sources beside the weights")
    p.add_argument("--photos", help="folder of photo folders (from 'photos'); scikit-image's samples are added")
    p.add_argument("--generated", type=int, default=40, help="images per installed small PyPI generator")
    p.add_argument("--extractor", default=str(REPO_EXTRACTOR), help="extractor folder to write to")
    p.add_argument("--install", action="store_true", help=f"write to {REPO_EXTRACTOR}")
    p.add_argument("--threads", type=int, default=0)
    p.set_defaults(func=cmd_background)
    p = sub.add_parser("backend", help="render the back-end's background of synthetic models and photos, fit, install")
    p.add_argument("--photos", help="folder of photo folders (from 'photos'); scikit-image's samples are added")
    p.add_argument("--out", default="runs/backend-bg", help="folder of rendered features (resumes)")
    p.add_argument("--architectures", type=int, default=240, help="synthetic architectures (2 seeds each)")
    p.add_argument("--variant", default="fused 0.7 / 0.3, PCA-whitened 128", help="back-end variant to fit")
    p.add_argument("--extractor", default=str(REPO_EXTRACTOR), help="extractor folder (learned stream) to start from")
    p.add_argument("--render-only", action="store_true", help="render the background and stop")
    p.add_argument("--generated", type=int, default=40, help="images per installed small PyPI generator (population)")
    p.add_argument("--install", action="store_true", help=f"write the back-end to {REPO_EXTRACTOR}")
    p.add_argument("--threads", type=int, default=0)
    p.set_defaults(func=cmd_backend)
    p = sub.add_parser("fidelity", help="Frechet Frequency Distance between real generators and a run's synthetic models")
    p.add_argument("--real", required=True, help="folder of folders of real generator images")
    p.add_argument("--run", required=True, help="a training run folder (its synthetic models)")
    p.add_argument("--ablate", action="store_true", help="also FFD with each factor of the space held at its default")
    p.add_argument("--max-images", type=int, default=100)
    p.add_argument("--max-models", type=int, default=400, help="synthetic models to profile (a random subset)")
    p.set_defaults(func=cmd_fidelity)
    p = sub.add_parser("record", help="copy figures of 'forensics-app evaluate --json' into a model card")
    p.add_argument("--card", default=str(REPO_EXTRACTOR / "model_card.json"))
    p.add_argument("--evaluation", required=True, help="the JSON that evaluate --json printed")
    p.add_argument("--name", required=True, help="key under 'figures', e.g. dev_set")
    p.add_argument("--command", required=True, help="the evaluate command that produced it")
    p.add_argument("--part", help="record a study's summary (the last JSON object of its output) under this key "
                                  "of the named figures, e.g. jpeg_probes")
    p.set_defaults(func=cmd_record)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (FileNotFoundError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
