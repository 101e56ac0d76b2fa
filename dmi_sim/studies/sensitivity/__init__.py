"""Global sensitivity analysis (SALib) through the sweep engine.

``space`` reads the parameter space, ``methods`` holds Morris and Sobol (each samples and
analyses with one set of settings), ``design`` turns a sample into run tasks, ``outcomes``
measures each design point, ``analyse`` computes indices, seed noise and the DMI's
advantage, ``figures`` and ``report`` present them, and ``cli`` is ``run.py sensitivity``.
"""
