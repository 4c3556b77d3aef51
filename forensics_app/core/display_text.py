"""User-controlled text (generator names, notes, file names) made safe to show on one line.

Names come from imported libraries and file names from the people under investigation.
A terminal obeys escape sequences (``ESC[2J`` clears the screen, others rewrite what was
printed), a line break in a file name splits a result table into a forged row, and
right-to-left overrides make ``gpj.exe`` read as ``exe.jpg``.  :func:`one_line` shows
every such character as a visible escape (``\\x1b``, ``\\n``, ``\\u202e``) so the text
is displayed exactly as stored and can never act.  Qt widgets are given plain text
(never rich text) and the PDF escapes its markup; both also pass through here where a
value must stay on one line.
"""

from __future__ import annotations

import unicodedata

__all__ = ["normal_form_note", "one_line", "safe_lines"]

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _acts(ch: str) -> bool:
    """Control (Cc), format (Cf: bidi overrides, zero-width), separators of lines/paragraphs."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")


def one_line(text: object, limit: int | None = None) -> str:
    """`text` with every control or format character shown as an escape; cut at `limit` chars."""
    value = str(text)
    if any(_acts(ch) for ch in value):
        value = "".join(_visible(ch) if _acts(ch) else ch for ch in value)
    if limit is not None and len(value) > limit:
        value = f"{value[:limit]}... ({len(value):,} characters)"
    return value


def safe_lines(text: object) -> str:
    """Multi-line text (an error listing files) with each line made safe by :func:`one_line`."""
    return "\n".join(one_line(line) for line in str(text).split("\n"))


def normal_form_note(name: str) -> str | None:
    """How a name's stored characters differ from their composed (NFC) form, or None.

    "café" can be stored with one character for "é" (NFC) or with "e" and a combining
    accent (NFD, as macOS writes file names): two such files look identical but are
    different names.  Shown names are NFC; this note tells the analyst which form the
    file system holds, with the code points, where it is not NFC.
    """
    composed = unicodedata.normalize("NFC", name)
    if composed == name:
        return None
    form = "NFD" if unicodedata.is_normalized("NFD", name) else "a mixed form"
    differing = " ".join(f"U+{ord(ch):04X}" for ch in name if unicodedata.combining(ch))[:120]
    return f"stored in Unicode {form}, not NFC" + (f" (combining characters {differing})" if differing else "")
