"""The commands and their parser: each parses its options, calls a workflow and prints."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from forensics_app import __version__
from forensics_app.cli.output import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REJECTED,
    CommandError,
    Progress,
    emit,
    format_table,
    report_rejections,
    without_nan,
)
from forensics_app.cli.options import common_options
from forensics_app.cli.steps import (
    analyse,
    fingerprint,
    library_path,
    load_extractor,
    open_library,
    optional_library,
    print_conditions,
    print_policy,
    skipped_records,
)


# --- commands ----------------------------------------------------------------------------


def cmd_inspect(args: argparse.Namespace) -> int:
    from forensics_app.cli.inspect_command import cmd_inspect as inspect_files

    return inspect_files(args)


def cmd_gui(args: argparse.Namespace) -> int:
    from forensics_app.gui.app import run_gui

    return run_gui(device=args.device)


def cmd_attribute(args: argparse.Namespace) -> int:
    from forensics_app.core.decision.attribution import UNKNOWN_TEXT
    from forensics_app.core.display_text import one_line
    from forensics_app.core.decision.likelihood import format_lr
    from forensics_app.core.report import against_fingerprint, read_decision

    extractor = load_extractor(args)
    library = open_library(args, extractor)
    if not library.gallery()[0]:
        raise CommandError("the library is empty: enrol generators first with 'forensics-app enroll NAME DIR'")
    results = fingerprint(args, extractor, args.paths)
    case, _, policy = analyse(args, extractor, library, results, ("attribute", "cluster"))
    records, rows, contradictions = [], [], []
    for item in case.items:
        record = {"exhibit": item.exhibit, "path": item.path, "sha256": item.sha256,
                  "provenance": [entry.to_dict() for entry in item.provenance or ()]}
        if item.attribution is not None:
            record.update(item.attribution.to_dict())
            record.get("condition", {}).pop("fingerprint", None)  # kept in the case; `brought_down` says so
            check = against_fingerprint(item, read_decision(item))
            if check.text:
                record["against_fingerprint"] = {"text": check.text, "contradicts": check.contradicts}
            if check.contradicts:
                contradictions.append(one_line(f"{item.exhibit}: {check.flag}: {check.text}"))
            best = item.attribution.best
            rows.append([item.exhibit, Path(item.path).name, (item.sha256 or "")[:12],
                         item.attribution.decision if item.attribution.named else UNKNOWN_TEXT, best.generator,
                         f"{best.similarity:.3f}", format_lr(best.lr), best.words])
        else:
            record["error"] = item.error
            rows.append([item.exhibit, Path(item.path).name, (item.sha256 or "-")[:12], "rejected", "-", "-", "-",
                         item.error])
        records.append(record)
    if args.case:
        case.save(Path(args.case))
    print_policy(args, policy)
    print_conditions(args, case)
    emit(args, {"policy": policy.to_dict(), "policy_text": policy.describe(), "results": records,
                "skipped": skipped_records(results)},
         "\n".join([format_table(["exhibit", "file", "sha256", "decision", "closest generator", "similarity", "LR",
                                   "support"], rows)] + contradictions))
    return report_rejections(results)


def cmd_enroll(args: argparse.Namespace) -> int:
    from forensics_app.core.display_text import one_line
    from forensics_app.workflows.enrol import NothingToEnrolError, enrol

    extractor = load_extractor(args)
    library = open_library(args, extractor, create=True)
    try:
        outcome = enrol(library, args.name, extractor=extractor, paths=args.paths, family=args.family,
                        notes=args.notes, add=args.add, max_pixels=args.max_pixels,
                        progress=Progress(f"enrolling {args.name}", not args.json))
    except NothingToEnrolError as exc:
        raise CommandError(str(exc)) from exc
    for warning in outcome.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for path, reason in outcome.skipped:
        print(f"  not analysed {one_line(path)}: {one_line(reason)}", file=sys.stderr)
    for path, reason in outcome.rejected:
        print(f"  rejected {one_line(path)}: {one_line(reason)}", file=sys.stderr)
    emit(args, {"generator": outcome.name, "added": outcome.added, "offered": outcome.offered,
                "references": outcome.info.reference_count, "extractor_id": extractor.extractor_id,
                "warnings": outcome.warnings, "rejected": [{"path": p, "reason": r} for p, r in outcome.rejected],
                "skipped": [{"path": p, "reason": r} for p, r in outcome.skipped]},
         f"{outcome.name}: {outcome.added} reference(s) added, {outcome.info.reference_count} in all "
         f"(extractor {extractor.extractor_id})")
    return EXIT_REJECTED if outcome.rejected else EXIT_OK


def cmd_library(args: argparse.Namespace) -> int:
    from forensics_app.core.display_text import one_line
    from forensics_app.core.fingerprint.extractor import read_card
    from forensics_app.core.library import Library
    from forensics_app.paths import extractor_dir

    action = args.action
    if action == "rebuild":
        return rebuild_library(args)
    card = read_card(extractor_dir())
    library = Library.open(library_path(args, create=action == "import"), card.extractor_id, card.embedding_dim)
    if action == "list":
        generators = library.generators()
        data = [{"name": g.name, "family": g.family, "notes": g.notes, "references": g.reference_count,
                 "updated": g.updated_at} for g in generators]
        rows = [[g.name, g.family or "", g.reference_count, g.updated_at] for g in generators]
        emit(args, {"extractor_id": card.extractor_id, "generators": data},
             format_table(["name", "family", "references", "updated"], rows) + f"\n{len(rows)} generator(s), extractor {card.extractor_id}")
    elif action == "remove":
        library.remove(args.name)
        emit(args, {"removed": args.name}, f"removed {args.name}")
    elif action == "rename":
        library.rename(args.name, args.new_name)
        emit(args, {"renamed": args.name, "to": args.new_name}, f"renamed {args.name} to {args.new_name}")
    elif action == "export":
        library.export(Path(args.file))
        emit(args, {"exported": str(args.file)}, f"library exported to {args.file}")
    elif action == "import":
        names = library.import_library(Path(args.file), on_conflict=args.on_conflict)
        emit(args, {"imported": names}, one_line(f"imported {len(names)} generator(s): {', '.join(names)}"))
    return EXIT_OK


def rebuild_library(args: argparse.Namespace) -> int:
    """Re-enrol every generator of a library made with other weights from its stored paths."""
    from forensics_app.core.library.rebuild import rebuild_library as rebuild
    from forensics_app.core.pipeline import fingerprint_files

    extractor = load_extractor(args)

    def embed(paths):
        results = fingerprint_files(extractor, [Path(p) for p in paths], max_pixels=args.max_pixels)
        return [(r.sha256, str(r.path), r.embedding) for r in results if r.ok]

    path = library_path(args)
    result = rebuild(path, extractor.extractor_id, extractor.embedding_dim, None, embed)
    data = {"library": str(result.path), "backup": str(result.backup_path), "extractor_id": extractor.extractor_id,
            "generators": [g.__dict__ for g in result.generators], "dropped": list(result.dropped)}
    lines = [f"rebuilt {result.path} with extractor {extractor.extractor_id}; old file kept as {result.backup_path}"]
    lines += [f"  {g.name}: {g.enrolled} reference(s), {len(g.missing)} missing, {len(g.changed)} changed" for g in result.generators]
    emit(args, data, "\n".join(lines))
    return EXIT_OK


def cmd_cluster(args: argparse.Namespace) -> int:
    extractor = load_extractor(args)
    library = optional_library(args, extractor)
    results = fingerprint(args, extractor, args.paths)
    case, items, policy = analyse(args, extractor, library, results, ("cluster",))
    records = [{"exhibit": i.exhibit, "path": i.path, "sha256": i.sha256, "cluster": i.cluster,
                **({"error": i.error} if i.error else {})} for i in case.items]
    groups = len({i.cluster for i in items})
    if args.case:
        case.save(Path(args.case))
    print_policy(args, policy, pairs=True)
    rows = [[r["exhibit"], Path(r["path"]).name, r["cluster"] if r["cluster"] is not None else "rejected"] for r in records]
    emit(args, {"policy": policy.to_dict() if policy else None, "groups": groups, "results": records,
                "skipped": skipped_records(results)},
         format_table(["exhibit", "file", "group"], rows) + f"\n{groups} group(s)")
    return report_rejections(results)


def cmd_verify(args: argparse.Namespace) -> int:
    from forensics_app.core.decision.likelihood import format_lr
    from forensics_app.workflows.verify import VerificationInputError, verify_files

    extractor = load_extractor(args)
    try:
        outcome = verify_files(extractor, Path(args.first), Path(args.second), optional_library(args, extractor),
                               args.naming_lr, args.max_pixels)
    except VerificationInputError as exc:
        report_rejections(exc.results)
        raise CommandError(str(exc)) from exc
    check, condition = outcome.verification, "".join(f"\n{w}" for w in (outcome.condition, outcome.validation) if w)
    print_policy(args, outcome.policy, pairs=True)
    emit(args, {"first": str(outcome.first.path), "second": str(outcome.second.path), "similarity": check.similarity,
                "lr": check.lr, "support": check.words, "same_source": check.same_source,
                "naming_lr": check.naming_lr, "verdict": outcome.verdict, "condition": outcome.condition,
                "validation": outcome.validation, "policy": outcome.policy.to_dict()},
         f"similarity {check.similarity:.3f}, likelihood ratio {format_lr(check.lr)} ({check.words}): "
         f"{outcome.verdict}{condition}")
    return EXIT_OK


def dataset_embeddings(args: argparse.Namespace, extractor, method: str = "extractor"):
    from forensics_app.core.validation.evaluation import dataset_files

    paths, labels = dataset_files(args.dataset, tuple(args.exclude))
    label_of = dict(zip(paths, labels))
    if method == "spectrum":
        from forensics_app.core.evidence import open_evidence
        from forensics_app.core.fingerprint.preprocess import spectrum_vector

        kept, vectors, sizes, rejected = [], [], [], []
        for path in paths:
            try:
                evidence = open_evidence(path, args.max_pixels)
            except Exception as exc:
                rejected.append((path, str(exc)))
                continue
            kept.append(path)
            vectors.append(spectrum_vector(evidence.pixels, extractor.card.preprocess))
            sizes.append((evidence.width, evidence.height))
        for path, reason in rejected:
            print(f"rejected {path}: {reason}", file=sys.stderr)
        return kept, [label_of[p] for p in kept], np.stack(vectors), sizes, len(rejected)
    results = fingerprint(args, extractor, [str(p) for p in paths], label="embedding dataset")
    report_rejections(results)
    ok = [r for r in results if r.ok]
    return ([r.path for r in ok], [label_of[r.path] for r in ok], np.stack([r.embedding for r in ok]),
            [(r.evidence.width, r.evidence.height) for r in ok], len(results) - len(ok))


def cmd_embed(args: argparse.Namespace) -> int:
    extractor = load_extractor(args)
    paths, labels, embeddings, _, rejected = dataset_embeddings(args, extractor)
    np.savez(args.out, embeddings=embeddings.astype(np.float32), paths=np.array([str(p) for p in paths]),
             labels=np.array(labels), extractor_id=np.array(extractor.extractor_id))
    emit(args, {"out": str(args.out), "images": len(paths), "models": len(set(labels)), "rejected": rejected,
                "extractor_id": extractor.extractor_id},
         f"{len(paths)} embeddings of {len(set(labels))} models written to {args.out}")
    return EXIT_REJECTED if rejected else EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    from forensics_app.core.validation.evaluation import evaluate_embeddings
    from forensics_app.core.validation.lr_figures import lr_protocol

    extractor = load_extractor(args)
    _, labels, embeddings, sizes, rejected = dataset_embeddings(args, extractor, args.method)
    never = [name for name in args.never_enrol if name in set(labels)]
    attributable = np.isin(labels, never, invert=True)
    report = evaluate_embeddings(embeddings[attributable], list(np.asarray(labels)[attributable]),
                                 [s for s, keep in zip(sizes, attributable) if keep], refs=args.refs, seeds=args.seeds)
    report.update({"method": args.method, "extractor_id": extractor.extractor_id, "refs": args.refs,
                   "seeds": args.seeds, "rejected": rejected, "excluded": list(args.exclude), "never_enrolled": never})
    if args.method == "extractor":
        report.update(lr_protocol(embeddings, labels, extractor.background(), args.refs, args.seeds, never,
                                  args.naming_lr))
    report = without_nan(report)
    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
    lines = [
        f"{report['models']} models, {report['images']} images, {args.refs} references per model, {args.seeds} seeds "
        f"({args.method}{', extractor ' + extractor.extractor_id if args.method == 'extractor' else ''})",
        f"1:N accuracy   {fmt(report['accuracy'])} (+/- {fmt(report['accuracy_std'])}), macro-F1 {fmt(report['macro_f1'])}",
        f"1:1 ROC-AUC    {fmt(report['auc'])}",
        f"clustering     ARI {fmt(report['ari'])}, NMI {fmt(report['nmi'])}",
        f"open-set AUROC {fmt(report['open_set_auroc'])}",
        f"size only      accuracy {fmt(report['size_only_accuracy'])}",
    ]
    for size, group in report["within_size_groups"].items():
        lines.append(f"  within {size}: {group['models']} models, accuracy {group['accuracy']:.3f} (chance {group['chance']:.3f})")
    if "cllr" in report:
        open_set, verification = report["open_set"], report["verification"]["called_one_source"]
        lines += [
            f"Cllr           {fmt(report['cllr'])} (Cllr_min {fmt(report['cllr_min'])})",
            f"misleading     same-source LR<1 {fmt(report['misleading']['same_source'])}, "
            f"different-source LR>1 {fmt(report['misleading']['different_source'])}",
            f"open set       false attribution {fmt(open_set['false_attribution_rate'])}, correct attribution "
            f"{fmt(open_set['correct_attribution_rate'])} (LR >= {open_set['naming_lr']:g})",
            f"verification   different-source pairs called one source {fmt(verification['different_source'])}, "
            f"same-source {fmt(verification['same_source'])}",
        ]
        closed = report.get("closed_set") or {}
        if closed.get("cllr") is not None:
            lines.append(f"closed set     Cllr {fmt(closed['cllr'])} (Cllr_min {fmt(closed['cllr_min'])}); misleading "
                         f"same-source LR<1 {fmt(closed['misleading']['same_source'])}, different-source LR>1 "
                         f"{fmt(closed['misleading']['different_source'])}")
        single = report.get("single_generator_library") or {}
        if single:
            lines.append(f"one generator  never-enrolled images named {fmt(single['never_enrolled_named_rate'])}")
    lines.append("per-generator recall:")
    lines += [f"  {name:32s} {recall:.2f}" for name, recall in sorted(report["recall"].items())]
    lines += [f"warning: {w}" for w in report["warnings"]]
    emit(args, report, "\n".join(lines))
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    import torch

    from forensics_app.paths import extractor_dir

    extractor = load_extractor(args)
    card = extractor.card.to_dict()
    emit(args, {"version": __version__, "torch": torch.__version__, "device": str(extractor.device),
                "extractor_dir": str(extractor_dir()), "card": card},
         f"forensics-app {__version__}, torch {torch.__version__}, device {extractor.device}\n"
         f"extractor {extractor.extractor_id} ({card.get('name', 'unnamed')}) from {extractor_dir()}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Write the evidence report of a saved case, then save the case with the report's hash."""
    from forensics_app.core.case import CaseError
    from forensics_app.core.case.check import failed_openings
    from forensics_app.core.display_text import one_line
    from forensics_app.core.fingerprint.extractor import ExtractorError, read_card
    from forensics_app.core.report import ReportError
    from forensics_app.workflows.case_open import open_case
    from forensics_app.workflows.report import write_case_report
    from forensics_app.paths import extractor_dir

    if args.naming_lr is not None:
        raise CommandError("a report states the decision policy the case was analysed with; to change it, "
                           "analyse the images again with 'attribute --naming-lr'")
    case_path = Path(args.case)
    case, check = open_case(case_path)
    for problem in check.problems:
        print(f"warning: the case disagrees with itself: {one_line(problem)}", file=sys.stderr)
    for name in ("reference", "examiner", "organisation", "question"):
        value, before = getattr(args, name), getattr(case, name)
        if value is not None and value != before:
            case.log("details", None, f"{name} set to {value!r}" + (f" (was {before!r})" if before else ""))
            setattr(case, name, value)
    try:
        card = read_card(extractor_dir())
    except ExtractorError as exc:
        print(f"warning: the extractor's model card is not available ({exc}); the report says so", file=sys.stderr)
        card = None
    try:
        extractor = library = None
        if card is not None and case.library_sha256:
            extractor = load_extractor(args)
            library = optional_library(args, extractor)
        result = write_case_report(case, Path(args.out), card, progress=Progress("writing report", not args.json),
                                   library=library, extractor=extractor)
    except ReportError as exc:
        raise CommandError(str(exc)) from exc
    try:
        case.save(case_path)
    except CaseError as exc:
        raise CommandError(f"the report was written to {result.path} (SHA-256 {result.sha256}), but the case could not "
                           f"be updated to record it: {exc}") from exc
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    failed = bool(check.problems or result.warnings or failed_openings(case))
    emit(args, {"report": str(result.path), "sha256": result.sha256, "pages": result.pages, "case": str(case_path),
                "warnings": result.warnings, "case_problems": check.problems, "integrity_failed": failed,
                "checks": [check.__dict__ for check in result.checks]},
         f"report written to {result.path} ({result.pages} pages)\nSHA-256 {result.sha256} (recorded in {case_path})"
         + ("\nthe case failed an integrity check (now or when opened earlier): the report says so on page 1"
            if failed else ""))
    return EXIT_REJECTED if failed else EXIT_OK


# --- parser ------------------------------------------------------------------------------


def _case_arguments(parser: argparse.ArgumentParser) -> None:
    """The images a command analyses, and the case file it may save them in."""
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--case", help="also save the analysis as a case file")
    parser.add_argument("--reference", help="case reference (with --case)")


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    nested = common_options(nested=True)

    parser = argparse.ArgumentParser(prog="forensics-app", description="Attribute generated images to the model that made them.")
    parser.add_argument("--version", action="version", version=f"forensics-app {__version__}")
    parser.add_argument("--self-check", action="store_true",
                        help="check headlessly that this installation works (weights, fingerprints, library, "
                             "attribution, PDF report, Qt) using temporary files only; exit 0 when it does")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("gui", parents=[common], help="the desktop app (the default)")
    p.set_defaults(func=cmd_gui)
    p = sub.add_parser("attribute", parents=[common], help="rank enrolled generators for images or folders")
    _case_arguments(p)
    p.add_argument("--top", type=int, help="show only the best N generators per image")
    p.set_defaults(func=cmd_attribute)
    p = sub.add_parser("enroll", parents=[common], help="enrol a generator from its reference images")
    p.add_argument("name")
    p.add_argument("paths", nargs="+", help="a folder or image files")
    p.add_argument("--family", help="e.g. 'Stable Diffusion' for a fine-tune")
    p.add_argument("--notes")
    p.add_argument("--add", action="store_true", help="add references to an enrolled generator")
    p.set_defaults(func=cmd_enroll)
    p = sub.add_parser("library", parents=[common], help="list, remove, rename, export or import generators")
    actions = p.add_subparsers(dest="action", required=True)
    actions.add_parser("list", parents=[nested])
    a = actions.add_parser("remove", parents=[nested]); a.add_argument("name")
    a = actions.add_parser("rename", parents=[nested]); a.add_argument("name"); a.add_argument("new_name")
    a = actions.add_parser("export", parents=[nested]); a.add_argument("file")
    from forensics_app.core.library.checks import MAX_IMPORT_BYTES

    a = actions.add_parser(
        "import", parents=[nested],
        help=f"merge another library file: same weights, at most {MAX_IMPORT_BYTES // 2**20} MB, "
             "every row held to enrolment's rules; its rows only are copied, never SQL of its own")
    a.add_argument("file")
    a.add_argument("--on-conflict", choices=["skip", "rename", "error"], default="error")
    actions.add_parser("rebuild", parents=[nested], help="re-enrol a library made with other weights from its stored image paths")
    p.set_defaults(func=cmd_library)
    p = sub.add_parser("cluster", parents=[common], help="group images by common source")
    _case_arguments(p)
    p.set_defaults(func=cmd_cluster)
    p = sub.add_parser("verify", parents=[common], help="do two images share a source?")
    p.add_argument("first"); p.add_argument("second")
    p.set_defaults(func=cmd_verify)
    for name, func, text in (("embed", cmd_embed, "write the fingerprints of a folder of folders to .npz"),
                             ("evaluate", cmd_evaluate, "zero-shot attribution figures on a folder of folders")):
        p = sub.add_parser(name, parents=[common], help=text)
        p.add_argument("dataset", help="folder of folders, one per generator")
        p.add_argument("--exclude", action="append", default=[], metavar="MODEL", help="leave a folder out")
        if name == "embed":
            p.add_argument("--out", required=True, help="output .npz")
        else:
            p.add_argument("--refs", type=int, default=10, help="reference images per model (default 10)")
            p.add_argument("--seeds", type=int, default=5, help="random reference draws to average (default 5)")
            p.add_argument("--method", choices=["extractor", "spectrum"], default="extractor")
            p.add_argument("--never-enrol", action="append", default=[], metavar="SOURCE",
                           help="a folder that is only ever a probe (e.g. camera photographs): never enrolled, "
                                "left out of the 1:N figures, counted in the open-set and LR figures")
        p.set_defaults(func=func)
    p = sub.add_parser("report", parents=[common], help="write the PDF evidence report of a saved case")
    p.add_argument("case", help="the case file (.fcase); the report's SHA-256 is added to its audit log")
    p.add_argument("--out", required=True, help="the PDF to write")
    p.add_argument("--reference", help="case reference, if the case has none or it must change (logged)")
    p.add_argument("--examiner", help="examiner's name (logged in the case when set)")
    p.add_argument("--organisation", help="examiner's organisation (logged in the case when set)")
    p.add_argument("--question", help="the question the examination answers (logged in the case when set)")
    p.set_defaults(func=cmd_report)
    p = sub.add_parser("inspect", parents=[common], help="what files declare about their origin (C2PA, metadata, "
                                                          "structure); no library needed")
    p.add_argument("paths", nargs="+")
    p.set_defaults(func=cmd_inspect)
    p = sub.add_parser("info", parents=[common], help="versions, device and the extractor's model card")
    p.set_defaults(func=cmd_info)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.self_check:
        from forensics_app.selfcheck import run as run_self_check

        return run_self_check()
    if args.command is None:
        args = parser.parse_args(["gui", *(argv if argv is not None else sys.argv[1:])])
    from forensics_app.core.background import BackgroundError
    from forensics_app.core.case import CaseError
    from forensics_app.core.display_text import safe_lines
    from forensics_app.core.fingerprint.extractor import ExtractorError

    from forensics_app.core.library import LibraryError, LibraryExtractorMismatchError

    try:
        return args.func(args)
    except LibraryExtractorMismatchError as exc:
        print(f"error: {safe_lines(exc)}\nTo re-enrol: forensics-app library rebuild", file=sys.stderr)
        return EXIT_FAILED
    except (CommandError, ExtractorError, BackgroundError, CaseError, LibraryError, FileNotFoundError, ValueError) as exc:
        print(f"error: {safe_lines(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`forensics-app info --json | head`): stop quietly, as a
        # Unix tool does, and keep Python from failing again when it flushes stdout at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
