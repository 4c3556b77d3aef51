"""The generator library: round-trips, refusals, and that no failure loses or mixes anything."""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from forensics_app.core import library as library_module
from forensics_app.core.library import (
    KEEP,
    MIN_REFERENCES_ADVISED,
    GeneratorExistsError,
    Library,
    LibraryCorruptError,
    LibraryError,
    LibraryExtractorMismatchError,
    LibraryLockedError,
    LibraryNotFoundError,
    LibraryWriteError,
    RebuildCancelled,
    UnknownGeneratorError,
    default_library_path,
    read_library_meta,
    read_reenrolment_plan,
)
from forensics_app.core.library.rebuild import rebuild_library

OLD_ID = "a1b2c3d4e5f6"
NEW_ID = "0f9e8d7c6b5a"
DIM = 16


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def lib_path(tmp_path: Path) -> Path:
    return tmp_path / "lib" / "library.sqlite"


def unit(rng: np.random.Generator, dim: int = DIM) -> np.ndarray:
    vector = rng.standard_normal(dim)
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def make_refs(rng: np.random.Generator, count: int, folder: Path | None = None, dim: int = DIM) -> list[tuple]:
    """References with random embeddings; with a folder, backed by real files whose hash they carry."""
    refs = []
    for _ in range(count):
        data = rng.bytes(32)
        sha = hashlib.sha256(data).hexdigest()
        path = Path(f"/nonexistent/{sha[:8]}.png")
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{sha[:8]}.png"
            path.write_bytes(data)
        refs.append((sha, str(path), unit(rng, dim)))
    return refs


def open_lib(path: Path, extractor_id: str = OLD_ID, **kwargs) -> Library:
    return Library.open(path, extractor_id, DIM, **kwargs)


def filled(path: Path, rng: np.random.Generator, names=("alpha", "beta", "gamma"), per: int = 6, **kwargs) -> Library:
    library = open_lib(path, **kwargs)
    for name in names:
        library.enroll(name, make_refs(rng, per), family="diffusion")
    return library


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- round trips


def test_new_library_is_stamped_and_leaves_no_temporary_files(lib_path: Path) -> None:
    with open_lib(lib_path):
        pass
    meta = read_library_meta(lib_path)
    assert (meta.extractor_id, meta.embedding_dim, meta.schema_version) == (OLD_ID, DIM, 1)
    assert files_in(lib_path.parent) == ["library.sqlite"]


def test_enrol_close_reopen_gives_the_same_gallery(lib_path: Path, rng) -> None:
    with filled(lib_path, rng) as library:
        names, matrix = library.gallery()
        snapshot = library.snapshot()
    with open_lib(lib_path, create=False) as reopened:
        again_names, again = reopened.gallery()
        assert reopened.snapshot() == snapshot
    assert names == again_names == ["alpha", "beta", "gamma"]
    np.testing.assert_array_equal(matrix, again)


def test_gallery_rows_are_normalised_means_of_the_references(lib_path: Path, rng) -> None:
    with open_lib(lib_path) as library:
        refs = {name: make_refs(rng, n) for name, n in (("zeta", 3), ("Alpha", 7))}
        for name, group in refs.items():
            library.enroll(name, group)
        names, matrix = library.gallery()
    assert names == ["Alpha", "zeta"]  # name order ignores case
    assert matrix.dtype == np.float32 and matrix.shape == (2, DIM)
    for row, name in zip(matrix, names):
        mean = np.mean([r[2] for r in refs[name]], axis=0)
        np.testing.assert_allclose(row, mean / np.linalg.norm(mean), atol=1e-6)


def test_empty_library_has_an_empty_gallery(lib_path: Path) -> None:
    with open_lib(lib_path) as library:
        names, matrix = library.gallery()
    assert names == [] and matrix.shape == (0, DIM)


def test_reference_embeddings_and_paths_round_trip_exactly(lib_path: Path, rng) -> None:
    refs = make_refs(rng, 4)
    with open_lib(lib_path) as library:
        library.enroll("alpha", refs)
        np.testing.assert_array_equal(library.reference_embeddings("ALPHA"), np.stack([r[2] for r in refs]))
        assert library.reference_paths("alpha") == [(r[0], r[1]) for r in refs]


def test_names_are_unique_ignoring_case(lib_path: Path, rng) -> None:
    with open_lib(lib_path) as library:
        library.enroll("SDXL", make_refs(rng, 5))
        with pytest.raises(GeneratorExistsError, match="SDXL"):
            library.enroll("sdxl", make_refs(rng, 5))
        assert library.get("sdxl").name == "SDXL"


def test_enrolment_needs_a_reference_and_the_right_dimension(lib_path: Path, rng) -> None:
    with open_lib(lib_path) as library:
        with pytest.raises(ValueError, match="at least one reference"):
            library.enroll("alpha", [])
        with pytest.raises(ValueError, match="16-dimensional"):
            library.enroll("alpha", make_refs(rng, 2) + make_refs(rng, 1, dim=DIM + 1))
        library.enroll("alpha", make_refs(rng, 5))
        with pytest.raises(ValueError, match="16-dimensional"):
            library.add_references("alpha", make_refs(rng, 1, dim=8))
        assert library.get("alpha").reference_count == 5


def test_fewer_than_advised_references_carry_a_warning(lib_path: Path, rng) -> None:
    with open_lib(lib_path) as library:
        few = library.enroll("few", make_refs(rng, MIN_REFERENCES_ADVISED - 1))
        enough = library.enroll("enough", make_refs(rng, MIN_REFERENCES_ADVISED))
        assert few.warnings and str(MIN_REFERENCES_ADVISED) in few.warnings[0]
        assert enough.warnings == []
        assert library.get("few").warnings == few.warnings  # recorded, not only returned
        assert library.get("few").to_dict()["warnings"] == few.warnings


def test_rename_including_a_change_of_case(lib_path: Path, rng) -> None:
    with filled(lib_path, rng) as library:
        before = library.reference_embeddings("alpha")
        assert library.rename("alpha", "Alpha v2").name == "Alpha v2"
        assert library.rename("alpha v2", "ALPHA V2").name == "ALPHA V2"
        np.testing.assert_array_equal(library.reference_embeddings("ALPHA V2"), before)
        with pytest.raises(GeneratorExistsError):
            library.rename("beta", "GAMMA")
        with pytest.raises(UnknownGeneratorError):
            library.rename("alpha", "delta")
        assert [g.name for g in library.generators()] == ["ALPHA V2", "beta", "gamma"]


def test_remove_takes_the_references_with_it(lib_path: Path, rng) -> None:
    with filled(lib_path, rng) as library:
        library.remove("beta")
        assert [g.name for g in library.generators()] == ["alpha", "gamma"]
        with pytest.raises(UnknownGeneratorError):
            library.remove("beta")
    with sqlite3.connect(lib_path) as raw:
        assert raw.execute('SELECT COUNT(*) FROM "references"').fetchone()[0] == 12


def test_add_references_ignores_an_image_already_there(lib_path: Path, rng) -> None:
    refs = make_refs(rng, 5)
    with open_lib(lib_path) as library:
        library.enroll("alpha", refs[:3])
        assert library.add_references("alpha", [refs[0], *refs[3:]]) == 2
        assert library.add_references("alpha", refs) == 0
        assert library.get("alpha").reference_count == 5


def test_set_details_keeps_or_clears_each_detail(lib_path: Path, rng) -> None:
    with open_lib(lib_path) as library:
        library.enroll("alpha", make_refs(rng, 5), family="GAN", notes="from case 12")
        assert library.set_details("alpha", family="diffusion").notes == "from case 12"
        info = library.set_details("alpha", family=KEEP, notes=None)
        assert (info.family, info.notes) == ("diffusion", None)


def test_an_unknown_name_suggests_close_ones(lib_path: Path, rng) -> None:
    with filled(lib_path, rng, names=("stable-diffusion-xl", "midjourney")) as library:
        with pytest.raises(UnknownGeneratorError) as caught:
            library.get("stable diffusion xl")
    assert caught.value.suggestions == ["stable-diffusion-xl"]
    assert "stable-diffusion-xl" in str(caught.value)


def test_snapshot_hashes_content_not_history(tmp_path: Path, rng) -> None:
    refs = {"alpha": make_refs(rng, 5), "beta": make_refs(rng, 5)}
    with open_lib(tmp_path / "one.sqlite") as one, open_lib(tmp_path / "two.sqlite") as two:
        for name in ("alpha", "beta"):
            one.enroll(name, refs[name], notes="first")
        for name in ("beta", "alpha"):
            two.enroll(name, list(reversed(refs[name])))
        assert one.snapshot() == two.snapshot()  # order and notes do not matter
        snapshot = one.snapshot()
        assert snapshot["generators"] == [
            {"name": "alpha", "family": None, "reference_count": 5},
            {"name": "beta", "family": None, "reference_count": 5},
        ]
        assert snapshot["extractor_id"] == OLD_ID and snapshot["reference_count"] == 10
        two.set_details("beta", family="GAN")
        assert two.snapshot()["content_sha256"] != snapshot["content_sha256"]


# --------------------------------------------------------------------------- export and import


def test_export_then_import_into_a_fresh_library(tmp_path: Path, rng) -> None:
    exported = tmp_path / "shared" / "export.sqlite"
    exported.parent.mkdir()
    with filled(tmp_path / "mine.sqlite", rng) as library:
        library.export(exported)
        snapshot = library.snapshot()
        with pytest.raises(LibraryWriteError, match="already exists"):
            library.export(exported)
    assert files_in(exported.parent) == ["export.sqlite"]
    with open_lib(tmp_path / "fresh.sqlite") as fresh:
        assert fresh.import_library(exported) == ["alpha", "beta", "gamma"]
        assert fresh.snapshot() == snapshot


@pytest.mark.parametrize(
    ("mode", "imported", "names"),
    [
        ("skip", ["delta"], ["alpha", "beta", "delta"]),
        ("rename", ["ALPHA (2)", "delta"], ["alpha", "ALPHA (2)", "beta", "delta"]),
    ],
)
def test_import_conflicts_are_skipped_or_renamed(tmp_path: Path, rng, mode, imported, names) -> None:
    with filled(tmp_path / "theirs.sqlite", rng, names=("ALPHA", "delta")):
        pass
    with filled(tmp_path / "mine.sqlite", rng, names=("alpha", "beta")) as mine:
        ours = mine.reference_embeddings("alpha")
        assert mine.import_library(tmp_path / "theirs.sqlite", on_conflict=mode) == imported
        assert [g.name for g in mine.generators()] == names
        np.testing.assert_array_equal(mine.reference_embeddings("alpha"), ours)


def test_import_conflict_as_error_imports_nothing(tmp_path: Path, rng) -> None:
    with filled(tmp_path / "theirs.sqlite", rng, names=("delta", "Beta")):
        pass
    with filled(tmp_path / "mine.sqlite", rng, names=("alpha", "beta")) as mine:
        before = mine.snapshot()
        with pytest.raises(GeneratorExistsError, match="nothing was imported"):
            mine.import_library(tmp_path / "theirs.sqlite", on_conflict="error")
        assert mine.snapshot() == before


def test_import_refuses_other_weights_and_corrupt_files(tmp_path: Path, rng) -> None:
    with Library.open(tmp_path / "other.sqlite", NEW_ID, DIM) as other:
        other.enroll("alpha", make_refs(rng, 5))
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(rng.bytes(4096))
    with open_lib(tmp_path / "mine.sqlite") as mine:
        with pytest.raises(LibraryExtractorMismatchError):
            mine.import_library(tmp_path / "other.sqlite")
        with pytest.raises(LibraryCorruptError):
            mine.import_library(garbage)
        assert mine.generators() == []


# --------------------------------------------------------------------------- other weights


def test_a_library_from_other_weights_is_refused_with_what_can_be_reenrolled(tmp_path: Path, rng) -> None:
    path = tmp_path / "library.sqlite"
    kept = make_refs(rng, 3, folder=tmp_path / "images")
    gone = make_refs(rng, 2, folder=tmp_path / "images")
    with open_lib(path) as library:
        library.enroll("alpha", kept[:2] + gone)
        library.enroll("beta", gone[:1] + kept[2:])
        library.enroll("gamma", make_refs(rng, 2))  # its images were never on this disk
    for _, ref_path, _ in gone:
        os.remove(ref_path)
    before = path.read_bytes()

    with pytest.raises(LibraryExtractorMismatchError) as caught:
        Library.open(path, NEW_ID, DIM)
    error = caught.value
    assert OLD_ID in str(error) and NEW_ID in str(error)
    assert "other weights" in str(error) and "3 of its 8 reference" in str(error)
    assert (error.library_id, error.current_id) == (OLD_ID, NEW_ID)
    assert error.reenrollable == {"alpha": [kept[0][1], kept[1][1]], "beta": [kept[2][1]]}
    assert path.read_bytes() == before
    assert pickle.loads(pickle.dumps(error)).reenrollable == error.reenrollable

    plan = read_reenrolment_plan(path)
    assert list(plan) == ["alpha", "beta", "gamma"]
    assert plan["alpha"]["paths"] == [kept[0][1], kept[1][1]]
    assert plan["alpha"]["missing"] == [gone[0][1], gone[1][1]]


def fake_embedder(rng: np.random.Generator, calls: list[list[str]]):
    """Re-embeds files as the current weights would: hash of the bytes, a new vector."""

    def embed(paths: list[str]) -> list[tuple]:
        calls.append(paths)
        return [(hashlib.sha256(Path(p).read_bytes()).hexdigest(), p, unit(rng)) for p in paths]

    return embed


def test_rebuild_reembeds_existing_images_and_keeps_the_old_file(tmp_path: Path, rng) -> None:
    path = tmp_path / "library.sqlite"
    refs = make_refs(rng, 6, folder=tmp_path / "images")
    with open_lib(path) as library:
        library.enroll("alpha", refs[:4], family="GAN", notes="seized drive")
        library.enroll("beta", refs[4:])
    old_bytes = path.read_bytes()
    Path(refs[0][1]).unlink()  # gone since enrolment
    Path(refs[1][1]).write_bytes(b"a different image")  # changed since enrolment
    Path(refs[5][1]).unlink()

    calls: list[list[str]] = []
    progress: list[tuple[int, int]] = []
    embed = fake_embedder(rng, calls)
    result = rebuild_library(path, NEW_ID, DIM, None, embed, progress=lambda done, total: progress.append((done, total)))

    assert result.backup_path == tmp_path / f"library.sqlite.bak-{OLD_ID}"
    assert result.backup_path.read_bytes() == old_bytes
    assert progress == [(1, 2), (2, 2)]
    alpha, beta = result.generators
    assert (alpha.enrolled, alpha.missing, alpha.changed) == (2, [refs[0][1]], [refs[1][1]])
    assert (beta.enrolled, beta.missing) == (1, [refs[5][1]])
    assert result.dropped == []
    assert files_in(tmp_path) == ["images", "library.sqlite", f"library.sqlite.bak-{OLD_ID}"]
    with Library.open(path, NEW_ID, DIM) as rebuilt:
        info = rebuilt.get("alpha")
        assert (info.family, info.notes, info.reference_count) == ("GAN", "seized drive", 2)
        assert [p for _, p in rebuilt.reference_paths("alpha")] == [refs[2][1], refs[3][1]]
    with pytest.raises(LibraryExtractorMismatchError):
        Library.open(path, OLD_ID, DIM)


def test_a_failed_rebuild_leaves_the_library_as_it_was(tmp_path: Path, rng) -> None:
    path = tmp_path / "library.sqlite"
    with open_lib(path) as library:
        for name in ("alpha", "beta"):
            library.enroll(name, make_refs(rng, 3, folder=tmp_path / "images"))
    before = path.read_bytes()
    calls: list[list[str]] = []
    embed = fake_embedder(rng, calls)

    def failing(paths: list[str]) -> list[tuple]:
        if calls:
            raise RuntimeError("device lost")
        return embed(paths)

    with pytest.raises(RuntimeError, match="device lost"):
        rebuild_library(path, NEW_ID, DIM, None, failing)
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["images", "library.sqlite"]


def test_rebuild_reports_unreadable_images_and_drops_generators_left_empty(tmp_path: Path, rng) -> None:
    path = tmp_path / "library.sqlite"
    refs = make_refs(rng, 5, folder=tmp_path / "images")
    with open_lib(path) as library:
        library.enroll("alpha", refs[:3])
        library.enroll("beta", refs[3:])
    unreadable = {refs[1][1], refs[3][1], refs[4][1]}
    embed = fake_embedder(rng, [])

    result = rebuild_library(path, NEW_ID, DIM, None, lambda paths: embed([p for p in paths if p not in unreadable]))

    alpha, beta = result.generators
    assert (alpha.enrolled, alpha.not_embedded) == (2, [refs[1][1]])
    assert (beta.enrolled, beta.not_embedded) == (0, [refs[3][1], refs[4][1]])
    assert result.dropped == ["beta"]
    with Library.open(path, NEW_ID, DIM) as rebuilt:
        assert [g.name for g in rebuilt.generators()] == ["alpha"]


def test_a_cancelled_rebuild_changes_nothing(tmp_path: Path, rng) -> None:
    path = tmp_path / "library.sqlite"
    with open_lib(path) as library:
        library.enroll("alpha", make_refs(rng, 3, folder=tmp_path / "images"))
    before = path.read_bytes()
    with pytest.raises(RebuildCancelled):
        rebuild_library(path, NEW_ID, DIM, None, fake_embedder(rng, []), cancel=lambda: True)
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["images", "library.sqlite"]


# --------------------------------------------------------------------------- failures lose nothing


def fail_on_third_insert(monkeypatch, error: Exception) -> None:
    original = Library._insert_reference
    calls = {"n": 0}

    def insert(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise error
        return original(self, *args)

    monkeypatch.setattr(Library, "_insert_reference", insert)


def test_a_crash_in_the_middle_of_an_enrolment_leaves_the_library_as_it_was(lib_path: Path, rng, monkeypatch) -> None:
    with filled(lib_path, rng) as library:
        before = library.snapshot()
        fail_on_third_insert(monkeypatch, RuntimeError("power cut"))
        with pytest.raises(RuntimeError, match="power cut"):
            library.enroll("delta", make_refs(rng, 6))
        assert library.snapshot() == before
    with open_lib(lib_path) as reopened:
        assert reopened.snapshot() == before


def test_a_full_disk_is_a_write_error_and_loses_nothing(lib_path: Path, rng, monkeypatch) -> None:
    with filled(lib_path, rng) as library:
        before = library.snapshot()
        fail_on_third_insert(monkeypatch, sqlite3.OperationalError("database or disk is full"))
        with pytest.raises(LibraryWriteError, match="disk is full"):
            library.add_references("alpha", make_refs(rng, 4))
        monkeypatch.undo()
        assert library.snapshot() == before
        assert library.add_references("alpha", make_refs(rng, 1)) == 1  # still usable


def test_a_folder_that_cannot_hold_the_library_is_a_write_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"x")
    with pytest.raises(LibraryWriteError, match="create the library"):
        open_lib(blocker / "library.sqlite")
    assert files_in(tmp_path) == ["not-a-folder"]


def permissions_apply(folder: Path) -> bool:
    """False where the user bypasses file permissions (root, some Windows set-ups)."""
    folder.mkdir()
    folder.chmod(0o555)
    try:
        (folder / "probe").write_bytes(b"")
    except OSError:
        return True
    finally:
        folder.chmod(0o755)
    return False


def test_a_read_only_folder_is_a_write_error_and_loses_nothing(lib_path: Path, tmp_path: Path, rng) -> None:
    if not permissions_apply(tmp_path / "probe"):
        pytest.skip("file permissions do not apply to this user")
    with filled(lib_path, rng) as library:
        before = library.snapshot()
        lib_path.parent.chmod(0o555)
        try:
            with pytest.raises(LibraryWriteError):
                library.enroll("delta", make_refs(rng, 5))
        finally:
            lib_path.parent.chmod(0o755)
        assert library.snapshot() == before


def test_a_locked_library_is_reported_not_waited_on(lib_path: Path, rng) -> None:
    with filled(lib_path, rng, timeout=0.05) as library:
        before = library.snapshot()
        holder = sqlite3.connect(lib_path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(LibraryLockedError, match="in use by another program"):
                Library.open(lib_path, OLD_ID, DIM, timeout=0.05)
            with pytest.raises(LibraryLockedError):
                library.enroll("delta", make_refs(rng, 5))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert library.snapshot() == before


# --------------------------------------------------------------------------- foreign files


def other_app_database(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT)")
        conn.execute("INSERT INTO contacts (email) VALUES ('someone@example.org')")
    conn.close()


def our_header_wrong_tables(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA application_id = {library_module.APPLICATION_ID}")
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.close()


def newer_format(path: Path) -> None:
    with Library.open(path, OLD_ID, DIM):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    conn.close()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda p: p.write_bytes(np.random.default_rng(0).bytes(8192)), "not an SQLite database"),
        (lambda p: p.write_bytes(b""), "empty"),
        (other_app_database, "another program"),
        (our_header_wrong_tables, "lacks the table"),
        (newer_format, "newer version"),
    ],
    ids=["random-bytes", "empty", "other-app", "wrong-tables", "newer-format"],
)
def test_a_file_that_is_not_our_library_is_refused_and_untouched(tmp_path: Path, make, reason) -> None:
    path = tmp_path / "library.sqlite"
    make(path)
    before = path.read_bytes()
    with pytest.raises(LibraryCorruptError, match=reason):
        Library.open(path, OLD_ID, DIM)
    with pytest.raises(LibraryCorruptError):
        read_reenrolment_plan(path)
    assert path.read_bytes() == before
    assert files_in(tmp_path) == ["library.sqlite"]


def test_a_missing_library_is_not_created_when_not_asked(lib_path: Path) -> None:
    with pytest.raises(LibraryNotFoundError):
        Library.open(lib_path, OLD_ID, DIM, create=False)
    assert not lib_path.exists()


def test_a_closed_library_says_so(lib_path: Path) -> None:
    library = open_lib(lib_path)
    library.close()
    library.close()
    with pytest.raises(LibraryError, match="closed"):
        library.generators()


# --------------------------------------------------------------------------- where the library lives


def test_default_library_path_prefers_explicit_then_environment_then_user_data(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FORENSICS_APP_LIBRARY", str(tmp_path / "env.sqlite"))
    assert default_library_path(tmp_path / "explicit.sqlite") == tmp_path / "explicit.sqlite"
    assert default_library_path() == tmp_path / "env.sqlite"
    monkeypatch.delenv("FORENSICS_APP_LIBRARY")
    from forensics_app.paths import user_data_dir

    assert default_library_path() == user_data_dir() / "library.sqlite"
    assert str(default_library_path()).startswith(str(tmp_path))  # the hermetic data folder


def test_reference_sets_match_per_generator_reads(tmp_path):
    rng = np.random.default_rng(9)
    with Library.open(tmp_path / "sets.sqlite", "abcdefabcdef", 8) as library:
        for name, count in (("b", 3), ("a", 2)):
            library.enroll(name, [(f"{name}{i}".ljust(64, "0")[:64].replace(name, "f"), f"/x/{name}{i}.png",
                                   rng.normal(size=8).astype(np.float32)) for i in range(count)])
        sets = library.reference_sets()
        assert sorted(sets) == ["a", "b"]
        for name in sets:
            np.testing.assert_array_equal(np.sort(sets[name], axis=0), np.sort(library.reference_embeddings(name), axis=0))
