"""What an analyst does, written once and called by both front-ends.

Each module is one operation, Qt-free, on plain data, with the core's progress and
cancel callbacks: `intake` (files into a case), `policy` (the one decision policy),
`analyse` (attribution, groups and map of a case), `enrol` (references into the
library), `verify` (1:1), `report` (the PDF and its audit entry).  `cli.py` parses,
calls one and prints; the GUI submits one to its worker and renders the result.
"""
