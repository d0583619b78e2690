"""Evaluation of design embeddings (SkiLL sections 5, 10, 12): see docs/metrics.md.

Modules: ``metrics`` (accuracy, micro-averaged Recall at Precision), ``probes`` (linear and MLP probes, splits),
``color`` (color ID, cluster color entropy), ``retrieval`` (exact / FAISS kNN, label agreement, product
precision@k), ``embed`` (``RUN`` specs, batched embedding of a data set), ``index`` (.parquet / .npy indexes),
``suite`` (``skill-ssl eval``), ``clusters`` (``skill-ssl clusters``), ``report`` (report.json / report.md),
``plots`` (montages and charts), ``cli`` (the commands; :func:`skill_ssl.evaluate.cli.register`).
Importing this package loads nothing heavy.
"""
