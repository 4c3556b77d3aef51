"""Every headless command: JSON shapes, exit codes, rejected files, libraries and cases."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from forensics_app.cli import EXIT_FAILED, EXIT_OK, EXIT_REJECTED, main
from forensics_app.core.case import load_case
from forensics_app.testing.tiny_generators import generate, save_pngs


@pytest.fixture(scope="module")
def images(tmp_path_factory) -> dict[str, list[Path]]:
    """PNGs of three tiny generators; 'shuffle' is never enrolled."""
    root = tmp_path_factory.mktemp("images")
    return {kind: save_pngs(generate(kind, 9, size=160, seed=7), root / kind, kind) for kind in ("nearest", "transposed", "shuffle")}


def run(capsys, *argv: str) -> tuple[int, object, str]:
    code = main([*argv])
    captured = capsys.readouterr()
    data = json.loads(captured.out) if "--json" in argv and captured.out.strip() else captured.out
    return code, data, captured.err


def enroll_two(capsys, images) -> None:
    for kind in ("nearest", "transposed"):
        code, data, _ = run(capsys, "enroll", kind, *map(str, images[kind][:5]), "--json")
        assert code == EXIT_OK and data["references"] == 5


def test_enroll_attribute_and_open_set(capsys, images, tmp_path):
    enroll_two(capsys, images)
    probes = images["nearest"][5:] + images["transposed"][5:]
    code, data, err = run(capsys, "attribute", *map(str, probes), "--json", "--naming-lr", "10")
    records = data["results"]
    assert code == EXIT_OK and len(records) == len(probes)
    assert data["policy"]["naming_lr"] == 10.0 and "named only when" in data["policy_text"]
    for record, path in zip(records, probes):
        assert record["path"] == str(path) and len(record["sha256"]) == 64
        best = record["matches"][0]
        assert best["generator"] == path.parent.name
        assert {"generator", "similarity", "lr", "words"} <= set(best) and "score" not in best
        # a generator is named exactly when its likelihood ratio reaches the naming level
        assert (record["decision"] == best["generator"]) == (best["lr"] >= 10.0)
        assert record["decision"] in (best["generator"], "unknown")
    assert any(r["decision"] != "unknown" for r in records), "the tiny extractor names its own generators"
    _, strangers, _ = run(capsys, "attribute", *map(str, images["shuffle"]), "--json")
    assert {r["decision"] for r in strangers["results"]} == {"unknown"}
    # an analyst's stricter level is applied and said to be the analyst's
    _, strict, _ = run(capsys, "attribute", *map(str, probes), "--json", "--naming-lr", "1e6")
    assert {r["decision"] for r in strict["results"]} == {"unknown"}
    assert strict["policy"]["naming_origin"] == "analyst"
    with pytest.raises(SystemExit) as refused:
        main(["attribute", str(probes[0]), "--naming-lr", "0.5"])
    assert refused.value.code == EXIT_FAILED and "likelihood ratio of 1 or more" in capsys.readouterr().err


def test_rejected_files_are_listed_and_exit_one(capsys, images, tmp_path):
    enroll_two(capsys, images)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 20)
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    code, data, err = run(capsys, "attribute", str(images["nearest"][6]), str(broken), str(empty), "--json")
    records = data["results"]
    assert code == EXIT_REJECTED
    assert "matches" in records[0] and "error" in records[1] and "error" in records[2]
    assert "2 file(s) rejected" in err and "broken.png" in err


def test_attribute_without_a_library_fails_clearly_and_creates_none(capsys, images, tmp_path):
    code, _, err = run(capsys, "attribute", str(images["nearest"][0]))
    assert code == EXIT_FAILED and "there is no library at" in err and "enroll" in err
    assert not (tmp_path / "library.sqlite").exists()


def test_a_mistyped_library_path_is_an_error_not_a_new_library(capsys, tmp_path):
    missing = tmp_path / "typo.sqlite"
    for argv in (("library", "--library", str(missing), "list"), ("library", "list", "--library", str(missing))):
        code, _, err = run(capsys, *argv)
        assert code == EXIT_FAILED and str(missing) in err
    assert not missing.exists()


def test_library_option_before_the_action_is_used(capsys, images, tmp_path):
    other = tmp_path / "other.sqlite"
    assert run(capsys, "enroll", "nearest", *map(str, images["nearest"][:4]), "--library", str(other))[0] == EXIT_OK
    code, listing, _ = run(capsys, "library", "--library", str(other), "list", "--json")
    assert code == EXIT_OK and [g["name"] for g in listing["generators"]] == ["nearest"]
    assert not (tmp_path / "library.sqlite").exists()  # the user's own library was never touched


def test_help_states_the_naming_level_the_code_uses(capsys):
    from forensics_app.core.decision.attribution import DEFAULT_NAMING_LR

    with pytest.raises(SystemExit):
        main(["attribute", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"(default {DEFAULT_NAMING_LR:g}:" in text


def test_a_closed_pipe_ends_quietly(extractor_dir):
    import subprocess
    import sys

    import os

    command = [sys.executable, "-c", "import sys; from forensics_app.cli import main; sys.exit(main(['info', '--json']))"]
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written, as after `| head -c0`
    try:
        finished = subprocess.run(command, stdout=write_end, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(write_end)
    stderr = finished.stderr.decode()
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr
    assert finished.returncode == 141


def test_library_commands_round_trip(capsys, images, tmp_path):
    enroll_two(capsys, images)
    code, listing, _ = run(capsys, "library", "list", "--json")
    assert code == EXIT_OK and [g["name"] for g in listing["generators"]] == ["nearest", "transposed"]
    assert run(capsys, "library", "rename", "nearest", "Model N", "--json")[0] == EXIT_OK
    exported = tmp_path / "export.sqlite"
    assert run(capsys, "library", "export", str(exported), "--json")[0] == EXIT_OK
    assert run(capsys, "library", "remove", "Model N", "--json")[0] == EXIT_OK
    _, listing, _ = run(capsys, "library", "list", "--json")
    assert [g["name"] for g in listing["generators"]] == ["transposed"]
    code, imported, _ = run(capsys, "library", "import", str(exported), "--on-conflict", "skip", "--json")
    assert code == EXIT_OK and imported["imported"] == ["Model N"]
    code, _, err = run(capsys, "library", "remove", "no such model")
    assert code == EXIT_FAILED and "error" in err


def test_library_from_other_weights_is_refused(capsys, images, tmp_path, monkeypatch):
    from forensics_app.core.library import Library

    path = tmp_path / "other.sqlite"
    with Library.open(path, "0123456789ab", 32) as library:
        sha256 = hashlib.sha256(images["nearest"][0].read_bytes()).hexdigest()
        library.enroll("old", [(sha256, str(images["nearest"][0]), np.ones(32, np.float32))])
    code, _, err = run(capsys, "attribute", str(images["nearest"][1]), "--library", str(path))
    assert code == EXIT_FAILED and "0123456789ab" in err and "library rebuild" in err
    code, data, _ = run(capsys, "library", "rebuild", "--library", str(path), "--json")
    assert code == EXIT_OK and data["generators"][0]["enrolled"] == 1
    assert run(capsys, "library", "list", "--library", str(path), "--json")[0] == EXIT_OK


def test_cluster_groups_generators_and_saves_a_case(capsys, images, tmp_path):
    files = images["nearest"][:6] + images["transposed"][:6]
    case_path = tmp_path / "c.fcase"
    code, data, _ = run(capsys, "cluster", *map(str, files), "--json", "--case", str(case_path))
    records = data["results"]
    assert code == EXIT_OK and [r["path"] for r in records] == [str(f) for f in files]
    assert data["groups"] == len({r["cluster"] for r in records})
    assert all(isinstance(r["cluster"], int) for r in records)
    case = load_case(case_path)
    assert [item.cluster for item in case.items] == [r["cluster"] for r in records]
    assert [e.action for e in case.audit[-2:]] == ["cluster", "map"] and len(case.map) == len(files)
    assert case.settings.policy.naming_lr == data["policy"]["naming_lr"]


def test_attribute_saves_a_case_the_app_can_open(capsys, images, tmp_path):
    enroll_two(capsys, images)
    case_path = tmp_path / "a.fcase"
    code, data, _ = run(capsys, "attribute", *map(str, images["nearest"][5:7]), "--json", "--case", str(case_path), "--reference", "R-1")
    records = data["results"]
    case = load_case(case_path)
    assert case.settings.policy.to_dict() == data["policy"]
    assert [i.attribution.decision for i in case.items] == [r["decision"] for r in records]
    assert code == EXIT_OK and case.reference == "R-1" and len(case.items) == 2
    assert case.items[0].sha256 == records[0]["sha256"] and case.items[0].attribution.matches
    assert case.library.generators and case.extractor.id


def test_verify(capsys, images):
    code, data, _ = run(capsys, "verify", str(images["nearest"][0]), str(images["nearest"][1]), "--json")
    assert code == EXIT_OK and {"similarity", "lr", "support", "same_source", "naming_lr", "verdict"} <= set(data)
    assert data["same_source"] == (data["lr"] >= data["naming_lr"])
    _, other, _ = run(capsys, "verify", str(images["nearest"][0]), str(images["transposed"][1]), "--json")
    assert data["similarity"] > other["similarity"]
    code, _, err = run(capsys, "verify", str(images["nearest"][0]), "/no/such/file.png")
    assert code == EXIT_FAILED


def test_verify_compares_a_jpeg_pair_in_its_matched_condition(capsys, images, tmp_path, monkeypatch):
    from PIL import Image

    jpeg, png = tmp_path / "probe.jpg", images["nearest"][7]
    Image.open(images["nearest"][6]).convert("RGB").save(jpeg, quality=77)
    _, alone, _ = run(capsys, "verify", str(jpeg), str(png), "--json")  # no library yet
    assert alone["condition"].startswith("Matched condition, JPEG quality 75: the first image is stored as JPEG")
    assert "the second re-encoded at quality 75" in alone["condition"]
    assert "background population re-encoded at quality 75 alone (no library)" in alone["condition"]
    assert "re-encoded as JPEG quality 75" in alone["policy"]["origin"]
    assert alone["validation"].startswith("Pairs compared this way have not been validated")  # the tiny card's
    enroll_two(capsys, images)
    code, data, _ = run(capsys, "verify", str(jpeg), str(png), "--json")
    assert code == EXIT_OK and "10 reference(s) of 2 generator(s) re-encoded as JPEG quality 75" in data["condition"]
    assert "and on the background population re-encoded alike" in data["condition"]
    assert data["same_source"] == (data["lr"] >= data["naming_lr"])
    out = run(capsys, "verify", str(jpeg), str(png))[1]
    assert "likelihood ratio" in out and "\nMatched condition, JPEG quality 75" in out
    _, stored, _ = run(capsys, "verify", str(images["nearest"][6]), str(png), "--json")
    assert stored["condition"] == "" and "re-encoded" not in stored["policy"]["origin"]
    # a quality the background population was not fingerprinted at (the tiny recipe's: 75, 70), no library
    monkeypatch.setenv("FORENSICS_APP_LIBRARY", str(tmp_path / "none.sqlite"))
    Image.open(images["nearest"][6]).convert("RGB").save(jpeg, quality=90)
    _, unmatched, _ = run(capsys, "verify", str(jpeg), str(png), "--json")
    assert unmatched["condition"].startswith("Not compared in a matched condition")
    assert "not fingerprinted at quality 90" in unmatched["condition"]


def test_verify_says_so_when_a_file_changes_before_it_is_matched(capsys, images, tmp_path, monkeypatch):
    from PIL import Image

    from forensics_app.core.evidence import FileChangedError
    from forensics_app.workflows import matched  # where every file brought to a condition is read again

    def changed(path, sha256, max_pixels, since):
        raise FileChangedError(path, f"the file has changed since {since}")

    jpeg = tmp_path / "probe.jpg"
    Image.open(images["nearest"][6]).convert("RGB").save(jpeg, quality=77)
    monkeypatch.setattr(matched, "open_verified", changed)
    code, _, err = run(capsys, "verify", str(jpeg), str(images["nearest"][7]))
    assert code == EXIT_FAILED
    assert "the second image could not be read again to bring it to JPEG quality 75" in err and "changed" in err


def test_embed_and_evaluate(capsys, images, tmp_path):
    out = tmp_path / "e.npz"
    dataset = images["nearest"][0].parent.parent
    code, data, _ = run(capsys, "embed", str(dataset), "--out", str(out), "--json")
    arrays = np.load(out)
    assert code == EXIT_OK and arrays["embeddings"].shape == (27, 32) and arrays["embeddings"].dtype == np.float32
    assert sorted(set(arrays["labels"])) == ["nearest", "shuffle", "transposed"] and len(arrays["paths"]) == 27
    code, report, _ = run(capsys, "evaluate", str(dataset), "--refs", "3", "--seeds", "2", "--json")
    assert code == EXIT_OK
    assert {"accuracy", "macro_f1", "auc", "ari", "nmi", "models", "images"} <= set(report)
    assert report["models"] == 3 and report["images"] == 27 and report["accuracy"] > 0.6
    code, excluded, _ = run(capsys, "evaluate", str(dataset), "--refs", "3", "--seeds", "1", "--exclude", "shuffle", "--json")
    assert excluded["models"] == 2
    code, spectrum, _ = run(capsys, "evaluate", str(dataset), "--refs", "3", "--seeds", "1", "--method", "spectrum", "--json")
    assert code == EXIT_OK and spectrum["method"] == "spectrum" and spectrum["images"] == 27
    code, text, _ = run(capsys, "evaluate", str(dataset), "--refs", "3", "--seeds", "1")
    assert "1:N accuracy" in text and "per-generator recall" in text and "Cllr" in text


def test_evaluate_reports_likelihood_ratio_figures_without_nan(capsys, images):
    dataset = images["nearest"][0].parent.parent
    code, report, _ = run(capsys, "evaluate", str(dataset), "--refs", "3", "--seeds", "2", "--never-enrol", "shuffle", "--json")
    assert code == EXIT_OK and report["never_enrolled"] == ["shuffle"] and report["models"] == 2
    assert 0.0 <= report["cllr_min"] <= report["cllr"] + 1e-9
    assert set(report["misleading"]) == {"same_source", "different_source"}
    open_set = report["open_set"]
    assert 0.0 <= open_set["false_attribution_rate"] <= 1.0 and 0.0 <= open_set["correct_attribution_rate"] <= 1.0
    assert open_set["named_rate_by_source"]["shuffle"] == 0.0, "never-enrolled images are never named"
    assert report["verification"]["called_one_source"]["different_source"] is not None
    assert "NaN" not in capsys.readouterr().out


def test_missing_weights_fail_with_a_clear_message(capsys, images, tmp_path, monkeypatch):
    monkeypatch.setenv("FORENSICS_APP_EXTRACTOR", str(tmp_path / "nothing"))
    code, _, err = run(capsys, "attribute", str(images["nearest"][0]))
    assert code == EXIT_FAILED and "no extractor weights are bundled" in err


def test_empty_folder_and_info(capsys, tmp_path):
    code, _, err = run(capsys, "cluster", str(tmp_path))
    assert code == EXIT_FAILED and "no image files" in err
    code, data, _ = run(capsys, "info", "--json")
    assert code == EXIT_OK and data["card"]["extractor_id"]


def test_a_byte_identical_copy_is_marked_as_repeating_its_first_exhibit(capsys, images, tmp_path):
    import shutil

    from forensics_app.core.report import write_report
    from tests.core.report.test_report import flat, pdf_text

    enroll_two(capsys, images)
    copy = tmp_path / "renamed_copy.png"
    shutil.copy(images["nearest"][6], copy)
    case_path = tmp_path / "dup.fcase"
    code, _, _ = run(capsys, "attribute", str(images["nearest"][6]), str(images["nearest"][7]), str(copy),
                     "--json", "--case", str(case_path))
    case = load_case(case_path)
    assert [i.same_as for i in case.items] == [None, None, "E0001"]
    assert any(e.detail.endswith("(the same bytes as E0001)") for e in case.audit if e.action == "intake")
    write_report(case, tmp_path / "dup.pdf", extractor_card=None)
    assert "The same bytes (SHA-256) as E0001" in flat("\n".join(pdf_text(tmp_path / "dup.pdf")[1]))
    from forensics_app.gui.evidence_model import status_text

    assert status_text(case.items[2]) == "fingerprinted; same file as E0001"


def test_a_case_saved_from_the_command_line_has_its_map(capsys, images, tmp_path):
    enroll_two(capsys, images)
    case_path = tmp_path / "mapped.fcase"
    probes = images["nearest"][5:] + images["transposed"][5:]
    code, _, _ = run(capsys, "attribute", *map(str, probes), "--json", "--case", str(case_path))
    case = load_case(case_path)
    assert code == EXIT_OK and case.map is not None and len(case.map) == len(probes)
    assert any(e.action == "map" for e in case.audit)
    # the enrolled references stand on the same map, kept with the case
    assert sorted(r.generator for r in case.map_references) == ["nearest", "transposed"]
    assert all(len(r.points) >= 2 for r in case.map_references)
    assert "references of 2 enrolled generator(s)" in next(e.detail for e in case.audit if e.action == "map")
    case.remove_exhibit(case.items[0].exhibit, "wrong file")
    assert case.map is None and case.map_references == []


def test_attribute_says_how_jpeg_probes_were_compared(capsys, images, tmp_path):
    from PIL import Image

    enroll_two(capsys, images)
    probe = tmp_path / "probe.jpg"
    Image.open(images["nearest"][6]).convert("RGB").save(probe, quality=77)
    code, _, err = run(capsys, "attribute", str(probe))
    assert code == EXIT_OK
    assert "matched condition jpeg-75: 10 reference(s) of 2 generator(s) re-encoded as JPEG quality 75" in err
    code, data, _ = run(capsys, "attribute", str(probe), "--json")
    assert data["results"][0]["condition"]["matched"] and data["results"][0]["condition"]["key"] == "jpeg-75"
