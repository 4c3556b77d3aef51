"""Plain words for what the C2PA SDK reports: validation codes and digital source types.

The SDK reports its validation as status codes of the C2PA specification (section
"Validation"); an analyst, a court or an editor needs a sentence.  Codes not listed here
are given with the SDK's own explanation, never dropped.
"""

from __future__ import annotations

#: Failure codes that mean the file or its manifest changed after signing.
_TAMPERED = {
    "assertion.dataHash.mismatch": "the image bytes no longer match the hash the manifest signed: "
                                   "the file was changed after it was signed",
    "assertion.boxesHash.mismatch": "the file's boxes no longer match the hash the manifest signed: "
                                    "the file was changed after it was signed",
    "assertion.bmffHash.mismatch": "the file no longer matches the hash the manifest signed: "
                                   "the file was changed after it was signed",
    "assertion.collectionHash.mismatch": "the signed collection of files no longer matches its hash",
    "assertion.hashedURI.mismatch": "an assertion no longer matches the hash in the claim: "
                                    "the manifest was edited after signing",
    "claimSignature.mismatch": "the signature does not match the claim: the claim was altered or the signature forged",
    "assertion.missing": "an assertion the claim lists is missing from the manifest",
    "claim.missing": "the manifest has no claim",
}
_CREDENTIAL = {
    "signingCredential.untrusted": "the signer's certificate does not chain to a trust anchor in use",
    "signingCredential.expired": "the signer's certificate had expired when the claim was signed",
    "signingCredential.revoked": "the signer's certificate has been revoked",
    "signingCredential.invalid": "the signer's certificate is not valid for signing C2PA claims",
    "claimSignature.outsideValidity": "the claim was signed outside the validity period of the signer's certificate",
    "timeStamp.mismatch": "the signing time-stamp does not match the claim",
    "timeStamp.untrusted": "the signing time-stamp comes from an authority not on a trust list in use",
}
_SOURCES = {
    "trainedAlgorithmicMedia": "created by a trained AI model",
    "compositeWithTrainedAlgorithmicMedia": "a composite that includes AI-generated elements",
    "algorithmicMedia": "created by an algorithm without a trained model",
    "algorithmicallyEnhanced": "a capture enhanced by an algorithm",
    "compositeSynthetic": "a composite of synthetic elements",
    "digitalCapture": "captured by a digital camera",
    "computationalCapture": "captured with computational photography",
    "compositeCapture": "a composite of captures",
    "negativeFilm": "a scan of a film negative",
    "positiveFilm": "a scan of a film positive",
    "print": "a scan of a print",
    "humanEdits": "edited by a person",
    "minorHumanEdits": "minor edits by a person",
    "digitalArt": "digital art made by a person",
    "digitalCreation": "a digital creation made by a person",
    "dataDrivenMedia": "generated from data",
    "screenCapture": "a screen capture",
    "virtualRecording": "a recording of a virtual scene",
    "composite": "a composite",
}


def source_words(uri_or_name: str) -> str:
    """IPTC digital source type (URI or name) in words: 'trainedAlgorithmicMedia' -> 'created by ...'."""
    name = uri_or_name.rstrip("/").rsplit("/", 1)[-1]
    return _SOURCES.get(name, name)


def is_tampering(code: str) -> bool:
    """True for a code that means bytes or claims changed after signing."""
    return code in _TAMPERED or code.endswith(".mismatch")


def failure_words(code: str, explanation: str = "") -> str:
    """One failure code as a clause; unknown codes keep the SDK's explanation."""
    if code in _TAMPERED:
        return _TAMPERED[code]
    if code in _CREDENTIAL:
        return _CREDENTIAL[code]
    return f"{code}: {explanation}" if explanation else code
