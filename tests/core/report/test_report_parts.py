"""The evidence report in smaller cases and in its parts: stored groups only, the ENFSI scale,
C2PA read through the SDK, and the order in which the report's modules import each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.provenance import c2pa_status
from forensics_app.core.report import NOT_RUN, RAN, verbal_support, write_report
from tests.core.report.test_report import JUMBF_C2PA, analysed_case, flat, pdf_text, png_with_chunk, unique_images
from forensics_app.testing.tiny_generators import generate, save_pngs


def jpeg_with_app11(jpeg: bytes, payload: bytes) -> bytes:
    """The JPEG with an APP11 segment right after SOI, as C2PA writes it (JPEG-XT 'JP' header)."""
    body = b"JP\x00\x01\x00\x00\x00\x01" + payload
    return jpeg[:2] + b"\xff\xeb" + (len(body) + 2).to_bytes(2, "big") + body + jpeg[2:]


@pytest.fixture(scope="module")
def extractor(extractor_dir):
    return Extractor.load(extractor_dir, device="cpu")


def test_small_case_without_library_lists_what_did_not_run(tmp_path, extractor):
    files = save_pngs(generate("bilinear", 3, size=96, seed=5), tmp_path / "few", "few")
    case = analysed_case(extractor, files, None, stages=("cluster", "map"))
    result = write_report(case, tmp_path / "few.pdf", extractor_card=None)
    checks = {check.name: check for check in result.checks}
    assert checks["Attribution against the library"].status == NOT_RUN
    assert checks["t-SNE map of the fingerprints"].status == NOT_RUN
    assert checks["Grouping by common source (clustering)"].status == RAN
    reader, pages = pdf_text(tmp_path / "few.pdf")
    text = flat("\n".join(pages))
    assert "not stated" in text and "No image was attributed" in text and "not available when the report" in text
    assert len(unique_images(reader)) == 7  # three thumbnails, three spectra, their colour bar; no map


def test_a_case_that_was_never_grouped_is_not_grouped_by_the_report(tmp_path, extractor):
    files = save_pngs(generate("nearest", 6, size=96, seed=6), tmp_path / "ungrouped", "u")
    case = analysed_case(extractor, files, None, stages=("map",))
    result = write_report(case, tmp_path / "u.pdf", extractor_card=None)
    check = next(c for c in result.checks if c.name == "Grouping by common source (clustering)")
    assert check.status == NOT_RUN and "does not group the images itself" in check.detail
    assert all(item.cluster is None for item in case.items)


def test_large_case_draws_every_exhibit(tmp_path, extractor):
    folder = tmp_path / "many"
    for kind in ("nearest", "transposed", "shuffle"):
        save_pngs(generate(kind, 9, size=128, seed=9), folder, kind)
    case = analysed_case(extractor, [folder], None, stages=("cluster", "map"))
    groups = len({item.cluster for item in case.items})
    assert len(case.items) == 27 and groups >= 2
    pdf = tmp_path / "many.pdf"
    write_report(case, pdf, extractor_card=None)
    reader, pages = pdf_text(pdf)
    assert len(unique_images(reader)) == 2 * 27 + 2  # a thumbnail and a spectrum each, the colour bar, the map
    text = flat("\n".join(pages))
    assert f"The analysis stored {groups} group(s)" in text


def test_c2pa_is_read_by_the_sdk_where_the_specification_puts_it(tmp_path):
    import io

    from PIL import Image

    from forensics_app.testing.c2pa_signing import signed_jpeg

    pixels = generate("nearest", 1, size=64)[0]
    png, jpeg = io.BytesIO(), io.BytesIO()
    Image.fromarray(pixels).save(png, format="PNG")
    Image.fromarray(pixels).save(jpeg, format="JPEG")
    assert c2pa_status(png.getvalue()) is None and c2pa_status(jpeg.getvalue()) is None
    assert c2pa_status(png_with_chunk(png.getvalue(), b"caBX", JUMBF_C2PA)).startswith("present but unreadable")
    marked = jpeg_with_app11(jpeg.getvalue(), JUMBF_C2PA)
    assert c2pa_status(marked).startswith("present but unreadable")
    assert Image.open(io.BytesIO(marked)).size == (64, 64)  # still a valid JPEG
    assert c2pa_status(b"\xff\xd8\xff\xeb\x00\x04c2\xff\xd9") is None  # 'c2pa' text alone is not a manifest
    signed_jpeg(tmp_path / "signed.jpg")
    assert c2pa_status((tmp_path / "signed.jpg").read_bytes()).startswith("valid signature by Test Generator Signer")


@pytest.mark.parametrize(("lr", "words"), [
    (1.0, "no support for either proposition"), (1.5, "weak support"), (0.5, "weak support"), (10.0, "moderate support"),
    (99.0, "moderate support"), (100.0, "moderately strong support"), (999.0, "moderately strong support"),
    (1_000.0, "strong support"), (1e-3, "strong support"), (20_000.0, "very strong support"),
    (2e6, "extremely strong support"), (float("nan"), "no support for either proposition"),
])
def test_verbal_scale_is_enfsi_on_the_likelihood_ratio(lr, words):
    assert verbal_support(lr) == words


def test_an_lr_of_one_supports_neither_proposition():
    from forensics_app.core.report.conclusions_section import conclusion_sentence
    from forensics_app.core.case import RankedMatch
    from forensics_app.core.report.decision import Decision

    def sentence(lr: float) -> str:
        return conclusion_sentence([Decision("unknown", 100.0, (RankedMatch("gen", 0.5, lr),), exhibit="E0001")])

    assert "no support for either proposition" in sentence(1.0)
    assert "support for the proposition that another source made it, rather than that gen made the exhibit" in \
        sentence(0.2)


def test_report_modules_import_in_one_direction():
    """Each module of the report package imports only those below it, so none needs another
    half-loaded; the wording imports no other part of the report, so it can be rewritten alone."""
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
        if source.stem == "wording":  # the words come from the one scale of the likelihood module only
            assert {name for name in modules if name.startswith("forensics_app")} <= {
                "forensics_app.core.decision.likelihood", "forensics_app.core.decision.attribution"}
    assert len(graph) > 5 and "__init__" not in set().union(*graph.values())
    list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle


def _png_with_chunks(path: Path, pixels, chunks: list[bytes]) -> Path:
    """`chunks` given as type + body."""
    import io

    from PIL import Image

    from tests.guards import png_chunk, with_chunks

    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(with_chunks(buffer.getvalue(), *(png_chunk(c[:4], c[4:]) for c in chunks)))
    return path


def test_any_exhibit_can_be_laid_out(tmp_path, extractor):
    """Exhibits that used to end the report in a page-layout error: 70 text chunks, a path of
    3,500 characters, an EXIF block with a warning per tag."""
    import struct

    images = generate("nearest", 3, size=96, seed=4)
    words = ("word " * 170).encode()
    texts = [b"tEXt" + f"key{i}".encode() + b"\x00" + words for i in range(70)]
    deep = tmp_path.joinpath(*["d" * 250] * 14)
    entries = b"".join(struct.pack("<HHII", 0x9000 + i, 7, 0x1000000 + i, 8) for i in range(3_000))
    exif = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", 3_000) + entries + b"\x00" * 4
    paths = [_png_with_chunks(tmp_path / "texts.png", images[0], texts),
             _png_with_chunks(deep / "long.png", images[1], []),
             _png_with_chunks(tmp_path / "exif.png", images[2], [b"eXIf" + exif])]
    case = analysed_case(extractor, paths, None)
    assert len(str(paths[1])) > 3_500 and all(item.evidence for item in case.items)
    result = write_report(case, tmp_path / "report.pdf", extractor_card=extractor.card)
    _, pages = pdf_text(tmp_path / "report.pdf")
    text = flat("\n".join(pages))
    assert result.pages == len(pages) <= 8
    assert "characters left out here; the whole text is in the case file" in text
    assert "long.png" in text
    notes = case.items[2].evidence.notes
    assert len(notes) <= 12 and any("more warnings of the decoder" in n for n in notes)


def test_names_in_any_script_and_form_print_as_written(tmp_path, extractor):
    """CJK names in an embedded font, NFD names in NFC with a note, direction overrides as escapes."""
    import unicodedata

    images = generate("nearest", 4, size=96, seed=5)
    names = ["生成画像.png", unicodedata.normalize("NFD", "café.png"), "café.png", "photo\u202egpj.exe.png"]
    paths = []
    for pixels, name in zip(images, names):
        paths += save_pngs([pixels], tmp_path / f"d{len(paths)}", "x")
        paths[-1] = paths[-1].rename(paths[-1].with_name(name))
    case = analysed_case(extractor, paths, None)
    write_report(case, tmp_path / "report.pdf", extractor_card=extractor.card)
    reader, pages = pdf_text(tmp_path / "report.pdf")
    text = "\n".join(pages)
    assert "生成画像.png" in text
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()}
    assert any("ReportFallback" in f or "DroidSans" in f for f in fonts)
    assert "stored in Unicode NFD, not NFC (combining characters U+0301)" in flat(text)
    assert "\u202e" not in text and "\\u202e" in text


def test_exhibits_that_conclude_alike_share_one_enfsi_sentence():
    from forensics_app.core.report.conclusions_section import conclusion_sentence, concluding_alike
    from forensics_app.core.case import RankedMatch
    from forensics_app.core.report.decision import Decision

    def decided(exhibit, lr, named=False):
        return Decision("Model X" if named else "unknown", 100.0, (RankedMatch("Model X", 0.9, lr),), exhibit=exhibit)

    groups = concluding_alike([decided("E0001", 3.0), decided("E0002", 5.5), decided("E0003", 400.0, named=True),
                               decided("E0004", 0.2)])
    assert [[d.exhibit for d in g] for g in groups] == [["E0001", "E0002"], ["E0003"], ["E0004"]]
    assert conclusion_sentence(groups[0]) == (
        "The findings provide weak support for the proposition that Model X made each of these exhibits, rather than "
        "that another source made it (LRs 3.0 to 5.5). Model X is not named: the LR is below the naming level of 100.")
    assert conclusion_sentence(groups[1]).endswith("(LR 400). Model X is named: the LR reaches the naming level.")
    assert "for the proposition that another source made it, rather than that Model X made the exhibit" \
        in conclusion_sentence(groups[2])


def test_an_exhibit_is_given_a_group_only_where_the_group_holds_others(tmp_path, extractor):
    images = [*generate("nearest", 1, size=96, seed=31), *generate("transposed", 1, size=96, seed=32)]
    paths = [*save_pngs(images[:1], tmp_path / "a", "a"), *save_pngs(images[1:], tmp_path / "b", "b")]
    case = analysed_case(extractor, paths, None)
    case.items[0].cluster, case.items[1].cluster = 0, 1  # two groups of one
    write_report(case, tmp_path / "alone.pdf", extractor_card=extractor.card)
    text = flat("\n".join(pdf_text(tmp_path / "alone.pdf")[1]))
    exhibits = text[text.index("4. The exhibits"):text.index("5. Groups, map")]
    assert "group 0" not in exhibits and "group 1" not in exhibits
    assert "(group 0)" not in text and "each a group of their own" in text
    case.items[1].cluster = 0
    write_report(case, tmp_path / "together.pdf", extractor_card=extractor.card)
    text = flat("\n".join(pdf_text(tmp_path / "together.pdf")[1]))
    assert "group 0 (with 1 other image)" in text[text.index("4. The exhibits"):text.index("5. Groups, map")]
