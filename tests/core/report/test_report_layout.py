"""The report of a 40-image case as a reader meets it: about ten pages, the summary on page 1
naming every exhibit with its thumbnail, and text that holds for every exhibit said once."""

from __future__ import annotations

import pytest

from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library
from forensics_app.core.report import write_report
from forensics_app.core.report.checks import evidence_path
from forensics_app.core.report.thumbnails import THUMBNAIL_PIXELS
from forensics_app.workflows.enrol import enrol
from tests.core.report.test_report import analysed_case, between, flat, pdf_text, summary_rows, unique_images
from forensics_app.testing.tiny_generators import KINDS, generate, save_pngs

EXHIBITS = 40
#: A 40-image case fits in about ten pages; twelve leaves room for longer paths and names.
MAX_PAGES = 12


@pytest.fixture(scope="module")
def report(tmp_path_factory, extractor_dir):
    """Three generators enrolled, forty 128 px probes of all four (one never enrolled) taken
    in and analysed by the workflows, one probe changed on disk before the report."""
    root = tmp_path_factory.mktemp("layout")
    extractor = Extractor.load(extractor_dir, device="cpu")
    library = Library.open(root / "library.sqlite", extractor.extractor_id, extractor.embedding_dim)
    probes = []
    for kind in KINDS:
        files = save_pngs(generate(kind, EXHIBITS // len(KINDS) + 4, size=128, seed=21), root / kind, kind)
        if kind != KINDS[-1]:
            enrol(library, kind, extractor=extractor, paths=files[:4])
        probes += files[4:]
    case = analysed_case(extractor, probes, library, reference="R-40")
    library.close()
    changed = case.items[5]
    with open(evidence_path(changed), "ab") as handle:
        handle.write(b"\0")
    pdf = root / "forty.pdf"
    result = write_report(case, pdf, extractor_card=extractor.card)
    reader, pages = pdf_text(pdf)
    return {"case": case, "result": result, "reader": reader, "pages": pages, "flat": flat("\n".join(pages)),
            "changed": changed}


def test_forty_exhibits_fit_in_about_ten_pages(report):
    assert len(report["case"].items) == EXHIBITS
    assert report["result"].pages == len(report["pages"]) <= MAX_PAGES


def test_page_one_is_the_summary(report):
    first = flat(report["pages"][0])
    assert "1. Summary" in first and "R-40" in first and report["case"].items[0].exhibit in first
    order = [report["flat"].index(heading) for heading in
             ("1. Summary", "2. Method", "3. Known error rates", "4. The exhibits", "7. Conclusions", "8. Audit log")]
    assert order == sorted(order)


def test_the_summary_names_every_exhibit_with_its_file_and_decision(report):
    exhibits = [item.exhibit for item in report["case"].items]
    rows = summary_rows(report["flat"], exhibits)
    for item in report["case"].items:
        row = rows[item.exhibit]
        assert item.path.rsplit("/", 1)[-1] in row
        assert " named" in row or "no enrolled generator supported" in row


def test_every_exhibit_has_a_thumbnail_unless_its_file_changed(report):
    images = unique_images(report["reader"])
    thumbnails = [image for image in images if max(image[:2]) == THUMBNAIL_PIXELS and "DCT" in image[2]]
    assert len(thumbnails) == EXHIBITS - 1  # every unchanged exhibit
    assert "no picture: the file is CHANGED since intake" in report["flat"]


def test_text_true_of_every_exhibit_is_stated_once(report):
    text = report["flat"]
    assert text.count("How to read each row.") == 1
    assert text.count("The extractor compares such patterns, not the picture") == 1
    assert text.count("never enter its likelihood ratio") == 1
    assert "cycles per crop" not in text and text.count("log |DFT|") >= EXHIBITS - 1


def test_the_exhibit_section_gives_hashes_and_a_spectrum_for_each(report):
    section = between(report["flat"], "4. The exhibits", "5. Groups, map")  # not "45. Groups of images" in section 2
    for item in report["case"].items:
        assert item.exhibit in section and item.sha256 in section
    spectra = [image for image in unique_images(report["reader"]) if image[0] == image[1] and image[0] != THUMBNAIL_PIXELS]
    assert len(spectra) == EXHIBITS - 1


def test_points_on_top_of_each_other_share_one_readable_map_label():
    import numpy as np

    from forensics_app.core.report.map_labels import compact_ids, spots

    coords = np.array([[0.0, 0.0], [0.01, 0.0], [5.0, 5.0], [5.02, 5.0], [10.0, 10.0]])
    assert spots(coords) == [[0, 1], [2, 3], [4]]
    assert compact_ids(["E0003", "E0001", "E0002", "E0007", "E0009", "E0010"]) == "E0001-E0003, E0007, E0009-E0010"
    assert compact_ids([f"E{n:04d}" for n in (1, 3, 5, 7, 9)]) == "E0001, E0003, +3 more"
