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
    return _describe(store, state, results, anchors)


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
    manifest = (store.get("manifests") or {}).get(store.get("active_manifest") or "", {})
    info = manifest.get("signature_info") or {}
    claim_generator = _claim_generator(manifest)
    actions = _actions(manifest)
    created = next((a for a in actions if a.get("action") in ("c2pa.created", "c2pa.opened")), {})
    agent = _agent_name(created.get("softwareAgent"))
    source = next((a.get("digitalSourceType") for a in actions if a.get("digitalSourceType")), None)
    failures = (results.get("activeManifest") or {}).get("failure") or [
        s for s in store.get("validation_status") or [] if not str(s.get("code", "")).endswith((".validated", ".match"))]
    codes = [str(f.get("code", "")) for f in failures]
    broken = [f for f in failures if f.get("code") != "signingCredential.untrusted"]
    valid = not broken and state in ("Valid", "Trusted")
    signer = " / ".join(x for x in (info.get("common_name"), info.get("issuer")) if x) or None

    parts = [f"Content Credentials (C2PA) signed by {quoted(signer) if signer else 'an unnamed signer'}"]
    if claim_generator:
        parts.append(f"claim generator {quoted(claim_generator)}")
    if agent:
        parts.append(f"created with {quoted(agent)}")
    if source:
        parts.append(f"digital source: {source_words(source)}")
    parts.append(f"signed {info['time']}" if info.get("time") else "no trusted signing time (no time-stamp)")
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
        reasons = "; ".join(failure_words(str(f.get("code", "")), str(f.get("explanation", ""))) for f in broken)
        verdict = f"Validation FAILED: {reasons or state or 'no validation result'}. The claim cannot be relied on."
    flag = "" if valid else ("C2PA hash or signature broken" if any(map(is_tampering, codes)) else "C2PA not valid")
    details = {"active manifest": str(store.get("active_manifest", "")), "validation state": state,
               "claim generator": claim_generator or "", "signer": signer or "",
               "signature algorithm": str(info.get("alg", "")), "signing time": str(info.get("time", "")),
               "actions": ", ".join(f"{a.get('action')}" + (f" ({_agent_name(a.get('softwareAgent'))})"
                                                            if a.get("softwareAgent") else "") for a in actions),
               "digital source type": source or "", "ingredients": _ingredients(manifest),
               "validation codes": ", ".join(codes) or "none failed", "trust list": anchors.describe()}
    if anchors.problem:
        details["trust list problem"] = anchors.problem
    return ProvenanceEntry("c2pa", "; ".join(parts) + ". " + verdict, generator=agent or claim_generator,
                           signer=signer, valid=valid, bound=valid, flag=flag,
                           details={k: v for k, v in details.items() if v})


def _claim_generator(manifest: dict) -> str | None:
    infos = manifest.get("claim_generator_info") or []
    if infos and isinstance(infos[0], dict) and infos[0].get("name"):
        first = infos[0]
        return f"{first['name']} {first.get('version', '')}".strip()
    return manifest.get("claim_generator")


def _actions(manifest: dict) -> list[dict]:
    found: list[dict] = []
    for assertion in manifest.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            found += [a for a in (assertion.get("data") or {}).get("actions") or [] if isinstance(a, dict)]
    return found


def _agent_name(agent: Any) -> str | None:
    if isinstance(agent, dict):
        return " ".join(str(agent[k]) for k in ("name", "version") if agent.get(k)) or None
    return str(agent) if agent else None


def _ingredients(manifest: dict) -> str:
    return "; ".join(f"{i.get('title', 'untitled')} ({i.get('relationship', '?')}, {i.get('format', '?')})"
                     for i in manifest.get("ingredients") or [] if isinstance(i, dict))


def _error_text(exc: Exception) -> str:
    return str(exc).strip() or type(exc).__name__
