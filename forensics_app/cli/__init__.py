"""`forensics-app`: the desktop app by default, and the headless commands.

Every command accepts --device and --json (JSON on stdout, nothing else there),
reports progress on stderr, lists every rejected file with its reason, and exits
non-zero on failure: 0 success, 1 some input files were rejected (for ``report``: the case
failed an integrity check; the PDF is written and says so), 2 the command failed.

Modules: ``commands`` (the commands and the parser), ``inspect_command`` (``inspect``,
which needs no extractor), ``steps`` (what several commands share: the extractor, the
library, fingerprinting, analysis), ``options`` (the options every command takes) and
``output`` (exit codes, progress, tables and JSON).
"""

from forensics_app.cli.commands import main
from forensics_app.cli.output import EXIT_BROKEN_PIPE, EXIT_FAILED, EXIT_OK, EXIT_REJECTED, CommandError, format_table

__all__ = ["EXIT_BROKEN_PIPE", "EXIT_FAILED", "EXIT_OK", "EXIT_REJECTED", "CommandError", "format_table", "main"]
