"""Content Credentials (C2PA) read and validated by the C2PA organisation's own SDK.

The SDK (``c2pa-python``, the Rust ``c2pa-rs`` underneath) parses the manifest store,
checks the claim signature, the hash binding of the claim to the file's bytes and the
signer's certificate, and reports the outcome as status codes; this module turns the
active manifest and that outcome into one entry.  It is configured never to fetch remote
manifests or certificate status (OCSP): the program uses no network.

A manifest whose signature fails or whose hash no longer matches the file is a finding,
and so is a manifest store that cannot be parsed: both are worded as such.
"""

from __future__ import annotations

import io
import json
import threading
from typing import Any

from forensics_app.core.provenance.c2pa_chain import ManifestLink, actions_text, generating_link, manifest_chain
from forensics_app.core.provenance.c2pa_words import failure_words, is_tampering, source_words
from forensics_app.core.provenance.entry import ProvenanceEntry, quoted
from forensics_app.core.provenance.trust import TrustAnchors

_CONTEXTS: dict[str, Any] = {}
_LOCK = threading.Lock()


def _context(anchors: TrustAnchors) -> Any:
    """One SDK context per trust list, with every network fetch switched off."""
    import c2pa

    with _LOCK:
        if anchors.pem not in _CONTEXTS:
            settings: dict[str, Any] = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False,
                                                   "verify_trust": True}}
            if anchors.pem:
                settings["trust"] = {"trust_anchors": anchors.pem}
            _CONTEXTS[anchors.pem] = c2pa.Context.from_dict(settings)
        return _CONTEXTS[anchors.pem]


def c2pa_entry(data: bytes, mime: str | None, anchors: TrustAnchors) -> ProvenanceEntry:
    """The active manifest and its validation in words; absence and failures said plainly."""
    try:
        import c2pa
    except ImportError as exc:
        return ProvenanceEntry("c2pa", f"C2PA was not checked: the C2PA SDK (c2pa-python) is not installed ({exc}).",
                               flag="C2PA not checked")
    try:
        with c2pa.Reader(mime, io.BytesIO(data), context=_context(anchors)) as reader:
            store = json.loads(reader.json())
            state = reader.get_validation_state() or ""
            results = reader.get_validation_results() or {}
    except c2pa.C2paError.ManifestNotFound:
        return ProvenanceEntry("c2pa", "No Content Credentials (C2PA manifest) in the file. Their absence proves "
                                       "nothing: most software strips or never writes them.")
    except c2pa.C2paError.NotSupported:
        return ProvenanceEntry("c2pa", "C2PA was not checked: the C2PA SDK does not read this file format.")
    except c2pa.C2paError.RemoteManifest as exc:
        return _remote(exc)
    except (c2pa.C2paError, ValueError, KeyError) as exc:
        if _error_text(exc).lower().startswith("remote"):  # the SDK raises the base type with "Remote: ..."
            return _remote(exc)
        return ProvenanceEntry(
            "c2pa", f"The file carries a C2PA manifest store that the SDK cannot read ({_error_text(exc)}): the "
                    "Content Credentials are damaged or forged, and nothing in them can be relied on.",
            valid=False, flag="C2PA manifest unreadable", details={"error": _error_text(exc)})
    try:
        return _describe(store if isinstance(store, dict) else {}, state, results if isinstance(results, dict) else {},
                         anchors)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:  # a store of shapes the SDK never writes
        return ProvenanceEntry(
            "c2pa", f"The file carries a C2PA manifest store whose content cannot be read ({type(exc).__name__}): the "
                    "Content Credentials are damaged or forged, and nothing in them can be relied on.",
            valid=False, flag="C2PA manifest unreadable", details={"error": str(exc)[:200]})


def _remote(exc: Exception) -> ProvenanceEntry:
    """A manifest kept online: not fetched (no network), and neither damaged nor forged."""
    text = _error_text(exc)
    address = text.split(" url ", 1)[1].strip() if " url " in text else None
    where = f" at {quoted(address, 200)}" if address else ""
    return ProvenanceEntry(
        "c2pa", f"The file points to Content Credentials stored online{where}; they were not fetched (this program "
                "uses no network), so nothing is known here of what they say or whether they are valid. Fetch "
                "them with a C2PA tool on a connected machine if they matter.",
        flag="remote C2PA manifest", details={"address": address or text})


def _describe(store: dict, state: str, results: dict, anchors: TrustAnchors) -> ProvenanceEntry:
    links, missing = manifest_chain(store, results)
    if not links:
        return ProvenanceEntry("c2pa", "The file carries a C2PA manifest store without an active manifest: nothing "
                                       "in it can be relied on.", valid=False, flag="C2PA not valid")
    active = links[0]
    manifest = (store.get("manifests") or {})[active.label]
    valid = active.valid and state in ("Valid", "Trusted")
    codes = list(active.codes)
    maker = generating_link(links) if valid else None
    source = maker.source_type if maker is not None else active.source_type

    parts = [f"Content Credentials (C2PA) signed by {quoted(active.signer) if active.signer else 'an unnamed signer'}"]
    if active.claim_generator:
        parts.append(f"claim generator {quoted(active.claim_generator)}")
    parts += _declared(active)
    parts.append(f"signed {active.signing_time}" if active.signing_time else "no trusted signing time (no time-stamp)")
    if valid:
        if state == "Trusted":
            trust = f"the certificate chains to a trust anchor of {anchors.describe()}"
        elif anchors.sources:
            trust = (f"the certificate does not chain to {anchors.describe()}, so the signer's identity is as the "
                     "certificate states it, unconfirmed")
        else:
            trust = "no trust list is configured, so the signer's identity is as the certificate states it, unconfirmed"
        verdict = (f"Validation: the signature is valid and binds the claim to these exact bytes; {trust}. "
                   "Cryptographically bound: any change to the file breaks it.")
    else:
        reasons = "; ".join(failure_words(code, why) for code, why in active.failures)
        verdict = f"Validation FAILED: {reasons or state or 'no validation result'}. The claim cannot be relied on."
    history = [_history(link) for link in links[1:]] + [
        f"ingredient {quoted(m.title or 'untitled')} ({_relationship(m.relationship)}) {m.why}" for m in missing]
    says = "; ".join(parts) + ". " + verdict
    if history:
        says += " History: " + "; ".join(history) + "."
    if maker is not None and maker.depth > 0:
        made = "made" if maker.source_type == "trainedAlgorithmicMedia" else "partly made"
        says += (f" So the chain declares the image {made} by a generative model ({source_words(maker.source_type or '')})"
                 f"{' with ' + quoted(maker.agent) if maker.agent else ''}, in the manifest of "
                 f"{quoted(maker.title or 'an ingredient')}.")
    broken_ingredient = any(not link.valid for link in links[1:])
    flag = "" if valid else ("C2PA hash or signature broken" if any(map(is_tampering, codes)) else "C2PA not valid")
    if valid and broken_ingredient:
        flag = "C2PA ingredient not valid"
    details = {"active manifest": active.label, "validation state": state,
               "claim generator": active.claim_generator or "", "signer": active.signer or "",
               "signature algorithm": str((manifest.get("signature_info") or {}).get("alg", "")),
               "signing time": active.signing_time or "", "actions": actions_text(manifest),
               "digital source type": source or "",
               "ingredients": "; ".join(f"{i.get('title', 'untitled')} ({i.get('relationship', '?')}, "
                                        f"{i.get('format', '?')})" for i in manifest.get("ingredients") or []
                                        if isinstance(i, dict)),
               "manifests in the chain": str(len(links)) if len(links) > 1 else "",
               "validation codes": ", ".join(codes) or "none failed", "trust list": anchors.describe()}
    if anchors.problem:
        details["trust list problem"] = anchors.problem
    generator = (maker.agent if maker is not None and maker.agent else None) or active.agent or active.claim_generator
    return ProvenanceEntry("c2pa", says, generator=generator, signer=active.signer, valid=valid, bound=valid, flag=flag,
                           source_type=source, details={k: v for k, v in details.items() if v})


def _declared(link: ManifestLink) -> list[str]:
    """What one manifest's first action says: who created or opened it, and its digital source."""
    words = []
    if link.agent:
        words.append(f"{'opened' if link.action == 'c2pa.opened' else 'created'} with {quoted(link.agent)}")
    if link.source_type:
        words.append(f"digital source: {source_words(link.source_type)}")
    return words


def _history(link: ManifestLink) -> str:
    """One ingredient manifest as a clause: whose it is, what it declares, whether it validates."""
    told = ", ".join(_declared(link)) or "no creating action"
    signer = quoted(link.signer) if link.signer else "an unnamed signer"
    if link.valid:
        outcome = "its signature is valid"
    else:
        outcome = "its validation FAILED (" + "; ".join(failure_words(c, w) for c, w in link.failures) + ")"
    return (f"ingredient {quoted(link.title or 'untitled')} ({_relationship(link.relationship)}), whose own "
            f"Content Credentials signed by {signer} say: {told}; {outcome}")


def _relationship(name: str) -> str:
    return {"parentOf": "the parent it was made from", "componentOf": "a component",
            "inputTo": "an input"}.get(name, name)


def _error_text(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__
