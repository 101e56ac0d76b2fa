"""The trainer's app: the neighbourhood live in a browser (``python run.py viz``).

``controls`` maps the app's widgets to parameters, ``trainer_model`` runs the chosen
scenario beside its same-seed baseline, ``fork`` copies a paused run into "sweep now" and
"DMI now" branches, ``phases`` puts the policy's days into words and spans, ``portrayal``
draws the map, ``plots`` the time series (both redrawn in part by ``canvas``), ``app``
builds the Solara page and ``cli`` starts the server. Only ``app`` needs Solara.
"""
