"""`python -m training`: synthesis, extractor training, fidelity and the photo recipe."""

from training.cli import main

raise SystemExit(main())
