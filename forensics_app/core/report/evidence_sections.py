"""Sections 1 to 4 of the report: what was examined.

The case and its exhibits, the integrity of every file (hashes at intake and again at
export), the audit log, and the metadata each file declares.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.platypus import Paragraph, Spacer

from forensics_app.core.case import CaseItem
from forensics_app.core.report.checks import CHANGED, FAILED, UNCHANGED, FileCheck, evidence_path
from forensics_app.core.report.facts import Facts
from forensics_app.core.report.layout import (
    STATUS_FILLS, WIDTH, Cell, bold, byte_size, field_table, hash_lines, markup, para, paragraph_styles, red, ruled_table,
    stated,
)


def case_section(facts: Facts) -> list:
    case, styles = facts.case, paragraph_styles()
    fingerprinted = len(facts.analysis.items)
    rejected = sum(1 for item in case.items if item.error)
    story = [
        para("Evidence report: attribution of images to the generative model that made them", styles.title),
        para("1. Case", styles.h1),
        field_table([
            ("Case reference", para(stated(case.reference))),
            ("Examiner", para(stated(case.examiner))),
            ("Organisation", para(stated(case.organisation))),
            ("Question asked", para(stated(case.question))),
            ("Case opened (UTC)", para(markup(case.created))),
            ("Report written (UTC)", para(markup(facts.generated))),
            ("Case identifier", para(markup(case.case_id), styles.hash)),
            ("Case file SHA-256 (as opened)", para(markup(case.source_sha256), styles.hash) if case.source_sha256
             else para("the case was not opened from a file (written from the open window before saving)")),
            ("Exhibits", para(markup(f"{len(case.items)} file(s): {fingerprinted} fingerprinted, {rejected} rejected at intake"))),
        ]),
        Spacer(1, 6),
        para("Each file examined is given an exhibit id, used throughout this report.", styles.body),
    ]
    rows: list[list[Cell]] = [["Exhibit", "File name", "Outcome at intake"]]
    for item in case.items:
        outcome = "fingerprinted" if item.embedding is not None else (
            red("rejected") + " (reason under Results)" if item.error else "taken in, not fingerprinted")
        rows.append([bold(item.exhibit), markup(Path(evidence_path(item)).name), outcome])
    story.append(ruled_table(rows, [55, 300, WIDTH - 355]))
    return story


def integrity_section(facts: Facts) -> list:
    case, styles = facts.case, paragraph_styles()
    flagged = [f for f in facts.files.values() if f.flagged]
    story = [
        para("2. Integrity of the evidence", styles.h1),
        para("Every evidence file was opened read-only: it was read into memory and never written, moved or renamed. "
             "Its SHA-256 and MD5 were computed at intake from the very bytes that were analysed, and computed again when "
             "this report was written, by reading the file once more at its original path.", styles.body),
    ]
    story += _case_check_paragraphs(facts)
    if flagged:
        story.append(para(red(f"Warning: {len(flagged)} evidence file(s) changed or went missing since intake: ")
                          + markup(", ".join(f"{f.exhibit} ({f.status})" for f in flagged))
                          + ". Their results describe the file as it was at intake.", styles.warning))
    else:
        story.append(para("All evidence files still held the same bytes when this report was written.", styles.body))
    rows: list[list[Cell]] = [["Exhibit", "File", "Hashes", "At export"]]
    extra = []
    for item in case.items:
        check = facts.files[item.exhibit]
        rows.append([bold(item.exhibit), para(_file_description(item, check)), _hash_cell(item, check), para(_status(check))])
        if check.flagged:
            extra.append(("BACKGROUND", (3, len(rows) - 1), (3, len(rows) - 1), STATUS_FILLS[FAILED]))
    story.append(ruled_table(rows, [42, 150, 253, WIDTH - 445], extra=extra))
    return story


def _case_check_paragraphs(facts: Facts) -> list:
    """The re-check of the case file itself: every disagreement in red, or what agreed."""
    styles, result = paragraph_styles(), facts.case_check
    if not result.problems:
        text = ("The case file was re-checked: its seal and audit chain hold, and " + result.summary() + ".")
        return [para(markup(text), styles.body)]
    story = [para(red(f"Warning: the case file does not agree with itself ({len(result.problems)} finding(s)). "
                      "It may have been edited outside the program. The results in this report are recomputed from "
                      "the stored fingerprints wherever possible; the findings are:"), styles.warning)]
    story += [para(red(f"- {problem}"), styles.warning) for problem in result.problems[:40]]
    if len(result.problems) > 40:
        story.append(para(red(f"... and {len(result.problems) - 40} more"), styles.warning))
    return story


def _file_description(item: CaseItem, check: FileCheck) -> str:
    evidence = item.evidence or {}
    lines = [markup(evidence_path(item))]
    if evidence:
        lines.append(markup(f"{evidence.get('format', '?')}, {evidence.get('width', '?')} x {evidence.get('height', '?')} px, "
                            f"mode {evidence.get('mode', '?')}"))
        lines.append(markup(byte_size(evidence.get("size_bytes"))))
    if check.status == CHANGED and check.size_bytes != evidence.get("size_bytes"):
        lines.append(red(f"now {byte_size(check.size_bytes)}"))
    return "<br/>".join(lines)


def _hash_cell(item: CaseItem, check: FileCheck) -> list[Paragraph]:
    evidence, styles = item.evidence or {}, paragraph_styles()
    if not evidence:
        lines = [para(markup("not taken in: no hash at intake"), styles.label)]
        return lines + (hash_lines("now", check.sha256, check.md5) if check.readable else [])
    lines = hash_lines("at intake", evidence.get("sha256"), evidence.get("md5"))
    if check.status == UNCHANGED:
        return lines + [para(markup("re-computed at export: identical"), styles.label)]
    if check.readable:
        return lines + [para(red("SHA-256 and MD5 at export (different):"), styles.label),
                        para(markup(check.sha256), styles.hash), para(markup(check.md5), styles.hash)]
    return lines + [para(red("not re-computed: the file cannot be read"), styles.label)]


def _status(check: FileCheck) -> str:
    if check.flagged:
        return red(check.status) + (f"<br/>{markup(check.error)}" if check.error else "")
    return markup(check.status)


def audit_section(facts: Facts) -> list:
    styles = paragraph_styles()
    rows: list[list[Cell]] = [["Time (UTC)", "Action", "File SHA-256", "Detail"]]
    for entry in facts.case.audit:
        rows.append([para(markup(entry.time), styles.hash), markup(entry.action), para(markup(entry.sha256 or "-"), styles.hash),
                     markup(entry.detail)])
    return [
        para("3. Audit log", styles.h1),
        para("The case's append-only log, as saved: every action with its time and the hash of the file it concerned. "
             "The entry that records this report and its SHA-256 is added once the file is written, so it appears in the "
             "case, not here.", styles.body),
        ruled_table(rows, [82, 46, 250, WIDTH - 378]),
    ]


_CAMERA_TAGS = ("Make", "Model", "LensModel")
_SOFTWARE_TAGS = ("Software", "ProcessingSoftware", "Artist", "HostComputer")
_DATE_TAGS = ("DateTimeOriginal", "DateTimeDigitized", "DateTime")
#: Longest piece of a text chunk (a prompt, a generator's settings) quoted in the report.
TEXT_QUOTE_CHARS = 500


def metadata_section(facts: Facts) -> list:
    styles = paragraph_styles()
    taken_in = [item for item in facts.case.items if item.evidence]
    with_exif = sum(1 for item in taken_in if item.evidence.get("exif"))
    with_c2pa = [f.exhibit for f in facts.files.values() if f.c2pa]
    rows: list[list[Cell]] = [["Exhibit", "Metadata found in the file", "C2PA provenance"]]
    for item in facts.case.items:
        rows.append([bold(item.exhibit), para(_metadata_text(item)), para(_c2pa_text(facts.files[item.exhibit]))])
    return [
        para("4. Metadata", styles.h1),
        para(f"EXIF data was found in {with_exif} of {len(taken_in)} file(s); a C2PA content-provenance manifest in "
             f"{len(with_c2pa)}{' (' + ', '.join(with_c2pa) + ')' if with_c2pa else ''}. Metadata is easy to remove or "
             "forge, so it can support but never replace the fingerprint. <b>The absence of C2PA data proves nothing</b>: "
             "most generators never write it, and most editors, messengers and platforms strip it. Manifests were read "
             "and validated with the C2PA organisation's SDK (section 4b); a manifest kept outside the file (a "
             "sidecar or a remote manifest) was not fetched.", styles.body),
        ruled_table(rows, [42, 373, WIDTH - 415]),
    ]


def _metadata_text(item: CaseItem) -> str:
    if not item.evidence:
        return "<i>not read: the file was rejected at intake</i>"
    exif = item.evidence.get("exif") or {}
    parts = [] if exif else ["<b>EXIF:</b> <i>none</i>"]
    for label, tags in (("Camera", _CAMERA_TAGS), ("Software", _SOFTWARE_TAGS), ("Dates", _DATE_TAGS)):
        found = [f"{tag} {exif[tag]}" for tag in tags if exif.get(tag)]
        if exif:
            parts.append(f"<b>{label}:</b> " + (markup("; ".join(found)) if found else "<i>none</i>"))
    shown = set(_CAMERA_TAGS + _SOFTWARE_TAGS + _DATE_TAGS)
    other = sorted(tag for tag in exif if tag not in shown)
    if other:
        parts.append(f"<b>Other EXIF tags ({len(other)}):</b> " + markup(", ".join(other)))
    for key, value in (item.evidence.get("text_metadata") or {}).items():
        quoted = value if len(value) <= TEXT_QUOTE_CHARS else f"{value[:TEXT_QUOTE_CHARS]}... ({len(value)} characters)"
        parts.append(f"<b>Text '{markup(key)}':</b> {markup(quoted)}")
    if item.evidence.get("has_icc_profile"):
        parts.append("<b>ICC colour profile:</b> present")
    notes = item.evidence.get("notes") or []
    if notes:
        parts.append("<b>Intake notes:</b> " + markup("; ".join(notes)))
    return "<br/>".join(parts)


def _c2pa_text(check: FileCheck) -> str:
    if not check.readable:
        return "<i>not scanned: the file cannot be read</i>"
    return f"<b>present</b> ({markup(check.c2pa)})" if check.c2pa else "not found"
