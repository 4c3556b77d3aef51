"""Model synthesis, extractor training and fidelity measurement."""
