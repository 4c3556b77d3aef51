"""The analysis engine: plain Python, numpy and torch; never imports Qt."""
