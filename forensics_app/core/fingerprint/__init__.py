"""The one definition of the model fingerprint: preprocessing, network, bundled extractor."""
