"""The multi-run studies, side by side over one shared kit.

``compare``, ``sweep``, ``sensitivity`` and ``validation`` each turn many runs of the engine
into a result folder a reader opens; none imports another. What they share lives in
``kit`` (outcome catalogue, statistics, derived measures, plot style, Markdown). They see
the model only through ``dmi_sim.api`` (tests/test_architecture.py checks it).
"""
