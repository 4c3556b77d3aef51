"""The window's CSV export never hands a spreadsheet a formula."""

from __future__ import annotations

import pytest

from forensics_app.gui.exports import spreadsheet_safe


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x","click")', "+1+cmd", "@SUM(A1)", "-2+3*cmd|' /C calc'!A0",
                                  "\t=1"])
def test_formula_like_text_is_quoted(text):
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["-0.1234", "1e-05", "nearest GAN", "", 12, None])
def test_numbers_and_plain_text_are_kept(value):
    assert spreadsheet_safe(value) == value
