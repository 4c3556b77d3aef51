"""`python -m forensics_app` is the same program as `forensics-app`."""

from forensics_app.cli import main

raise SystemExit(main())
