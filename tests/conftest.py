"""Keeps tests hermetic: own extractor weights, own user data folder, offscreen Qt."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import torch


@pytest.fixture(scope="session")
def extractor_dir(tmp_path_factory):
    """Small extractor weights made for the tests (random but fixed by seed)."""
    from forensics_app.core.fingerprint.extractor import write_extractor
    from forensics_app.core.fingerprint.network import FingerprintNet, NetworkConfig
    from forensics_app.core.fingerprint.preprocess import PreprocessConfig

    torch.manual_seed(0)
    network = FingerprintNet(NetworkConfig(base_width=8, embedding_dim=32))
    directory = tmp_path_factory.mktemp("extractor")
    write_extractor(directory, network.eval(), PreprocessConfig(), extra={"name": "test weights"})
    return directory


@pytest.fixture(autouse=True)
def hermetic_environment(monkeypatch, tmp_path, extractor_dir):
    """No test reads or writes the real user's data or the bundled weights."""
    monkeypatch.setenv("FORENSICS_APP_EXTRACTOR", str(extractor_dir))
    monkeypatch.setenv("FORENSICS_APP_LIBRARY", str(tmp_path / "library.sqlite"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
