"""Hostile libraries: imports held to enrolment's rules, and pipes where a library should be.

Each library is a real one, enrolled and exported by the program, then edited with
SQLite the way someone tampering with it would.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from forensics_app.cli import EXIT_FAILED, main
from forensics_app.core.library import checks as library_checks
from forensics_app.core.library import Library, LibraryCorruptError, LibraryImportError

EXTRACTOR, DIM = "feedfacecafe", 8


def _refs(count: int, seed: int) -> list:
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(count, DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [(hashlib.sha256(f"{seed}-{i}".encode()).hexdigest(), f"/evidence/ref{seed}_{i}.png", v)
            for i, v in enumerate(vectors)]


@pytest.fixture
def exported(tmp_path) -> Path:
    """A clean export holding one generator of five references."""
    with Library.open(tmp_path / "theirs.sqlite", EXTRACTOR, DIM) as theirs:
        theirs.enroll("Model B", _refs(5, 2), notes="from a partner lab")
        theirs.export(tmp_path / "export.sqlite")
    return tmp_path / "export.sqlite"


@pytest.fixture
def ours(tmp_path):
    library = Library.open(tmp_path / "ours.sqlite", EXTRACTOR, DIM)
    library.enroll("Model A", _refs(5, 1))
    yield library
    library.close()


def _edit(path: Path, sql: str, *params) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def _refused(ours: Library, path: Path, words: str) -> None:
    before = ours.snapshot()
    with pytest.raises(LibraryImportError, match=words) as caught:
        ours.import_library(path)
    assert "nothing was changed" in str(caught.value)
    assert ours.snapshot() == before


def test_a_clean_export_imports(ours, exported):
    assert ours.import_library(exported) == ["Model B"]


def test_nan_references_are_refused(ours, exported):
    nan = np.full(DIM, np.nan, "<f4").tobytes()
    _edit(exported, 'UPDATE "references" SET embedding = ? WHERE id IN (1, 2)', nan)
    _refused(ours, exported, "NaN")
    names, gallery = ours.gallery()
    assert names == ["Model A"] and np.all(np.isfinite(gallery))


def test_vectors_that_are_not_unit_length_are_refused(ours, exported):
    _edit(exported, 'UPDATE "references" SET embedding = ? WHERE id = 1', (np.ones(DIM, "<f4") * 3).tobytes())
    _refused(ours, exported, "not 1")


@pytest.mark.parametrize("name, words", [
    ("", "empty"), ("   ", "empty"), ("x" * 100_000, "limited to 200"), ("\x1b[31mRED\x1b[0m", "control"),
    ("gpj.\u202eexe", "control"),
])
def test_names_enrolment_refuses_are_refused_on_import(ours, exported, name, words):
    _edit(exported, "UPDATE generators SET name = ?", name)
    _refused(ours, exported, words)


def test_a_blob_name_is_refused_with_a_message(ours, exported):
    _edit(exported, "UPDATE generators SET name = ?", b"\x00\xffbinary")
    _refused(ours, exported, "must be text")


def test_hashes_that_are_not_sha256_and_device_paths_are_refused(ours, exported):
    _edit(exported, 'UPDATE "references" SET sha256 = ? WHERE id = 1', "not-a-hash")
    _edit(exported, 'UPDATE "references" SET path = ? WHERE id = 2', "/dev/zero")
    with pytest.raises(LibraryImportError) as caught:
        ours.import_library(exported)
    assert "not a 64-character" in str(caught.value) and "/dev/zero" in str(caught.value)


def test_endless_notes_and_oversized_files_are_refused(ours, exported, monkeypatch):
    _edit(exported, "UPDATE generators SET notes = ?", "n" * 20_000)
    _refused(ours, exported, "limited to 10,000")
    monkeypatch.setattr(library_checks, "MAX_IMPORT_BYTES", 1000)
    _refused(ours, exported, "above the 1,000 bytes")


def test_a_pipe_is_never_read_as_a_library(ours, tmp_path):
    fifo = tmp_path / "fifo.sqlite"
    os.mkfifo(fifo)
    box = {}
    thread = threading.Thread(target=_import_into, args=(ours, fifo, box), daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive(), "importing a FIFO hung"
    assert isinstance(box.get("error"), LibraryCorruptError) and "named pipe" in str(box["error"])
    with pytest.raises(LibraryCorruptError, match="named pipe"):
        Library.open(fifo, EXTRACTOR, DIM)


def _import_into(library: Library, path: Path, box: dict) -> None:
    try:
        library.import_library(path)
    except Exception as exc:  # noqa: BLE001 - handed back to the test
        box["error"] = exc


def test_the_cli_refuses_a_nan_import_with_a_message(tmp_path, capsys):
    from forensics_app.core.fingerprint.extractor import read_card
    from forensics_app.paths import extractor_dir

    card = read_card(extractor_dir())
    with Library.open(tmp_path / "cli-theirs.sqlite", card.extractor_id, card.network.embedding_dim) as theirs:
        rng = np.random.default_rng(0)
        vector = rng.normal(size=card.network.embedding_dim)
        theirs.enroll("<b>VERIFIED MATCH</b>", [("a" * 64, "/evidence/a.png", vector / np.linalg.norm(vector))])
        theirs.export(tmp_path / "cli-export.sqlite")
    _edit(tmp_path / "cli-export.sqlite", 'UPDATE "references" SET embedding = ?',
          np.full(card.network.embedding_dim, np.nan, "<f4").tobytes())
    code = main(["library", "import", str(tmp_path / "cli-export.sqlite")])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED and "NaN" in err and "Traceback" not in err
    assert main(["library", "list", "--json"]) == 0 and '"generators": []' in capsys.readouterr().out


@pytest.mark.parametrize("sql", [
    # Replaces every embedding an enrolment writes with one of another generator's.
    'CREATE TRIGGER swap AFTER INSERT ON "references" BEGIN UPDATE "references" SET embedding = '
    '(SELECT embedding FROM "references" ORDER BY id LIMIT 1) WHERE id = NEW.id; END',
    "CREATE VIEW everything AS SELECT * FROM generators",
    "ALTER TABLE generators ADD COLUMN shout TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL",
])
def test_a_library_carrying_sql_is_refused_before_any_write(tmp_path, sql):
    path = tmp_path / "rigged.sqlite"
    with Library.open(path, EXTRACTOR, DIM) as library:
        library.enroll("Model A", _refs(3, 1))
    _edit(path, sql)
    before = path.read_bytes()
    with pytest.raises(LibraryCorruptError, match="carries SQL that runs by itself"):
        Library.open(path, EXTRACTOR, DIM)
    assert path.read_bytes() == before


def test_the_cli_refuses_a_rigged_library_with_a_message(tmp_path, capsys):
    from forensics_app.core.fingerprint.extractor import read_card
    from forensics_app.paths import extractor_dir

    card = read_card(extractor_dir())
    path = tmp_path / "rigged.sqlite"
    with Library.open(path, card.extractor_id, card.embedding_dim) as library:
        vector = np.ones(card.embedding_dim) / np.sqrt(card.embedding_dim)
        library.enroll("Model A", [("a" * 64, "/evidence/a.png", vector)])
    _edit(path, "CREATE TRIGGER noop AFTER INSERT ON generators BEGIN SELECT 1; END")
    code = main(["library", "--library", str(path), "list"])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED and "carries SQL" in err and "trigger 'noop'" in err and "Traceback" not in err


def test_an_import_reads_only_the_rows_of_a_rigged_file(ours, exported):
    _edit(exported, 'CREATE TRIGGER swap AFTER INSERT ON "references" BEGIN DELETE FROM "references"; END')
    assert ours.import_library(exported) == ["Model B"]
    names = {row[1] for row in ours._conn.execute("SELECT type, name FROM sqlite_master")}
    assert "swap" not in names


def test_an_export_never_carries_sql_added_after_opening(ours, tmp_path):
    _edit(ours.path, "CREATE TRIGGER late AFTER INSERT ON generators BEGIN SELECT 1; END")
    with pytest.raises(LibraryCorruptError, match="carries SQL"):
        ours.export(tmp_path / "copy.sqlite")
    assert not (tmp_path / "copy.sqlite").exists()


def test_a_library_interrupted_mid_write_on_read_only_media_says_what_to_do(tmp_path):
    """The file and its hot journal as a crash leaves them; read-only media is the read-only open."""
    import shutil

    from forensics_app.core.library import LibraryInterruptedError, read_library_meta

    live = tmp_path / "live.sqlite"
    with Library.open(live, EXTRACTOR, DIM) as library:
        library.enroll("Model A", _refs(3, 1))
    conn = sqlite3.connect(live, isolation_level=None)
    conn.execute("PRAGMA cache_size = 1")  # the change spills into the file, as a large write does
    conn.execute("BEGIN IMMEDIATE")
    for index in range(60):
        conn.execute('INSERT INTO generators (name, created_at, updated_at) VALUES (?, ?, ?)',
                     (f"g{index}" + "x" * 2000, "t", "t"))
    copy = tmp_path / "crashed.sqlite"
    shutil.copy(live, copy)
    shutil.copy(live.with_name(live.name + "-journal"), copy.with_name(copy.name + "-journal"))
    conn.execute("ROLLBACK")
    conn.close()
    with pytest.raises(LibraryInterruptedError, match="Copy the library and its journal file together"):
        read_library_meta(copy)
    with Library.open(copy, EXTRACTOR, DIM, create=False) as recovered:  # on writable media: rolled back
        assert [g.name for g in recovered.generators()] == ["Model A"]
