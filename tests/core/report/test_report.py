"""The PDF evidence report: what it states, what it flags, its page furniture, its audit entry."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from forensics_app.cli import EXIT_FAILED, EXIT_REJECTED, main
from forensics_app.core.decision.attribution import UNKNOWN, UNKNOWN_TEXT
from forensics_app.core.case import Case, load_case
from forensics_app.core.fingerprint.extractor import Extractor, ModelCard, read_card
from forensics_app.core.library import Library
from forensics_app.core.decision.likelihood import format_lr, support_words
from forensics_app.core.report import (
    CHANGED, FAILED, MISSING, NOT_RUN, NOT_TAKEN_IN, RAN, UNCHANGED, VERBAL_SCALE, ReportCancelled, ReportError,
    library_comparisons, write_report,
)
from forensics_app.core.report.wording import lr_words
from forensics_app.workflows.analyse import STAGES, AnalysisRequest, conditions_of, record, run_analysis
from forensics_app.workflows.enrol import enrol
from forensics_app.workflows.intake import fingerprint_paths, fingerprinted, new_case, take_in
from forensics_app.workflows.session import session_settings
from forensics_app.testing.tiny_generators import generate, save_pngs

REFERENCE = "R-2024/017"
# A JUMBF superbox whose description box carries the C2PA manifest-store UUID and label.
JUMBF_C2PA = (b"\x00\x00\x00\x2ajumb\x00\x00\x00\x22jumd"
              b"c2pa\x00\x11\x00\x10\x80\x00\x00\xaa\x00\x38\x9b\x71\x03c2pa\x00")
# Validation figures in the form `forensics-app evaluate` writes them into a model card.
DEV_FIGURES = {
    "command": "forensics-app evaluate DEV-SET --never-enrol real-photos",
    "models": 4, "images": 120, "refs": 10, "seeds": 5,
    "accuracy": 0.625, "accuracy_std": 0.021, "auc": 0.764, "size_only_accuracy": 0.25,
    "recall": {"gen-a": 0.75, "gen-b": 0.5, "gen-c": 0.625, "gen-d": 0.625},
    "cllr": 0.709, "cllr_min": 0.687,
    "misleading": {"same_source": 0.153, "different_source": 0.302},
    "open_set": {"enrolled_per_draw": 2, "draws": 5, "refs": 10, "false_attribution_rate": 0.072,
                 "correct_attribution_rate": 0.147, "naming_lr": 10.0,
                 "named_rate_by_source": {"gen-a": 0.082, "real-photos": 0.087}},
    "verification": {"called_one_source": {"same_source": 0.011, "different_source": 0.004}, "naming_lr": 10.0},
    "never_enrolled": ["real-photos"],
    "single_generator_library": {"never_enrolled_named_rate": 0.078, "libraries": 4, "probes_each": 30},
    "within_size_groups": {"256x256": {"models": 2, "images": 60, "accuracy": 0.63, "chance": 0.5}},
    "jpeg_probes": {"quality": 85, "draws": 5, "enrolled_per_draw": 2, "naming_lr": 10.0,
                    "clean": {"all": {"first_ranked_right": 0.9, "named_rightly": 0.4, "others_named": 0.02}},
                    "as_stored": {"all": {"first_ranked_right": 0.7, "named_rightly": 0.1, "others_named": 0.01}},
                    "matched": {"all": {"first_ranked_right": 0.85, "named_rightly": 0.3, "others_named": 0.03}},
                    "pairs": {"matched": {"auc": 0.81, "same_above_10": 0.25, "same_below_1": 0.35,
                                          "different_below_tenth": 0.0, "different_above_1": 0.405},
                              "unmatched": {"auc": 0.66, "same_above_10": 0.05, "different_below_tenth": 0.7},
                              "clean": {"auc": 0.85, "same_above_10": 0.5, "different_below_tenth": 0.65}}},
    "generated_or_camera": {"generated_images": 120, "photographs": 40, "fitted_on": "the background only",
                            "auc": 0.534, "cllr": 1.218, "auc_reencoded": 0.513, "cllr_reencoded": 1.395,
                            "used": False, "why": "no better than chance"},
}


def png_with_chunk(png: bytes, kind: bytes, payload: bytes) -> bytes:
    """The PNG with one more chunk just before IEND (ancillary chunks do not affect decoding)."""
    chunk = len(payload).to_bytes(4, "big") + kind + payload + zlib.crc32(kind + payload).to_bytes(4, "big")
    end = png.rindex(b"IEND") - 4
    return png[:end] + chunk + png[end:]


def save_camera_jpeg(source: Path, target: Path) -> Path:
    """A JPEG copy carrying the EXIF fields a camera and an editor write."""
    from PIL import ExifTags, Image

    exif = Image.Exif()
    exif[ExifTags.Base.Make], exif[ExifTags.Base.Model] = "TestCam", "X100"
    exif[ExifTags.Base.Software] = "EditorPro 2.0"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2024:05:01 10:00:00"
    Image.open(source).save(target, exif=exif, quality=95)
    return target


_FURNITURE = re.compile(r"^(Evidence report \| case .*|page \d+ of \d+|forensics-app \S+ \| case id .*)$")


def flat(text: str) -> str:
    """The text without page headers and footers, every run of whitespace one space: lines
    wrap, and paragraphs break across pages, wherever the layout puts them."""
    lines = [line for line in text.splitlines() if not _FURNITURE.match(" ".join(line.split()))]
    return " ".join(" ".join(lines).split())


def pdf_text(path: Path) -> tuple[PdfReader, list[str]]:
    reader = PdfReader(str(path))
    return reader, [page.extract_text() for page in reader.pages]


def unique_images(reader: PdfReader) -> list[tuple[int, int, str]]:
    """(width, height, filter) of every image the PDF holds, each once however often drawn."""
    seen: dict[int, tuple[int, int, str]] = {}
    for page in reader.pages:
        for reference in (page["/Resources"].get("/XObject") or {}).values():
            image = reference.get_object()
            if image.get("/Subtype") == "/Image":
                seen[reference.idnum] = (int(image["/Width"]), int(image["/Height"]), str(image.get("/Filter")))
    return list(seen.values())


def between(text: str, start: str, end: str) -> str:
    """The part of `text` from the heading `start` to the heading `end`."""
    return text[text.index(start):text.index(end)]


def summary_rows(text: str, exhibits: list[str]) -> dict[str, str]:
    """Each exhibit's line of the summary table (section 1), as flat text."""
    summary = between(text, "1. Summary", "2. Method")
    starts = [summary.index(f"{exhibit} ", summary.index("The file declares")) for exhibit in exhibits]
    ends = starts[1:] + [len(summary)]
    return {exhibit: summary[a:b] for exhibit, a, b in zip(exhibits, starts, ends)}


def analysed_case(extractor: Extractor, paths: list[Path], library: Library | None,
                  stages: tuple[str, ...] = STAGES, reference: str = "") -> Case:
    """A case made as the window and the commands make one: intake, then the analysis stages."""
    case = new_case(extractor, reference)
    session_settings(extractor).record_in(case)
    for result in fingerprint_paths(extractor, paths, provenance=True):
        take_in(case, result)
    items = fingerprinted(case)
    # the tiny extractor's few references cannot support LR 100; level 10 gives the case names
    request = AnalysisRequest(np.stack([i.embedding for i in items]), extractor, library, stages=stages,
                              naming_lr=10.0, conditions=conditions_of(items))
    for stage in run_analysis(request):
        record(case, items, stage)
    return case


def validated(card: ModelCard) -> ModelCard:
    """The same card (same extractor id) with validation figures on real generators."""
    figures = {**(card.extra.get("figures") or {}), "dev_generators": copy.deepcopy(DEV_FIGURES)}
    return dataclasses.replace(card, extra={**card.extra, "figures": figures})


@pytest.fixture(scope="module")
def extractor(extractor_dir):
    return Extractor.load(extractor_dir, device="cpu")


@pytest.fixture(scope="module")
def scene(tmp_path_factory, extractor_dir, extractor):
    """A case made by the real workflows and a real library, then disturbed before export: one
    file changed, one deleted; one file carries a C2PA manifest and one was rejected at intake.
    One report is written with validation figures and a Tippett plot, one without either."""
    root = tmp_path_factory.mktemp("report")
    images = {kind: save_pngs(generate(kind, 7, size=160, seed=3), root / kind, kind)
              for kind in ("nearest", "transposed", "shuffle")}
    library = Library.open(root / "library.sqlite", extractor.extractor_id, extractor.embedding_dim)
    for kind in ("nearest", "transposed"):
        enrol(library, kind, extractor=extractor, paths=images[kind][:4])
    signed = root / "signed.png"
    signed.write_bytes(png_with_chunk(images["shuffle"][2].read_bytes(), b"caBX", JUMBF_C2PA))
    broken = root / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    camera = save_camera_jpeg(images["shuffle"][3], root / "camera.jpg")
    probes = images["nearest"][4:7] + images["transposed"][4:6] + images["shuffle"][:2] + [signed, camera, broken]
    case = analysed_case(extractor, probes, library, reference=REFERENCE)
    case_path = root / "case.fcase"
    case.save(case_path)
    policy = case.settings.policy
    tippett = library_comparisons(library.reference_sets(), extractor.background(), policy)
    library.close()
    by_path = {Path(item.path).name: item for item in case.items}
    changed, missing = by_path[probes[0].name], by_path[probes[3].name]
    with open(probes[0], "ab") as handle:
        handle.write(b"\0")
    probes[3].unlink()
    progress: list[tuple[int, int | None]] = []
    pdf = root / "report.pdf"
    card = read_card(extractor_dir)
    result = write_report(case, pdf, extractor_card=validated(card), tippett=tippett,
                          progress=lambda done, total: progress.append((done, total)))
    plain = root / "plain.pdf"
    plain_result = write_report(load_case(case_path), plain, extractor_card=card)
    reader, pages = pdf_text(pdf)
    return {"case": case, "case_path": case_path, "pdf": pdf, "result": result, "reader": reader, "pages": pages,
            "text": "\n".join(pages), "flat": flat("\n".join(pages)), "changed": changed, "missing": missing,
            "signed": by_path["signed.png"], "broken": by_path["broken.png"], "progress": progress, "card": card,
            "policy": policy, "tippett": tippett, "plain": flat("\n".join(pdf_text(plain)[1])),
            "plain_result": plain_result}


def test_every_exhibit_and_its_hashes_appear_whole(scene):
    text = scene["text"]
    for item in scene["case"].items:
        assert item.exhibit in text
        if item.evidence:
            assert item.sha256 in text and item.evidence.md5 in text


def test_extractor_weights_and_library_are_identified(scene):
    case, text = scene["case"], scene["text"]
    assert case.extractor.sha256 in text and case.extractor.id in text
    assert case.library.content_sha256 in text
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
    now = hashlib.sha256(Path(scene["changed"].evidence.path).read_bytes()).hexdigest()
    assert now in text and now == status[scene["changed"].exhibit].sha256
    assert len(result.warnings) == 2 and "opened read-only" in text


def test_figures_are_embedded(scene):
    images = unique_images(scene["reader"])
    drawable = sum(1 for f in scene["result"].files if f.status == UNCHANGED)  # changed or missing: no pictures
    # a thumbnail and a spectrum per unchanged image, the colour bar, the map and the Tippett plot
    assert len(images) == 2 * drawable + 3
    assert "Figure 1." in scene["text"] and "t-SNE map" in scene["text"]
    assert "cycles / pixel" in scene["text"] and "log |DFT|" in scene["text"]
    assert "no picture: the file is CHANGED since intake" in scene["flat"]
    assert "no picture: the file is MISSING" in scene["flat"]
    assert "Tippett plot of the library in use" in scene["flat"]


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


def test_checks_metadata_rejections_and_limitations(scene):
    text, result = scene["text"], scene["result"]
    checks = {check.name: check.status for check in result.checks}
    assert checks["Attribution against the library"] == RAN
    assert checks["t-SNE map of the fingerprints"] == RAN
    assert checks["Grouping by common source (clustering)"] == RAN
    assert checks["Tippett plot of the library's comparisons"] == RAN
    assert checks["C2PA signature validation"] == RAN  # the scene's manifest is a bare box: unreadable
    assert {RAN, NOT_RUN} <= set(checks.values()) and FAILED not in checks.values()
    assert "not run" in text and "absence of C2PA data proves nothing" in scene["flat"]
    assert next(f for f in result.files if f.exhibit == scene["signed"].exhibit).c2pa.startswith("present but unreadable")
    assert "Provenance. " in scene["flat"] and "never enter its likelihood ratio" in scene["flat"]
    assert scene["broken"].error and scene["broken"].exhibit in text and "rejected" in text
    assert "TestCam" in text and "EditorPro 2.0" in text and "2024:05:01 10:00:00" in text
    assert "lossy format" in text  # the JPEG exhibit is named among the limitations
    assert "Limitations" in text and "Recompression" in text and "synthetic" in text


def attributed(case: Case) -> list:
    return [item for item in case.items if item.attribution and item.attribution.matches]


def test_each_exhibit_gets_the_enfsi_words_of_its_likelihood_ratio(scene):
    items = attributed(scene["case"])
    assert len(items) == 9
    rows = summary_rows(scene["flat"], [item.exhibit for item in scene["case"].items])
    for item in items:
        best = item.attribution.matches[0]
        assert f"{lr_words(best.lr)}, LR {format_lr(best.lr)}" in rows[item.exhibit], item.exhibit
    conclusions = scene["flat"][scene["flat"].index("7. Conclusions"):]
    assert "<words>" not in conclusions and "&lt;" not in conclusions  # no template is printed
    for item in items:  # every exhibit in an ENFSI sentence, with its generator, words and LR
        best = item.attribution.matches[0]
        named = item.attribution.decision == best.generator
        assert item.exhibit in conclusions and f"provide {support_words(best.lr)} for the proposition" in conclusions
        assert f"{best.generator} is {'named' if named else 'not named'}" in conclusions
        assert format_lr(best.lr) in conclusions
    for level in VERBAL_SCALE:  # the whole scale is printed once, in the method
        assert level.words in scene["flat"]


def test_no_stronger_words_than_the_likelihood_ratios(scene):
    lrs = [m.lr for item in attributed(scene["case"]) for m in item.attribution.matches]
    assert max(lrs) < 1_000
    findings = scene["flat"][scene["flat"].index("1. Summary"):scene["flat"].index("2. Method")]
    findings += scene["flat"][scene["flat"].index("4. The exhibits"):]
    assert not re.search(r"(?<!moderately )strong support", findings)
    if max(max(lrs), 1 / min(lrs)) < 100:
        assert "strong support" not in findings


def test_unknown_decisions_name_no_generator(scene):
    items = attributed(scene["case"])
    unknown = [item for item in items if item.attribution.decision == UNKNOWN]
    named = [item for item in items if item.attribution.decision != UNKNOWN]
    assert unknown and named, "the case needs both kinds of decision"
    rows = summary_rows(scene["flat"], [item.exhibit for item in scene["case"].items])
    for item in unknown:
        assert UNKNOWN_TEXT in rows[item.exhibit]
        assert not re.search(r"\S+ named", rows[item.exhibit])
    for item in named:
        assert f"{item.attribution.decision} named" in rows[item.exhibit]
    conclusions = scene["flat"][scene["flat"].index("7. Conclusions"):]
    assert f"for {len(unknown)}, {UNKNOWN_TEXT}" in conclusions


def test_the_policy_is_stated_once_in_words(scene):
    text, policy = scene["flat"], scene["policy"]
    assert text.count(flat(policy.describe())) == 1
    assert text.count(flat(policy.describe(pairs=True))) == 1
    assert text.index(flat(policy.describe())) < text.index("3. Known error rates")
    assert "slope" not in text and "intercept" not in text and "{" not in text  # no raw policy dict


def test_groups_are_those_stored_in_the_case(scene, tmp_path):
    case = scene["case"]
    stored = {item.cluster for item in case.items if item.embedding is not None}
    assert None not in stored
    assert f"The analysis stored {len(stored)} group(s)" in scene["flat"]
    regrouped = load_case(scene["case_path"])
    for index, item in enumerate(fingerprinted(regrouped)):
        item.cluster = 7 if index % 3 else 4  # labels no clustering of these images would give
    write_report(regrouped, tmp_path / "regrouped.pdf", extractor_card=None)
    text = flat("\n".join(pdf_text(tmp_path / "regrouped.pdf")[1]))
    assert "The analysis stored 2 group(s) for 9 image(s)" in text


def test_known_error_rates_come_from_the_card(scene):
    text = scene["flat"]
    section = text[text.index("3. Known error rates"):text.index("4. The exhibits")]
    assert DEV_FIGURES["command"] in section and "120 images of 4 generators" in section
    assert "62.5% of images ranked their own generator first" in section
    assert "Cllr 0.709, Cllr_min 0.687" in section
    assert "15.3%" in section and "30.2%" in section  # misleading evidence
    assert "7.2% of images whose source was not enrolled" in section and "14.7%" in section
    assert "1.1% of pairs of one generator" in section and "0.4% of pairs" in section
    assert "7.8% of the time" in section
    assert "gen-b" in section and "50.0%" in section and "real-photos" in section
    assert "Not validated" not in text
    for word in re.findall(r"\w+ calibrated|calibrated \w+", text):
        assert "score" not in word and "similarit" not in word


def test_without_validation_or_comparisons_the_report_says_so(scene):
    plain = scene["plain"]
    assert "Not validated: the extractor's model card records no validation on real generators" in plain
    assert "Tippett plot of the library's comparisons was not provided with this report" in plain
    checks = {check.name: check.status for check in scene["plain_result"].checks}
    assert checks["Tippett plot of the library's comparisons"] == NOT_RUN


def test_a_case_without_a_stored_policy_says_so(scene, tmp_path):
    case = load_case(scene["case_path"])
    case.settings.policy = None
    write_report(case, tmp_path / "old.pdf", extractor_card=None)
    text = flat("\n".join(pdf_text(tmp_path / "old.pdf")[1]))
    assert "This case records no decision policy" in text
    assert flat(scene["policy"].describe()) not in text
    assert "Not validated: the extractor's model card was not available" in text


def test_a_malformed_tippett_argument_is_refused_before_anything_is_written(scene, tmp_path):
    case = load_case(scene["case_path"])
    with pytest.raises(ReportError, match="two arrays"):
        write_report(case, tmp_path / "t.pdf", extractor_card=None, tippett=(np.zeros(3),))
    assert not (tmp_path / "t.pdf").exists() and case.audit[-1].action != "report"


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
    data = json.loads(captured.out)
    assert code == EXIT_REJECTED and data["integrity_failed"]  # two evidence files changed or went missing
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
    target = Path(scene["signed"].evidence.path)
    before = target.read_bytes()
    with pytest.raises(ReportError, match="evidence file"):
        write_report(case, target, extractor_card=None)
    assert target.read_bytes() == before
    out = tmp_path / "cancelled.pdf"
    with pytest.raises(ReportCancelled):
        write_report(case, out, extractor_card=None, cancel=lambda: True)
    assert not list(tmp_path.glob("cancelled*")) and case.audit[-1].action != "report"


def test_page_one_opens_with_a_bottom_line_built_from_the_stored_decisions(scene):
    page_one = flat(scene["pages"][0])
    assert "Bottom line. Asked:" in page_one and "enrolled generator(s)." in page_one
    named = {d.decision for d in (i.attribution for i in scene["case"].items if i.attribution)} - {UNKNOWN}
    for generator in named:
        assert f"The fingerprint supports {generator} as the source of" in page_one
    assert "It cannot say that an image comes from a generator that is not enrolled" in page_one
    assert "7.2% of images of other sources were wrongly named (section 3)" in page_one  # the card at the case's level
    assert "error rates on real generators are not validated for this case" in scene["plain"]
    assert "whether an image was generated at all is not answered (section 3)" in page_one
    assert "Generated or camera photograph not answered:" in scene["flat"] and "ROC-AUC 0.534" in scene["flat"]
    assert "compared in matched conditions (as this program does), 85.0% ranked their own generator first" in scene["flat"]
    assert ("Verification of one re-encoded image against one as it was: in matched conditions (as this program "
            "does), ROC-AUC 0.810; 25.0% of same-source pairs got an LR above 10 and 35.0% below 1 (misleading); "
            "0.0% of different-source pairs got an LR below 1/10 and 40.5% above 1 (misleading)") in scene["flat"]


def test_each_exhibit_gives_its_closed_set_lr_as_a_conditional_and_the_method_explains_it(scene):
    attributed = [i for i in scene["case"].items if i.attribution]
    assert all(i.attribution.closed_set_lr is not None for i in attributed)  # two generators enrolled
    flat_text = scene["flat"]
    assert flat_text.count("Closed set (if one of the 2 enrolled made it): LR") >= len(attributed)
    assert "Closed set. Beside each conclusion the report gives a closed-set LR" in flat_text
    assert "Matched condition: the image is stored as JPEG quality" in flat_text  # camera.jpg, against re-encoded refs
    assert "Matched condition JPEG" in flat_text and "Its likelihood ratios are calibrated on" in flat_text  # method
    page_one = flat(scene["pages"][0])
    assert "stored as JPEG and compared with the references re-encoded at their quality (section 2)" in page_one
    assert "compared so, 30.0% of images of enrolled generators were named rightly" in page_one
