"""Whether what a file declares about its maker agrees with what its fingerprint ranks first.

A declaration and a fingerprint are independent lines of evidence, and the analyst must
see at once where they part: a file whose Content Credentials say DALL·E made it while
its fingerprint ranks Midjourney first is worth a second look, whichever is wrong.  The
comparison is by name only (the library's generator names are the analyst's own words),
so it is worded as such, and a declared maker the library does not hold is said to be
beyond the fingerprint's reach rather than contradicted.  It never changes a decision.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from forensics_app.core.provenance.c2pa_chain import CAPTURED_SOURCES
from forensics_app.core.provenance.entry import ProvenanceEntry, quoted

#: A name part shorter than this is too common to match on ("ai", "v2").
_MIN_KEY = 4
_WORDS = re.compile(r"[\s_\-/,;:()]+")


@dataclass(frozen=True)
class DeclarationCheck:
    """The declaration set against the ranking: a sentence, and whether they disagree."""

    text: str = ""
    contradicts: bool = False
    named: bool = False  # the fingerprint named the generator it is set against (a finding, not a ranking)

    @property
    def flag(self) -> str:
        """The words that lead a table cell: a contradiction of a finding, or of a ranking only."""
        if not self.contradicts:
            return ""
        return "CONTRADICTS the fingerprint" if self.named else "DIFFERS from the fingerprint's ranking"


def check_declaration(entries: Sequence[ProvenanceEntry], ranking: Sequence[str],
                      named: str | None) -> DeclarationCheck:
    """Compare the file's declared maker and source type with the fingerprint's ranking.

    `ranking` lists the enrolled generators most similar first; `named` is the generator
    the decision policy named, None when the LR stayed below the naming level.
    """
    if not ranking:
        return DeclarationCheck()
    first = ranking[0]
    declaring = sorted((e for e in entries if e.generator), key=lambda e: (not e.bound, e.kind != "c2pa"))
    source = next((e.source_type for e in sorted(entries, key=lambda e: not e.bound) if e.source_type), None)
    if source in CAPTURED_SOURCES and named is not None:
        return DeclarationCheck(f"the file declares a capture by a camera or scanner, but the fingerprint names "
                                f"{quoted(named)}", contradicts=True, named=True)
    if not declaring:
        return DeclarationCheck()
    maker = declaring[0].generator or ""
    enrolled = [g for g in ranking if same_maker(maker, g)]
    if not enrolled:
        return DeclarationCheck(f"the declared maker {quoted(maker)} matches no enrolled generator by name, so the "
                                "fingerprint can neither confirm nor contradict it")
    if first in enrolled:
        verdict = "names it" if named is not None else "ranks it first (not named: no finding either way)"
        return DeclarationCheck(f"the declared maker {quoted(maker)} agrees by name with the fingerprint's "
                                f"first-ranked generator {quoted(first)}; the fingerprint {verdict}")
    ranked = (f"names {quoted(named)}" if named is not None
              else f"ranks {quoted(first)} first (not named: a ranking, not a finding)")
    return DeclarationCheck(f"the declared maker {quoted(maker)} is enrolled as {quoted(enrolled[0])}, but the "
                            f"fingerprint {ranked}", contradicts=True, named=named is not None)


def same_maker(declared: str, enrolled: str) -> bool:
    """True when one name contains a distinctive part of the other ("DALL·E 3" and "aibingo-dalle")."""
    squashed = (_squash(declared), _squash(enrolled))
    for name, other in ((declared, squashed[1]), (enrolled, squashed[0])):
        for key in _keys(name):
            if key in other:
                return True
    return False


def _keys(name: str) -> set[str]:
    keys = {_squash(name)} | {_squash(word) for word in _WORDS.split(name)}
    keys |= {re.sub(r"\d+$", "", key) for key in list(keys)}
    return {key for key in keys if len(key) >= _MIN_KEY}


def _squash(text: str) -> str:
    """Letters and digits only, case-folded, accents dropped: "DALL·E" -> "dalle"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))
