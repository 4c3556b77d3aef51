"""The whole chain of Content Credentials in a file: the active manifest and its ingredients.

A file exported by an editing tool or a chat front-end is signed by that tool (the
active manifest), while what the generator itself declared sits one step back, in the
manifest of an *ingredient* (the parent the tool opened).  A ChatGPT image, for one, is
signed "opened by ChatGPT" while its parent says "created by DALL·E, trained algorithmic
media".  Reading the active manifest alone names an SDK version as the maker; reading the
chain names the generator, the digital source type and where each was said.

The SDK has already validated every manifest in the store; this module reads its
results per manifest (an ingredient's own validation and the parent's check of the
ingredient's hash), walks the chain breadth-first from the active manifest, and stops at
a fixed depth and count so a hostile store with a cycle or thousands of ingredients
cannot run away.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

#: How far back and how many manifests are read; a real chain is a handful deep.
MAX_DEPTH = 8
MAX_MANIFESTS = 32

#: IPTC digital source types that declare a generative model made the content.
GENERATED_SOURCES = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})
#: IPTC digital source types that declare a capture of the world (a camera, a scan).
CAPTURED_SOURCES = frozenset({"digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print"})

#: The one failure that does not undo a signature: a signer no trust list in use vouches for.
UNTRUSTED = "signingCredential.untrusted"


@dataclass(frozen=True)
class ManifestLink:
    """One manifest of the chain, as its own claim states it and as the SDK validated it.

    ``depth`` is 0 for the active manifest, 1 for its ingredients' manifests and so on;
    ``relationship`` is "active" or the ingredient's relationship ("parentOf",
    "componentOf", "inputTo"); ``failures`` holds the failed validation codes other than
    an untrusted signer, with the SDK's explanations; ``codes`` every failed code.
    """

    label: str
    depth: int
    relationship: str
    title: str | None
    claim_generator: str | None
    signer: str | None
    signing_time: str | None
    action: str | None
    agent: str | None
    source_type: str | None
    failures: tuple[tuple[str, str], ...] = ()
    codes: tuple[str, ...] = ()
    chain_valid: bool = True  # this manifest and every one between it and the active manifest validate

    @property
    def valid(self) -> bool:
        return not self.failures

    @property
    def declares_generated(self) -> bool:
        return self.source_type in GENERATED_SOURCES


@dataclass(frozen=True)
class MissingIngredient:
    """An ingredient listed without Content Credentials of its own (or beyond the limits)."""

    title: str | None
    relationship: str
    depth: int
    why: str


def manifest_chain(store: dict, results: dict) -> tuple[list[ManifestLink], list[MissingIngredient]]:
    """The active manifest first, then its ingredients' manifests breadth-first.

    `store` is the SDK's manifest-store JSON, `results` its validation results for the
    active manifest (with the per-ingredient deltas).
    """
    manifests = store.get("manifests") or {}
    active = str(store.get("active_manifest") or "")
    if active not in manifests:
        return [], []
    top_failures = (results.get("activeManifest") or {}).get("failure") or [
        s for s in store.get("validation_status") or [] if not str(s.get("code", "")).endswith((".validated", ".match"))]
    first = _link(active, manifests[active], 0, "active", None, top_failures)
    links = [dataclasses.replace(first, chain_valid=first.valid)]
    missing: list[MissingIngredient] = []
    seen = {active}
    queue = [(active, 0, links[0].chain_valid)]
    while queue:
        label, depth, above_valid = queue.pop(0)
        for ingredient in manifests[label].get("ingredients") or []:
            if not isinstance(ingredient, dict):
                continue
            title = _text(ingredient.get("title"))
            relationship = str(ingredient.get("relationship") or "ingredient")
            child = str(ingredient.get("active_manifest") or "")
            if not child or child not in manifests:
                if len(missing) < MAX_MANIFESTS:
                    missing.append(MissingIngredient(title, relationship, depth + 1, "carries no Content Credentials "
                                                                                      "of its own"))
                continue
            if child in seen:
                continue
            if depth + 1 > MAX_DEPTH or len(links) >= MAX_MANIFESTS:
                if len(missing) < MAX_MANIFESTS:
                    missing.append(MissingIngredient(title, relationship, depth + 1,
                                                     f"not read: the chain goes past {MAX_DEPTH} steps or "
                                                     f"{MAX_MANIFESTS} manifests"))
                continue
            seen.add(child)
            failures = list(_ingredient_failures(ingredient))
            failures += _delta_failures(results, label, str(ingredient.get("label") or ""))
            link = _link(child, manifests[child], depth + 1, relationship, title, failures)
            link = dataclasses.replace(link, chain_valid=above_valid and link.valid)
            links.append(link)
            queue.append((child, depth + 1, link.chain_valid))
    return links, missing


def generating_link(links: list[ManifestLink]) -> ManifestLink | None:
    """The manifest nearest the active one that declares a generative model made it, taken only
    where it and every manifest between it and the active one validate (a break in the chain
    binds nothing beyond it)."""
    return next((link for link in links if link.declares_generated and link.chain_valid), None)


def _link(label: str, manifest: dict, depth: int, relationship: str, title: str | None,
          failures: list[dict]) -> ManifestLink:
    info = manifest.get("signature_info") or {}
    actions = _actions(manifest)
    first = next((a for a in actions if a.get("action") in ("c2pa.created", "c2pa.opened")), {})
    source = next((a.get("digitalSourceType") for a in actions if a.get("digitalSourceType")), None)
    signer = " / ".join(str(x) for x in (info.get("common_name"), info.get("issuer")) if x) or None
    broken = tuple((str(f.get("code", "")), str(f.get("explanation", ""))) for f in failures
                   if isinstance(f, dict) and f.get("code") != UNTRUSTED)
    return ManifestLink(label=label, depth=depth, relationship=relationship,
                        title=title or _text(manifest.get("title")), claim_generator=claim_generator(manifest),
                        signer=signer, signing_time=_text(info.get("time")), action=_text(first.get("action")),
                        agent=agent_name(first.get("softwareAgent")),
                        source_type=source_name(source) if source else None, failures=broken,
                        codes=tuple(str(f.get("code", "")) for f in failures if isinstance(f, dict)))


def _ingredient_failures(ingredient: dict) -> list[dict]:
    results = ingredient.get("validation_results") or {}
    if results:
        return list((results.get("activeManifest") or {}).get("failure") or [])
    return [s for s in ingredient.get("validation_status") or []
            if isinstance(s, dict) and not str(s.get("code", "")).endswith((".validated", ".match"))]


def _delta_failures(results: dict, parent: str, ingredient_label: str) -> list[dict]:
    """The parent's own check of this ingredient (its hash against the ingredient manifest)."""
    found: list[dict] = []
    for delta in results.get("ingredientDeltas") or []:
        uri = str(delta.get("ingredientAssertionURI", ""))
        if parent in uri and ingredient_label and uri.endswith(ingredient_label):
            found += list((delta.get("validationDeltas") or {}).get("failure") or [])
    return found


def claim_generator(manifest: dict) -> str | None:
    """The claim generator as its info names it ("ChatGPT 1.0"), else the older string field."""
    infos = manifest.get("claim_generator_info") or []
    if infos and isinstance(infos[0], dict) and infos[0].get("name"):
        first = infos[0]
        return f"{first['name']} {first.get('version', '')}".strip()
    return _text(manifest.get("claim_generator"))


def _actions(manifest: dict) -> list[dict]:
    found: list[dict] = []
    for assertion in manifest.get("assertions") or []:
        if isinstance(assertion, dict) and str(assertion.get("label", "")).startswith("c2pa.actions"):
            found += [a for a in (assertion.get("data") or {}).get("actions") or [] if isinstance(a, dict)]
    return found


def actions_text(manifest: dict) -> str:
    """Every action of a manifest with its software agent, for the details table."""
    return ", ".join(f"{a.get('action')}" + (f" ({agent_name(a.get('softwareAgent'))})" if a.get("softwareAgent")
                                             else "") for a in _actions(manifest))


def agent_name(agent: Any) -> str | None:
    if isinstance(agent, dict):
        return " ".join(str(agent[k]) for k in ("name", "version") if agent.get(k)) or None
    return str(agent) if agent else None


def source_name(uri_or_name: Any) -> str:
    """'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia' -> 'trainedAlgorithmicMedia'."""
    return str(uri_or_name).rstrip("/").rsplit("/", 1)[-1]


def _text(value: Any) -> str | None:
    return str(value) if value else None
