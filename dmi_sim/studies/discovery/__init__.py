"""Scenario discovery: where in parameter space the DMI's advantage over crackdowns fails.

``design`` runs (or reads back) a design over the uncertain parameters in which every
point runs the DMI and a crackdown on paired seeds, ``advantage`` measures the DMI's
advantage at each point and seed, ``boxes`` finds the regions where it fails (PRIM from
EMA Workbench, CART from scikit-learn) and checks them against seed noise, ``figures`` and
``report`` present them, and ``results`` writes the report folder of ``run.py discover``.
"""
