"""Which certificates the C2PA validation trusts, and how that is said.

A valid signature says the claim was not changed since a holder of that certificate
signed it; whether the holder is who the certificate names depends on a trust list.  No
trust list is bundled (see the project notes); the analyst points the program at one
(for example the C2PA Trust List published by the C2PA organisation, or the frozen interim
list of the Content Authenticity Initiative) with ``FORENSICS_APP_C2PA_TRUST`` or by
placing PEM files in ``resources/c2pa/``.  Nothing is ever fetched over the network.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from forensics_app.paths import resources_dir

TRUST_VARIABLE = "FORENSICS_APP_C2PA_TRUST"


@dataclass(frozen=True)
class TrustAnchors:
    """The PEM text of the trust anchors in use, and the files they came from."""

    pem: str
    sources: tuple[str, ...]
    problem: str = ""

    def describe(self) -> str:
        """The trust list in use, in a phrase for the validation sentence."""
        if self.sources:
            return "the trust list " + ", ".join(Path(s).name for s in self.sources)
        return "no trust list (none is configured)"


def load_anchors(path: str | os.PathLike[str] | None = None) -> TrustAnchors:
    """Trust anchors from `path`, else the variable, else `resources/c2pa/*.pem`; unreadable ones said."""
    chosen = path or os.environ.get(TRUST_VARIABLE)
    files = [Path(chosen)] if chosen else sorted((resources_dir() / "c2pa").glob("*.pem"))
    texts, sources, problems = [], [], []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            problems.append(f"the trust list {file} could not be read ({exc.strerror or exc})")
            continue
        if "-----BEGIN CERTIFICATE-----" not in text:
            problems.append(f"the trust list {file} holds no PEM certificate")
            continue
        texts.append(text)
        sources.append(str(file))
    return TrustAnchors("\n".join(texts), tuple(sources), "; ".join(problems))
