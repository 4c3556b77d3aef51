"""The Qt-free session: what it does to the case, and the events its views watch."""

from __future__ import annotations

import pytest

from forensics_app.core.case import CaseError, ExtractorStamp, load_case
from forensics_app.core.fingerprint.extractor import Extractor
from forensics_app.core.library import Library
from forensics_app.testing.tiny_generators import generate, save_pngs
from forensics_app.workflows.analyse import Attributions, Groups, run_analysis
from forensics_app.workflows.enrol import enrol
from forensics_app.workflows.events import Event
from forensics_app.workflows.intake import fingerprint_paths
from forensics_app.workflows.session import ADDED, ALREADY_IN, LEFT_OUT, Session, session_settings


@pytest.fixture(scope="module")
def setting(extractor_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("session")
    extractor = Extractor.load(extractor_dir, device="cpu")
    images = save_pngs(generate("nearest", 6, size=96, seed=4), root / "nearest", "n")
    library = Library.open(root / "library.sqlite", extractor.extractor_id, extractor.embedding_dim)
    enrol(library, "nearest", extractor=extractor, paths=images[:3])
    (root / "probes").mkdir()
    (root / "probes" / "notes.txt").write_text("not an image")
    probes = [*images[3:], root / "probes" / "notes.txt"]
    results = list(fingerprint_paths(extractor, [*map(str, images[3:]), str(root / "probes")], provenance=True))
    return extractor, library, results, probes


class Recorder:
    """Every event a session emits, in order, by name."""

    def __init__(self, session: Session) -> None:
        self.seen: list[tuple] = []
        for name in ("opened", "dirty", "inserting", "inserted", "items", "noted", "recorded", "details"):
            getattr(session.events, name).connect(lambda *args, name=name: self.seen.append((name, *args)))

    def names(self) -> list[str]:
        return [entry[0] for entry in self.seen]


def test_an_event_calls_its_callbacks_in_order_until_disconnected():
    event, calls = Event(), []
    first = event.connect(lambda value: calls.append(("first", value)))
    event.connect(lambda value: calls.append(("second", value)))
    event.emit(1)
    event.disconnect(first)
    event.emit(2)
    assert calls == [("first", 1), ("second", 1), ("second", 2)]


def test_taking_in_announces_each_row_and_marks_the_case_unsaved(setting):
    extractor, library, results, _ = setting
    session = Session(extractor, library)
    seen = Recorder(session)
    outcomes = [session.take_in(result)[0] for result in results]
    assert outcomes.count(ADDED) == 3 and outcomes.count(LEFT_OUT) == 1
    assert session.take_in(next(r for r in results if not r.skipped))[0] == ALREADY_IN
    assert session.take_in(next(r for r in results if not r.skipped), once=False)[0] == ADDED
    assert session.case.items[-1].same_as == session.case.items[0].exhibit
    assert seen.names()[:3] == ["dirty", "inserting", "inserted"] and seen.seen[1] == ("inserting", 0)
    assert session.dirty and seen.names().count("dirty") == 1 and seen.names().count("inserted") == 4
    assert session.case.extractor.id == extractor.extractor_id


def test_each_recorded_stage_is_announced_with_its_policy(setting):
    extractor, library, results, _ = setting
    session = Session(extractor, library)
    for result in results:
        session.take_in(result)
    seen = Recorder(session)
    items, request = session.analysis(session_settings(extractor, perplexity=12.0, naming_lr=10.0),
                                      ("attribute", "cluster"))
    assert session.case.settings.perplexity == 12.0 and len(items) == 3
    for stage in run_analysis(request):
        session.record(items, stage)
    stages = [entry[1] for entry in seen.seen if entry[0] == "recorded"]
    assert [type(s) for s in stages] == [Attributions, Groups]
    assert session.policy is stages[-1].policy and session.case.settings.policy is session.policy
    assert all(item.attribution is not None and item.cluster is not None for item in items)
    assert session.attribution_note == ""


def test_without_a_library_the_session_says_why_nothing_was_attributed(setting):
    extractor, _, results, _ = setting
    session = Session(extractor)
    for result in results:
        session.take_in(result)
    items, request = session.analysis(session_settings(extractor), ("attribute",))
    for stage in run_analysis(request):
        session.record(items, stage)
    assert session.attribution_note == "Attribution needs enrolled generators: no library is open."
    assert all(item.attribution is None for item in items)


def test_details_notes_removal_and_saving_are_logged_and_announced(setting, tmp_path):
    extractor, library, results, _ = setting
    session = Session(extractor, library)
    for result in results:
        session.take_in(result)
    seen = Recorder(session)
    assert session.set_details({"reference": "R-7", "examiner": "A. Analyst"})
    assert not session.set_details({"reference": "R-7"})  # unchanged: nothing logged
    assert session.set_note("E0001", "seen on a forum")
    with pytest.raises(ValueError, match="needs a reason"):
        session.remove(["E0002"], "  ")
    session.remove(["E0002"], "duplicate upload")
    actions = [entry.action for entry in session.case.audit]
    assert actions[-3:] == ["case-details", "note", "removed"]
    assert "details" in seen.names() and seen.names().count("items") == 1 and seen.names().count("noted") == 1
    session.save(tmp_path / "c.fcase", session_settings(extractor))
    assert not session.dirty and seen.seen[-2] == ("dirty", False) and session.path == tmp_path / "c.fcase"
    again = load_case(tmp_path / "c.fcase")
    assert again.reference == "R-7" and [i.exhibit for i in again.items] == ["E0001", "E0003"]
    assert again.settings.crops == extractor.card.preprocess.crops_per_image


def test_a_failed_save_keeps_the_case_unsaved(setting, tmp_path):
    extractor, library, results, _ = setting
    session = Session(extractor, library)
    session.take_in(next(r for r in results if not r.skipped))
    with pytest.raises(CaseError):
        session.save(tmp_path / "missing" / "c.fcase")
    assert session.dirty and session.path is None


def test_opening_another_case_resets_what_the_session_knew(setting):
    extractor, library, results, _ = setting
    session = Session(extractor, library)
    session.take_in(next(r for r in results if not r.skipped))
    session.policy = object()  # what the last analysis decided by
    seen = Recorder(session)
    blank = session.blank_case("R-8")
    session.open(blank)
    assert seen.seen == [("opened", blank)] and session.case is blank and not session.dirty
    assert session.policy is None and blank.extractor.id == extractor.extractor_id and not session.foreign
    blank.extractor = ExtractorStamp("another-extractor")
    assert session.foreign and "another-extractor" in session.foreign_text()
