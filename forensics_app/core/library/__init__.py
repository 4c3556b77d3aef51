"""The library of enrolled generators: one SQLite file, never silently mixed or damaged.

Attribution compares an image's fingerprint with the mean fingerprint of each enrolled
generator, so the library is evidence in its own right and is guarded accordingly:

* **One extractor per library.**  The file is stamped with the extractor id (and the
  embedding size) it was built with.  Embeddings from other weights live in another space
  and cannot be compared, so a library from other weights is refused with
  :class:`LibraryExtractorMismatchError`, which says how many reference images can still
  be re-embedded from their stored paths; :func:`~forensics_app.core.library.rebuild.rebuild_library` does that re-enrolment
  into a new file and swaps it in, keeping the old file as ``<name>.bak-<old id>``.
* **Every write is one transaction.**  An enrolment, an import or a rename either happens
  completely or not at all, so a crash, a full disk or an error in the middle leaves the
  library exactly as it was.  Writes take the write lock at their start (``BEGIN
  IMMEDIATE``) so a second program using the file is reported at once as
  :class:`LibraryLockedError` instead of failing half-way.
* **Foreign files are never touched.**  Before SQLite opens an existing file its header
  is read directly: a file that is not an SQLite database, or is the database of another
  program (the ``application_id`` in the header differs), is refused as
  :class:`LibraryCorruptError` without SQLite ever opening it for writing.  A new library
  is written to a temporary file and renamed into place, so an interrupted creation never
  leaves a half-made file at the library path.
* **Reading the gallery is cheap.**  All embeddings are fetched with one query and
  averaged with numpy, because the gallery is read for every attribution run.

Embeddings are stored as float32 little-endian blobs, exactly as the extractor produced
them; references are keyed by the SHA-256 of the image file, so the same image is never
counted twice for one generator.  Generator names are unique regardless of ASCII case
(``SDXL`` and ``sdxl`` are one generator), and listed in that case-insensitive order.

Modules: ``store`` (the open :class:`Library` and its operations), ``records`` (what it
holds, as the program sees it), ``file`` (the file format, its stamp and safe opening),
``errors`` (what the user is told), ``location`` (which file to use), ``checks`` (what may
enter, by enrolment or import) and ``rebuild`` (re-enrolment with new weights).  The
public names are imported from the package.
"""

from forensics_app.core.library.errors import (
    GeneratorExistsError,
    LibraryCorruptError,
    LibraryError,
    LibraryExtractorMismatchError,
    LibraryImportError,
    LibraryInterruptedError,
    LibraryLockedError,
    LibraryNotFoundError,
    LibraryWriteError,
    RebuildCancelled,
    UnknownGeneratorError,
)
from forensics_app.core.library.file import (
    APPLICATION_ID,
    DEFAULT_TIMEOUT_S,
    SCHEMA_VERSION,
    LibraryMeta,
    read_library_meta,
    read_reenrolment_plan,
)
from forensics_app.core.library.location import LIBRARY_ENV, LIBRARY_FILE_NAME, default_library_path
from forensics_app.core.library.records import KEEP, MIN_REFERENCES_ADVISED, GeneratorInfo, Reference
from forensics_app.core.library.store import Library

__all__ = [
    "APPLICATION_ID",
    "DEFAULT_TIMEOUT_S",
    "KEEP",
    "LIBRARY_ENV",
    "LIBRARY_FILE_NAME",
    "MIN_REFERENCES_ADVISED",
    "SCHEMA_VERSION",
    "GeneratorExistsError",
    "GeneratorInfo",
    "Library",
    "LibraryCorruptError",
    "LibraryError",
    "LibraryExtractorMismatchError",
    "LibraryImportError",
    "LibraryInterruptedError",
    "LibraryLockedError",
    "LibraryMeta",
    "LibraryNotFoundError",
    "LibraryWriteError",
    "RebuildCancelled",
    "Reference",
    "UnknownGeneratorError",
    "default_library_path",
    "read_library_meta",
    "read_reenrolment_plan",
]
