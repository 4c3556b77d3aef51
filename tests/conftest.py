"""Keeps tests hermetic: own extractor weights, own user data folder, offscreen Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The `tiny` training recipe, run once per session: a real, if small, trained extractor.

    Its photos are scikit-image's samples, so it needs nothing from outside the test.
    """
    from training.config import load_config
    from training.train import export, train

    out_dir = tmp_path_factory.mktemp("tiny-run")
    config = load_config("tiny")
    summary = train(config, out_dir)
    card = export(config, out_dir, summary, "python -m training train --config tiny")
    return {"out_dir": out_dir, "summary": summary, "card": card, "config": config}


@pytest.fixture(scope="session")
def extractor_dir(tiny_run):
    """The weights every test fingerprints with (never the bundled ones)."""
    return tiny_run["out_dir"] / "extractor"


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch, tmp_path, extractor_dir):
    """No test reads or writes the real user's data or the bundled weights."""
    monkeypatch.setenv("FORENSICS_APP_EXTRACTOR", str(extractor_dir))
    monkeypatch.setenv("FORENSICS_APP_LIBRARY", str(tmp_path / "library.sqlite"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
