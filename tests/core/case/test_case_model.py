"""The typed case model: what a case file holds comes back as dataclasses, and what cannot be read is said."""

from __future__ import annotations

import json

import numpy as np

from forensics_app.core.case import (
    Case,
    CaseItem,
    CaseSettings,
    ExtractorStamp,
    RankedMatch,
    StoredAttribution,
    load_case,
)
from forensics_app.core.case.check import check_case
from forensics_app.core.decision.attribution import build_policy
from forensics_app.core.decision.conditions import ComparedCondition
from forensics_app.core.provenance import ProvenanceEntry
from forensics_app.testing.evidence_records import evidence_record


def _policy():
    rng = np.random.default_rng(3)
    references = {f"gen-{g}": rng.standard_normal((6, 8)) + 3 * np.eye(8)[g] for g in range(3)}
    return build_policy(references, None, naming_lr=10.0)


def _case() -> Case:
    case = Case(reference="R-1", extractor=ExtractorStamp("abc123", "f" * 64, {"kind": "platt"}),
                settings=CaseSettings(crops=4, device="cpu", max_pixels=1000, perplexity=12.0, policy=_policy()))
    attribution = StoredAttribution("gen-1", 10.0, (RankedMatch("gen-1", 0.91, 250.0), RankedMatch("gen-0", 0.2, 0.01)),
                                    closed_set_lr=40.0,
                                    condition=ComparedCondition("jpeg-85", "stored as JPEG quality 85", True,
                                                                references="3 reference(s) re-encoded"))
    case.items.append(CaseItem("E0001", "/x/a.png", evidence_record("/x/a.png", exif={"Software": "editor"}),
                               embedding=np.ones(8, np.float32), attribution=attribution, cluster=0,
                               provenance=(ProvenanceEntry("exif", "declares: edited with editor", generator="editor"),)))
    case.log("intake", "0" * 64, "E0001 /x/a.png")
    return case


def test_a_case_written_today_opens_as_the_same_typed_case(tmp_path):
    case = _case()
    case.save(tmp_path / "c.fcase")
    again = load_case(tmp_path / "c.fcase")
    assert again.load_problems == []
    assert again.extractor == case.extractor and again.settings == case.settings
    assert again.settings.policy == case.settings.policy and again.settings.naming_lr == 10.0
    assert again.items[0].attribution == case.items[0].attribution
    assert again.items[0].evidence.metadata_dict() == case.items[0].evidence.metadata_dict()
    assert again.items[0].provenance == case.items[0].provenance and again.items[0].sha256 == "0" * 64
    assert again.items[0].attribution.matched and again.items[0].attribution.best.words == "moderately strong support"
    stored = json.loads((tmp_path / "c.fcase").read_text())
    assert stored["settings"]["naming_lr"] == 10.0 and stored["items"][0]["attribution"]["matches"][0]["words"]


def test_a_stored_attribution_that_is_no_record_is_left_out_and_said(tmp_path):
    case = _case()
    case.save(tmp_path / "c.fcase")
    data = json.loads((tmp_path / "c.fcase").read_text())
    data["items"][0]["attribution"] = "named: gen-1"
    (tmp_path / "c.fcase").write_text(json.dumps(data))
    again = load_case(tmp_path / "c.fcase")
    assert again.items[0].attribution is None
    assert any("E0001: its stored attribution cannot be read" in p for p in again.load_problems)
    assert any("E0001: its stored attribution cannot be read" in p for p in check_case(again).problems)


def test_unreadable_numbers_are_read_as_missing_and_the_recheck_says_so(tmp_path):
    case = _case()
    case.save(tmp_path / "c.fcase")
    data = json.loads((tmp_path / "c.fcase").read_text())
    data["items"][0]["attribution"]["matches"][0].update(similarity="high", lr=-3)
    (tmp_path / "c.fcase").write_text(json.dumps(data))
    best = load_case(tmp_path / "c.fcase").items[0].attribution.best
    assert np.isnan(best.similarity) and best.lr is None and best.words == "no likelihood ratio stored"


def test_a_damaged_policy_or_an_edited_naming_level_is_a_load_problem_never_a_crash(tmp_path):
    case = _case()
    case.save(tmp_path / "c.fcase")
    data = json.loads((tmp_path / "c.fcase").read_text())
    data["settings"]["naming_lr"] = 1.0
    data["settings"]["kept"] = "by another version"
    (tmp_path / "c.fcase").write_text(json.dumps(data))
    edited = load_case(tmp_path / "c.fcase")
    assert any("naming level of 1.0, the policy 10" in p for p in edited.load_problems)
    assert edited.settings.other == {"kept": "by another version"}
    data["settings"]["policy"]["attribution"] = "gone"
    (tmp_path / "c.fcase").write_text(json.dumps(data))
    damaged = load_case(tmp_path / "c.fcase")
    assert damaged.settings.policy is None and "cannot be read" in damaged.settings.policy_problem
    assert "records no decision policy" not in " ".join(check_case(damaged).problems)
    assert any("the stored decision policy cannot be read" in p for p in check_case(damaged).problems)


def test_an_evidence_record_that_cannot_be_read_is_said_and_the_case_still_opens(tmp_path):
    case = _case()
    case.save(tmp_path / "c.fcase")
    data = json.loads((tmp_path / "c.fcase").read_text())
    del data["items"][0]["evidence"]["md5"]
    (tmp_path / "c.fcase").write_text(json.dumps(data))
    again = load_case(tmp_path / "c.fcase")
    assert again.items[0].evidence is None and again.items[0].provenance is None
    assert any("E0001: its stored evidence record cannot be read" in p for p in again.load_problems)


def test_the_library_snapshot_comes_back_typed_and_a_damaged_gallery_is_said(tmp_path):
    from forensics_app.core.case import GeneratorEntry, LibrarySnapshot, MatchedRecord, SavedGallery

    case = _case()
    gallery = SavedGallery(("gen-0", "gen-1"), np.eye(2, 8, dtype=np.float32))
    case.library = LibrarySnapshot("c" * 64, "abc123", 8, 3, (GeneratorEntry("gen-0", None, 6),
                                                              GeneratorEntry("gen-1", "GAN", 6)), gallery,
                                   {"jpeg-85": MatchedRecord(gallery, case.settings.policy, "3 reference(s)")})
    case.save(tmp_path / "c.fcase")
    again = load_case(tmp_path / "c.fcase")
    assert again.library.reference_count == 12 and again.library_sha256 == "c" * 64
    assert again.library.generators == case.library.generators and again.library.gallery.names == gallery.names
    assert np.array_equal(again.library.gallery.means, gallery.means)
    assert again.library.matched["jpeg-85"].policy == case.settings.policy
    data = json.loads((tmp_path / "c.fcase").read_text())
    data["library"]["gallery"]["means"] = "not base64 of floats"
    data["library"]["matched"]["jpeg-85"]["policy"] = "gone"
    (tmp_path / "c.fcase").write_text(json.dumps(data))
    damaged = load_case(tmp_path / "c.fcase")
    assert damaged.library.gallery is None and "damaged" in damaged.library.gallery_problem
    assert damaged.library.matched["jpeg-85"].policy is None
    assert damaged.to_dict()["library"]["matched"]["jpeg-85"]["policy"] == "gone"  # kept as found
    assert any("cannot be recomputed: the saved gallery" in p for p in check_case(damaged).problems)


def test_what_could_not_be_read_is_written_back_as_it_was(tmp_path):
    case = _case()
    case.settings.other["threshold"] = 0.5  # recorded by an earlier version
    case.save(tmp_path / "c.fcase")
    data = json.loads((tmp_path / "c.fcase").read_text())
    data["items"][0]["attribution"] = "named: gen-1"
    data["items"][0]["evidence"].pop("md5")
    data["settings"]["naming_lr"] = 1.0
    data["library"] = {"generators": 7, "matched": {"jpeg-85": {"left_out": 3}}}
    (tmp_path / "c.fcase").write_text(json.dumps(data))
    edited = load_case(tmp_path / "c.fcase")  # opens, saying what it found
    assert len(edited.load_problems) >= 3 and edited.library.generators == ()
    again = edited.to_dict()
    assert again["items"][0]["attribution"] == "named: gen-1" and "md5" not in again["items"][0]["evidence"]
    assert again["settings"]["naming_lr"] == 1.0 and again["settings"]["threshold"] == 0.5
    edited.settings.decided_by(case.settings.policy)  # a new analysis replaces the stated level
    assert edited.to_dict()["settings"]["naming_lr"] == 10.0
