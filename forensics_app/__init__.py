"""Forensic attribution of generated images to the generative model that made them."""

__version__ = "0.1.0"
