"""Comparison in matched conditions: a JPEG probe against references re-encoded at its quality."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from forensics_app.core.case import StoredAttribution
from forensics_app.core.case.check import check_case
from forensics_app.core.decision.conditions import Condition, condition_from_quality, condition_of, snap_quality
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library
from forensics_app.core.provenance import ProvenanceEntry
from forensics_app.workflows.analyse import AnalysisRequest, ProbeFile, conditions_of, record, run_analysis
from forensics_app.workflows.enrol import enrol
from forensics_app.workflows.intake import fingerprint_paths, fingerprinted, new_case, take_in
from forensics_app.testing.tiny_generators import generate, save_pngs


def test_a_probe_condition_is_read_from_its_jpeg_tables_and_snapped_to_the_ladder():
    assert condition_from_quality("83 (exact libjpeg tables)") == Condition(85, 83, True)
    assert condition_from_quality("unknown") == Condition() and not Condition().matched
    assert snap_quality(100) == 100 and snap_quality(97) == 95 and snap_quality(45) == 50
    jpeg = ProvenanceEntry("jpeg", "JPEG", details={"quality": "72 (estimated)"})
    assert condition_of([ProvenanceEntry("c2pa", "signed"), jpeg]).key == "jpeg-70"
    assert condition_of([ProvenanceEntry("png-text", "text")]).key == "as stored"
    assert "stored as JPEG quality 72 (estimated from its quantisation tables, matched at 70)" == \
        condition_of([jpeg]).describe()


def jpeg_copies(paths, folder, quality):
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for path in paths:
        target = folder / (path.stem + ".jpg")
        Image.open(path).convert("RGB").save(target, "JPEG", quality=quality)
        out.append(target)
    return out


@pytest.fixture()
def setting(tmp_path, extractor_dir):
    extractor = Extractor.load(extractor_dir, device="cpu")
    images = {kind: save_pngs(generate(kind, 6, size=128, seed=21), tmp_path / kind, kind)
              for kind in ("nearest", "transposed")}
    library = Library.open(tmp_path / "library.sqlite", extractor.extractor_id, extractor.embedding_dim)
    for kind, paths in images.items():
        enrol(library, kind, extractor=extractor, paths=paths[:4])
    probes = jpeg_copies(images["nearest"][4:] + images["transposed"][4:], tmp_path / "probes", 72)
    yield extractor, library, probes + [images["nearest"][5]], images
    library.close()


def analyse(extractor, library, paths, matched=True, sources=False):
    case = new_case(extractor, "M-1")
    for result in fingerprint_paths(extractor, paths, provenance=True):
        take_in(case, result)
    items = fingerprinted(case)
    request = AnalysisRequest(np.stack([i.embedding for i in items]), extractor, library, naming_lr=10.0,
                              stages=("attribute",), conditions=conditions_of(items) if matched else (),
                              sources=tuple(ProbeFile.of(i) for i in items) if sources else ())
    for stage in run_analysis(request):
        record(case, items, stage)
    return case


def test_jpeg_probes_are_compared_with_references_at_their_quality_and_the_case_rechecks(setting):
    extractor, library, probes, _ = setting
    case = analyse(extractor, library, probes)
    jpeg, png = case.items[:4], case.items[4]
    for item in jpeg:
        condition = item.attribution.condition
        assert condition.matched and condition.key == "jpeg-70"
        assert "8 reference(s) of 2 generator(s) re-encoded as JPEG quality 70" in condition.references
        assert "and on the background population re-encoded alike" in condition.references
        assert condition.words().startswith("Matched condition: the image is stored as JPEG quality 72")
    assert png.attribution.condition is None  # a PNG is compared with the references as stored
    assert "condition" not in png.attribution.to_dict()
    assert set(case.library.matched) == {"jpeg-70"}
    assert "JPEG probes compared with references re-encoded at quality 70" in case.audit[-1].detail
    assert check_case(case).problems == []
    # the matched gallery is not the stored one: the similarities differ from a comparison as stored
    as_stored = analyse(extractor, library, probes[:1], matched=False).items[0].attribution.matches
    assert [m.similarity for m in as_stored] != [m.similarity for m in case.items[0].attribution.matches]
    saved = case.library.matched["jpeg-70"]
    edited = replace(saved, gallery=replace(saved.gallery, names=saved.gallery.names[::-1]))
    case.library.matched["jpeg-70"] = edited  # the saved matched gallery edited outside the program
    assert any(p.startswith("E0001: rank 1") for p in check_case(case).problems)
    case.library.matched.clear()
    assert any("does not hold or cannot be read" in p for p in check_case(case).problems)


def test_references_that_moved_are_left_out_and_too_few_leave_the_probe_as_stored(setting):
    extractor, library, probes, images = setting
    images["transposed"][0].unlink()
    case = analyse(extractor, library, probes[:1])
    condition = case.items[0].attribution.condition
    assert condition.matched and "1 reference(s) left out (moved or changed since enrolment)" in condition.references
    for path in images["transposed"][1:4]:
        path.write_bytes(path.read_bytes() + b"\0")  # changed since enrolment: refused by its hash
    case = analyse(extractor, library, probes[:1])
    condition = case.items[0].attribution.condition
    assert not condition.matched and "only 0 of the 4 reference file(s) of transposed" in condition.why
    from forensics_app.core.evidence import FileChangedError, open_verified

    with pytest.raises(FileChangedError, match="the file has changed since enrolment"):
        open_verified(images["transposed"][1], library.reference_paths("transposed")[1][0], since="enrolment")
    assert condition.words().startswith("Not compared in a matched condition")
    assert check_case(case).problems == []


def test_a_second_analysis_reuses_the_reencoded_references_until_a_file_changes(setting, monkeypatch):
    from forensics_app.workflows import matched

    extractor, library, probes, images = setting
    calls = []
    original = matched._reencoded_references
    monkeypatch.setattr(matched, "_reencoded_references", lambda *a, **k: calls.append(1) or original(*a, **k))
    first = analyse(extractor, library, probes[:2]).items[0].attribution
    again = analyse(extractor, library, probes[:2]).items[0].attribution
    assert len(calls) == 1 and again == first  # the same references, not read a second time
    images["nearest"][0].unlink()
    analyse(extractor, library, probes[:2])
    assert len(calls) == 2  # a reference moved: read again, and left out


def test_a_cancel_while_matching_records_nothing(setting):
    extractor, library, probes, _ = setting
    case = new_case(extractor, "M-2")
    for result in fingerprint_paths(extractor, probes[:1], provenance=True):
        take_in(case, result)
    items = fingerprinted(case)
    asked = []

    def cancel() -> bool:  # not yet at the stage's start, then at once while references are re-encoded
        asked.append(1)
        return len(asked) > 1

    request = AnalysisRequest(np.stack([i.embedding for i in items]), extractor, library, naming_lr=10.0,
                              stages=("attribute",), conditions=conditions_of(items))
    assert list(run_analysis(request, cancel=cancel)) == [] and len(asked) > 1
    assert items[0].attribution is None



def test_a_probe_stored_with_less_loss_than_every_reference_is_brought_down_to_theirs(tmp_path, extractor_dir):
    extractor = Extractor.load(extractor_dir, device="cpu")
    images = {kind: save_pngs(generate(kind, 7, size=128, seed=21), tmp_path / kind, kind)
              for kind in ("nearest", "transposed", "shuffle")}
    library = Library.open(tmp_path / "library.sqlite", extractor.extractor_id, extractor.embedding_dim)
    for kind, quality in (("nearest", 72), ("transposed", 77)):  # every reference a JPEG: at 70 and 75
        enrol(library, kind, extractor=extractor, paths=jpeg_copies(images[kind][:4], tmp_path / f"{kind}-refs", quality))
    probes = ([images["nearest"][4]] + jpeg_copies(images["transposed"][4:5], tmp_path / "high", 92)
              + jpeg_copies(images["nearest"][5:6], tmp_path / "low", 60)
              + jpeg_copies(images["transposed"][6:7], tmp_path / "at", 72))
    case = analyse(extractor, library, probes, sources=True)
    lossless, high, low, natural = (item.attribution.condition for item in case.items)
    for brought in (lossless, high):
        assert brought.matched and brought.brought_down and brought.key == "jpeg-70"
        assert len(brought.fingerprint) == extractor.embedding_dim
        assert "every reference is a JPEG and the most compressed is at quality 70, so the image was re-encoded" in \
            brought.words() and brought.words().endswith("The error rates of such comparisons are not validated.")
    assert lossless.probe == "stored without loss (PNG)" and high.probe.startswith("stored as JPEG quality 92")
    assert low.matched and low.key == "jpeg-60" and not low.brought_down  # below the references: theirs come down
    assert natural.key == "jpeg-70" and not natural.brought_down  # at the floor: one gallery with those brought down
    assert StoredAttribution.from_dict(case.items[0].attribution.to_dict()).condition == lossless
    checked = check_case(case)
    assert checked.problems == [] and checked.checked == 4
    assert any("re-encoding of 2 image(s) brought down" in u for u in checked.unchecked)
    # the fingerprint it was compared with is what the re-check recomputes from
    edited = replace(lossless, fingerprint=tuple(-v for v in lossless.fingerprint))
    case.items[0].attribution = case.items[0].attribution.with_condition(edited)
    assert any(p.startswith("E0001:") for p in check_case(case).problems)
    scaled = replace(lossless, fingerprint=tuple(2 * v for v in lossless.fingerprint))  # no fingerprint is that long
    case.items[0].attribution = case.items[0].attribution.with_condition(scaled)
    assert any("brought down to matched condition 'jpeg-70' is missing or unreadable" in p
               for p in check_case(case).problems)
    # files moved since intake: the JPEG keeps its own matched condition, the PNG is compared as stored and says why
    for path in probes[:2]:
        path.rename(path.with_name("moved-" + path.name))
    moved = analyse_items(extractor, library, case)
    assert moved[1].condition.key == "jpeg-90" and not moved[1].condition.brought_down and moved[1].matched
    assert not moved[0].matched and "could not be read again to bring it to JPEG quality 70" in moved[0].condition.why
    # a library holding a lossless reference: the probe keeps its own condition
    enrol(library, "shuffle", extractor=extractor, paths=images["shuffle"][:4])
    again = analyse_items(extractor, library, case)
    assert again[0].condition is None and again[1].condition.key == "jpeg-90"
    library.close()


def analyse_items(extractor, library, case):
    """The case's exhibits attributed again, from what it holds (their files read again where needed)."""
    items = fingerprinted(case)
    request = AnalysisRequest(np.stack([i.embedding for i in items]), extractor, library, naming_lr=10.0,
                              stages=("attribute",), conditions=conditions_of(items),
                              sources=tuple(ProbeFile.of(i) for i in items))
    return next(iter(run_analysis(request))).records
