"""`forensics-app inspect PATH...`: what each file declares about its origin, no library needed.

Kept beside `cli.py` so the command's printing lives in one short place; the reading is
the `inspect` workflow's, the same one intake stores in every case.
"""

from __future__ import annotations

import argparse
import sys
import textwrap


def cmd_inspect(args: argparse.Namespace) -> int:
    """Print (or emit as JSON) each file's provenance; exit 1 when a path could not be read."""
    from forensics_app.cli.output import EXIT_OK, EXIT_REJECTED, CommandError, Progress, emit
    from forensics_app.core.display_text import one_line
    from forensics_app.workflows.inspect import inspect_paths

    inspections = list(inspect_paths(args.paths, progress=Progress("inspecting", not args.json)))
    if not inspections:
        raise CommandError(f"no image files found in {', '.join(args.paths)}")
    blocks = []
    for inspection in inspections:
        if inspection.error:
            blocks.append(f"{one_line(inspection.path)}\n  {'left out' if inspection.skipped else 'not read'}: "
                          f"{one_line(inspection.error)}")
            continue
        # file names, EXIF, PNG text and signer names come from the file: shown, never obeyed by the terminal
        lines = [f"{one_line(inspection.path)}  (SHA-256 {inspection.sha256[:16]}...)",
                 f"  {one_line(inspection.to_dict()['declares'])}"]
        for entry in inspection.entries:
            marker = "!" if entry.flag else " "
            wrapped = textwrap.wrap(one_line(entry.says), 96) or [""]
            lines.append(f" {marker}{entry.kind:<12} {wrapped[0]}")
            lines += [f"  {'':<12} {more}" for more in wrapped[1:]]
        blocks.append("\n".join(lines))
    footer = ("Metadata is a claim: only a C2PA claim with a valid signature is bound to the file; EXIF, XMP and "
              "PNG text can be written by anyone. None of it enters the fingerprint's likelihood ratio.")
    emit(args, {"results": [i.to_dict() for i in inspections]}, "\n\n".join(blocks) + "\n\n" + footer)
    unread = [i for i in inspections if i.error and not i.skipped]
    if unread:
        print(f"{len(unread)} path(s) could not be read", file=sys.stderr)
    return EXIT_REJECTED if unread else EXIT_OK
