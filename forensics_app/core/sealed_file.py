"""Read a file the model card seals with its SHA-256 (the back-end, the background population).

One rule for every such file: unreadable or changed is an error the caller words as its
own (`error`), never a silent fallback to other data.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def read_sealed(path: Path, expected_sha256: str, what: str, error: type[Exception]) -> bytes:
    """The bytes of `path` when their SHA-256 is the card's; otherwise `error` says why."""
    path = Path(path)
    try:
        payload = path.read_bytes()
    except OSError as exc:
        raise error(f"the {what} {path} cannot be read ({exc.strerror or exc}); reinstall the program") from exc
    digest = hashlib.sha256(payload).hexdigest()
    if digest != expected_sha256:
        raise error(f"the {what} {path} does not match the SHA-256 in the model card "
                    f"({digest[:12]} instead of {expected_sha256[:12]}); it was changed or replaced. "
                    "Reinstall the program.")
    return payload
