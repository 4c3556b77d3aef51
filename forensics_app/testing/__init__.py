"""Data the program's own checks make for themselves: tiny generators and signed images.

Tests, benchmarks and tools import from here instead of from one another's folders, so a
benchmark run as a script needs no path trick.  Nothing at run time imports this package
(a contract in ``pyproject.toml``): ``tiny_generators`` makes images of four small fixed
upsampling networks, ``c2pa_signing`` a test certificate authority and Content
Credentials signed with it (``cryptography`` and the C2PA SDK, imported only there),
``evidence_records`` the record of a file taken in, for a case item made by hand.
"""
