"""Steps several commands share: the extractor, the library, fingerprinting, the analysis."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from forensics_app.cli.output import CommandError, Progress, report_rejections


def load_extractor(args: argparse.Namespace):
    from forensics_app.core.fingerprint.extractor import Extractor

    return Extractor.load(device=args.device)


def library_path(args: argparse.Namespace, create: bool = False) -> Path:
    """The library file the command acts on; only enrolling and importing may create one,
    so a mistyped --library is an error instead of a new, empty library."""
    from forensics_app.core.library import default_library_path

    path = default_library_path(args.library)
    if not create and not path.exists():
        raise CommandError(f"there is no library at {path}; check --library, or enrol generators first with "
                           "'forensics-app enroll NAME DIR'")
    return path


def open_library(args: argparse.Namespace, extractor, create: bool = False):
    from forensics_app.core.library import Library

    return Library.open(library_path(args, create), extractor.extractor_id, extractor.embedding_dim)


def fingerprint(args: argparse.Namespace, extractor, inputs: list[str], label: str = "fingerprinting"):
    from forensics_app.workflows.intake import fingerprint_paths

    results = list(fingerprint_paths(extractor, inputs, max_pixels=args.max_pixels, provenance=True,
                                     progress=Progress(label, not args.json)))
    if all(r.skipped for r in results):
        report_rejections(results)
        raise CommandError(f"no image files found in {', '.join(inputs)}")
    return results


def skipped_records(results) -> list[dict]:
    """The entries folder scans left out, for --json."""
    return [{"path": str(r.path), "reason": r.error} for r in results if r.skipped]


def analyse(args: argparse.Namespace, extractor, library, results, stages: tuple[str, ...]):
    """Fingerprints into a case, then the analysis stages, recorded as the window records them.

    A case to be saved (``--case``) is mapped too, so it opens in the window, and reports,
    with its map like a case made there.
    """
    if getattr(args, "case", None) and "map" not in stages:
        stages = (*stages, "map")
    from forensics_app.workflows.analyse import run_analysis
    from forensics_app.workflows.intake import new_case
    from forensics_app.workflows.session import Session, session_settings

    session = Session(extractor, library, new_case(extractor, getattr(args, "reference", "") or ""))
    for result in results:
        session.take_in(result, once=False)
    items, request = session.analysis(session_settings(extractor, args.max_pixels, naming_lr=args.naming_lr), stages,
                                      top=getattr(args, "top", None))
    for stage in run_analysis(request):
        session.record(items, stage)
    return session.case, items, session.policy


def optional_library(args: argparse.Namespace, extractor):
    """The library when one exists for these weights: its references sharpen the policy."""
    from forensics_app.core.library import LibraryError, default_library_path

    if args.library is None and not default_library_path(None).exists():
        return None
    try:
        return open_library(args, extractor)
    except LibraryError as exc:
        print(f"warning: the library is not used ({exc})", file=sys.stderr)
        return None


def print_policy(args: argparse.Namespace, policy, pairs: bool = False) -> None:
    if policy is not None and not args.json:
        print(f"decision policy: {policy.describe(pairs)}", file=sys.stderr)


def print_conditions(args: argparse.Namespace, case) -> None:
    """How JPEG probes were compared: each matched condition once, and why any was not matched."""
    if args.json:
        return
    said: dict[tuple[str, bool], str] = {}
    for item in case.items:
        condition = item.attribution.condition if item.attribution is not None else None
        if condition is not None and (condition.key, condition.brought_down) not in said:
            down = (" (images stored with less loss than the most compressed reference brought down to it)"
                    if condition.brought_down else "")
            said[condition.key, condition.brought_down] = (
                f"matched condition {condition.key}{down}: {condition.references}" if condition.matched
                else f"condition {condition.key} not matched ({condition.why}): compared as stored")
    for line in said.values():
        print(line, file=sys.stderr)
