"""How well the method holds on labelled images: the figures a model card records and a report quotes.

Used by ``evaluate``, by training and by the studies in ``tools/``; imported by nothing
that runs while a case is analysed (a contract in ``pyproject.toml`` keeps it so), since
validation measures the program and is never part of a decision.

Modules: ``evaluation`` (gallery accuracy, pair AUC and cluster quality of embeddings)
and ``lr_figures`` (the likelihood-ratio protocol: Cllr, rates of misleading evidence and
of naming at a level).
"""
