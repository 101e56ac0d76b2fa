"""The model: everything docs/ODD.md describes, and nothing else.

``DrugMarketModel`` (``market.py``) is the daily schedule; ``agents/`` the populations (one
verb per submodel, each owner changing its own state), ``policies/`` the policing
strategies, ``space`` the neighbourhood and its fields, ``justice`` arrests to release,
``violence`` the incidents, ``observe`` the named daily series and the run summary. Nothing
here imports anything downstream (engine, studies, command line, app): see
``tests/test_architecture.py``.
"""

from dmi_sim.model.market import DrugMarketModel

__all__ = ["DrugMarketModel"]
