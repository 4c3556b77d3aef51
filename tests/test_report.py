"""The PDF evidence report: what it states, what it flags, its page furniture, its audit entry."""

from __future__ import annotations

import hashlib
import json
import shutil
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from forensics_app.cli import EXIT_FAILED, EXIT_OK, EXIT_REJECTED, main
from forensics_app.core.case import load_case
from forensics_app.core.fingerprint.extractor import read_card
from forensics_app.core.report import (
    CHANGED, FAILED, MISSING, NOT_RUN, NOT_TAKEN_IN, RAN, UNCHANGED, VERBAL_SCALE, ReportCancelled, ReportError,
    find_c2pa, verbal_support, write_report,
)
from tests.tiny_generators import generate, save_pngs

REFERENCE = "R-2024/017"
# A JUMBF superbox whose description box carries the C2PA manifest-store UUID and label.
JUMBF_C2PA = (b"\x00\x00\x00\x2ajumb\x00\x00\x00\x22jumd"
              b"c2pa\x00\x11\x00\x10\x80\x00\x00\xaa\x00\x38\x9b\x71\x03c2pa\x00")


def png_with_chunk(png: bytes, kind: bytes, payload: bytes) -> bytes:
    """The PNG with one more chunk just before IEND (ancillary chunks do not affect decoding)."""
    chunk = len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")
    end = png.rindex(b"IEND") - 4
    return png[:end] + chunk + png[end:]


def jpeg_with_app11(jpeg: bytes, payload: bytes) -> bytes:
    """The JPEG with an APP11 segment right after SOI, as C2PA writes it (JPEG-XT 'JP' header)."""
    body = b"JP\x00\x01\x00\x00\x00\x01" + payload
    return jpeg[:2] + b"\xff\xeb" + (len(body) + 2).to_bytes(2, "big") + body + jpeg[2:]


def save_camera_jpeg(source: Path, target: Path) -> Path:
    """A JPEG copy carrying the EXIF fields a camera and an editor write."""
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = "TestCam", "X100"
    exif[ExifTags.Base.Software] = "EditorPro 2.0"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2024:05:01 10:00:00"
    Image.open(source).save(target, exif=exif, quality=95)
    return target


def pdf_text(path: Path) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(str(path))
    return reader, [page.extract_text() for page in reader.pages]


@pytest.fixture(scope="module")
def scene(tmp_path_factory, extractor_dir):
    """A case made by the real commands, then disturbed before export: one file changed,
    one deleted; one file carries a C2PA manifest and one was rejected at intake."""
    root = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FORENSICS_APP_EXTRACTOR", str(extractor_dir))
        patch.setenv("FORENSICS_APP_LIBRARY", str(root / "library.sqlite"))
        images = {kind: save_pngs(generate(kind, 7, size=160, seed=3), root / kind, kind)
                  for kind in ("nearest", "transposed", "shuffle")}
        for kind in ("nearest", "transposed"):
            assert main(["enroll", kind, *map(str, images[kind][:4])]) == EXIT_OK
        signed = root / "signed.png"
        signed.write_bytes(png_with_chunk(images["shuffle"][2].read_bytes(), b"caBX", JUMBF_C2PA))
        broken = root / "broken.png"
        broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
        camera = save_camera_jpeg(images["shuffle"][3], root / "camera.jpg")
        probes = images["nearest"][4:7] + images["transposed"][4:6] + images["shuffle"][:2] + [signed, camera, broken]
        case_path = root / "case.fcase"
        code = main(["attribute", *map(str, probes), "--case", str(case_path), "--reference", REFERENCE])
        assert code == EXIT_REJECTED  # the broken file
        case = load_case(case_path)
        by_path = {Path(item.path).name: item for item in case.items}
        changed, missing = by_path[probes[0].name], by_path[probes[3].name]
        with open(probes[0], "ab") as handle:
            handle.write(b"\0")
        probes[3].unlink()
        progress: list[tuple[int, int | None]] = []
        pdf = root / "report.pdf"
        result = write_report(case, pdf, extractor_card=read_card(extractor_dir),
                              progress=lambda done, total: progress.append((done, total)))
    reader, pages = pdf_text(pdf)
    return {"case": case, "case_path": case_path, "pdf": pdf, "result": result, "reader": reader, "pages": pages,
            "text": "\n".join(pages), "changed": changed, "missing": missing, "signed": by_path["signed.png"],
            "broken": by_path["broken.png"], "progress": progress, "card": read_card(extractor_dir)}


def test_every_exhibit_and_its_hashes_appear_whole(scene):
    text = scene["text"]
    for item in scene["case"].items:
        assert item.exhibit in text
        if item.evidence:
            assert item.sha256 in text and item.evidence["md5"] in text


def test_extractor_weights_and_library_are_identified(scene):
    case, text = scene["case"], scene["text"]
    assert case.extractor["sha256"] in text and case.extractor["id"] in text
    assert case.library["content_sha256"] in text
    assert "nearest" in text and "transposed" in text
    assert "Python" in text and "torch" in text and "Qt" in text


def test_changed_and_missing_files_are_flagged(scene):
    result, text = scene["result"], scene["text"]
    status = {f.exhibit: f for f in result.files}
    assert status[scene["changed"].exhibit].status == CHANGED
    assert status[scene["missing"].exhibit].status == MISSING
    assert status[scene["broken"].exhibit].status == NOT_TAKEN_IN
    assert sum(f.status == UNCHANGED for f in result.files) == len(result.files) - 3
    assert "CHANGED since intake" in text and "MISSING" in text
    now = hashlib.sha256(Path(scene["changed"].evidence["path"]).read_bytes()).hexdigest()
    assert now in text and now == status[scene["changed"].exhibit].sha256
    assert len(result.warnings) == 2 and "opened read-only" in text


def test_figures_are_embedded(scene):
    images = sum(len(page.images) for page in scene["reader"].pages)
    drawable = sum(1 for f in scene["result"].files if f.status == UNCHANGED)  # changed or missing: no spectrum
    assert images == drawable + 1  # one spectrum per unchanged image, and the map
    assert "Figure 1." in scene["text"] and "t-SNE map" in scene["text"]


def test_every_page_has_its_number_and_the_case_reference(scene):
    pages = scene["pages"]
    assert len(pages) == scene["result"].pages > 3
    for number, text in enumerate(pages, start=1):
        assert f"page {number} of {len(pages)}" in text and REFERENCE in text


def test_pdf_metadata(scene):
    meta = scene["reader"].metadata
    assert REFERENCE in meta.title and meta.subject and meta.author
    assert meta.creation_date is not None


def test_audit_log_records_the_pdf_sha256(scene):
    entry, result = scene["case"].audit[-1], scene["result"]
    digest = hashlib.sha256(scene["pdf"].read_bytes()).hexdigest()
    assert entry.action == "report" and entry.sha256 == digest == result.sha256
    assert result.audit_entry is entry and result.path == scene["pdf"]


def test_checks_metadata_rejections_and_conclusions(scene):
    text, result = scene["text"], scene["result"]
    checks = {check.name: check.status for check in result.checks}
    assert checks["Attribution against the library"] == RAN
    assert checks["t-SNE map of the fingerprints"] == RAN
    assert checks["C2PA signature validation"] == NOT_RUN
    assert {RAN, NOT_RUN} <= set(checks.values()) and FAILED not in checks.values()
    assert "not run" in text and "absence of C2PA data proves nothing" in text
    assert next(f for f in result.files if f.exhibit == scene["signed"].exhibit).c2pa == "PNG caBX chunk"
    assert scene["broken"].error and scene["broken"].exhibit in text and "rejected" in text
    assert "TestCam" in text and "EditorPro 2.0" in text and "2024:05:01 10:00:00" in text
    assert "lossy format" in text  # the JPEG exhibit is named among the limitations
    for level in VERBAL_SCALE:
        assert level.words in text
    assert "support to the proposition" in text and "another source" in text
    assert "Limitations" in text and "Recompression" in text and "synthetic" in text


def test_progress_reaches_its_total(scene):
    progress = scene["progress"]
    assert [done for done, _ in progress] == list(range(1, len(progress) + 1))
    assert progress[-1][0] == progress[-1][1]


def test_cli_report_writes_json_and_saves_the_case(scene, capsys, tmp_path):
    case_path = tmp_path / "copy.fcase"
    shutil.copy(scene["case_path"], case_path)
    out = tmp_path / "cli.pdf"
    code = main(["report", str(case_path), "--out", str(out), "--json", "--examiner", "A. Analyst",
                 "--question", "Which model made these images?"])
    captured = capsys.readouterr()
    assert code == EXIT_OK
    data = json.loads(captured.out)
    assert data["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest() and data["pages"] >= 1
    assert "CHANGED since intake" in captured.err and "MISSING" in captured.err
    saved = load_case(case_path)
    assert saved.examiner == "A. Analyst" and saved.audit[-1].action == "report"
    assert saved.audit[-1].sha256 == data["sha256"]
    assert [e.action for e in saved.audit[-3:-1]] == ["details", "details"]
    assert "A. Analyst" in pdf_text(out)[1][0]


def test_cli_report_of_a_missing_case_fails_clearly(capsys, tmp_path):
    code = main(["report", str(tmp_path / "nowhere.fcase"), "--out", str(tmp_path / "r.pdf")])
    assert code == EXIT_FAILED and "no case file at" in capsys.readouterr().err
    assert not (tmp_path / "r.pdf").exists()


def test_cli_report_into_a_missing_folder_fails_clearly(scene, capsys, tmp_path):
    case_path = tmp_path / "copy.fcase"
    shutil.copy(scene["case_path"], case_path)
    code = main(["report", str(case_path), "--out", str(tmp_path / "no" / "r.pdf")])
    assert code == EXIT_FAILED and "does not exist" in capsys.readouterr().err
    assert load_case(case_path).audit[-1].action != "report"


def test_evidence_is_never_overwritten_and_cancel_writes_nothing(scene, tmp_path):
    case = load_case(scene["case_path"])
    target = Path(scene["signed"].evidence["path"])
    before = target.read_bytes()
    with pytest.raises(ReportError, match="evidence file"):
        write_report(case, target, extractor_card=None)
    assert target.read_bytes() == before
    out = tmp_path / "cancelled.pdf"
    with pytest.raises(ReportCancelled):
        write_report(case, out, extractor_card=None, cancel=lambda: True)
    assert not list(tmp_path.glob("cancelled*")) and case.audit[-1].action != "report"


def test_small_case_without_library_lists_what_did_not_run(capsys, tmp_path, extractor_dir):
    files = save_pngs(generate("bilinear", 3, size=96, seed=5), tmp_path / "few", "few")
    case_path = tmp_path / "few.fcase"
    assert main(["cluster", *map(str, files), "--case", str(case_path)]) == EXIT_OK
    case = load_case(case_path)
    result = write_report(case, tmp_path / "few.pdf", extractor_card=None)
    checks = {check.name: check for check in result.checks}
    assert checks["Attribution against the library"].status == NOT_RUN
    assert checks["t-SNE map of the fingerprints"].status == NOT_RUN
    assert checks["Grouping by common source (clustering)"].status == RAN
    reader, pages = pdf_text(tmp_path / "few.pdf")
    text = "\n".join(pages)
    assert "not stated" in text and "No image was attributed" in text and "not available when the report" in text
    assert sum(len(page.images) for page in reader.pages) == 3  # three spectra, no map


def test_large_case_shows_one_spectrum_per_group(capsys, tmp_path):
    folder = tmp_path / "many"
    for kind in ("nearest", "transposed", "shuffle"):
        save_pngs(generate(kind, 9, size=128, seed=9), folder, kind)
    case_path = tmp_path / "many.fcase"
    assert main(["cluster", str(folder), "--case", str(case_path)]) == EXIT_OK
    case = load_case(case_path)
    groups = len({item.cluster for item in case.items})
    assert len(case.items) == 27 and groups >= 2
    pdf = tmp_path / "many.pdf"
    write_report(case, pdf, extractor_card=None)
    reader, pages = pdf_text(pdf)
    assert sum(len(page.images) for page in reader.pages) == min(groups, 24) + 1
    assert "one representative per group" in "\n".join(pages)


def test_c2pa_is_found_where_the_specification_puts_it(tmp_path):
    import io

    from PIL import Image

    pixels = generate("nearest", 1, size=64)[0]
    png, jpeg = io.BytesIO(), io.BytesIO()
    Image.fromarray(pixels).save(png, format="PNG")
    Image.fromarray(pixels).save(jpeg, format="JPEG")
    assert find_c2pa(png.getvalue()) is None and find_c2pa(jpeg.getvalue()) is None
    assert find_c2pa(png_with_chunk(png.getvalue(), b"caBX", JUMBF_C2PA)) == "PNG caBX chunk"
    marked = jpeg_with_app11(jpeg.getvalue(), JUMBF_C2PA)
    assert find_c2pa(marked) == "JPEG APP11 segment (JUMBF)"
    assert Image.open(io.BytesIO(marked)).size == (64, 64)  # still a valid JPEG
    assert find_c2pa(b"RIFF\x00\x00\x00\x00WEBPC2PA" + JUMBF_C2PA) == "JUMBF box labelled c2pa"
    assert find_c2pa(b"\xff\xd8\xff\xeb\x00\x04c2\xff\xd9") is None  # 'c2pa' text alone is not a manifest


@pytest.mark.parametrize(("score", "words"), [
    (0.0, "no support"), (0.4999, "no support"), (0.5, "weak support"), (0.75, "moderate support"),
    (0.9, "strong support"), (0.989, "strong support"), (0.99, "very strong support"), (1.0, "very strong support"),
    (float("nan"), "no support"),
])
def test_verbal_scale(score, words):
    assert verbal_support(score) == words


def test_report_modules_import_in_one_direction():
    """Each module of the report package imports only those below it, so none needs another
    half-loaded; the wording imports nothing of the program, so it can be rewritten alone."""
    import ast
    import graphlib

    package = Path(write_report.__code__.co_filename).parent
    prefix = "forensics_app.core.report."
    graph: dict[str, set[str]] = {}
    for source in package.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not any(node.level for node in ast.walk(tree) if isinstance(node, ast.ImportFrom))
        graph[source.stem] = {name.removeprefix(prefix) for name in modules if name.startswith(prefix)}
        if source.stem == "wording":
            assert not any(name.startswith("forensics_app") for name in modules)
    assert len(graph) > 5 and "__init__" not in set().union(*graph.values())
    list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
