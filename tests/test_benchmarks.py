"""Every benchmark runs at a tiny size, so a benchmark broken by a change fails the suite.

The figures they print are measured by hand (README: Benchmarks); here only that each
one runs to its end and prints its figures is checked, never how fast.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

TINY_RUNS = {
    "analysis_speed.py": ["--images", "60", "--generators", "12", "--map-images", "60", "--dim", "16"],
    "library_speed.py": ["--generators", "5", "--references", "3", "--dim", "16"],
    "synthesis_speed.py": ["--models", "2", "--steps", "2", "--batch", "2", "--size", "32", "--threads", "1"],
    "report_speed.py": ["--images", "4", "--size", "96"],
    "embed_speed.py": ["--images", "4", "--reference-images", "2", "--threads", "1"],
    "make_folder.py": ["--images", "4", "--size", "600", "--format", "jpeg", "--out", "folder"],
}


@pytest.mark.parametrize("script", sorted(TINY_RUNS))
def test_benchmark_runs_at_a_tiny_size(script, tmp_path):
    finished = subprocess.run([sys.executable, str(BENCHMARKS / script), *TINY_RUNS[script]], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300, env=None)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert finished.stdout.strip(), "the benchmark printed no figures"
