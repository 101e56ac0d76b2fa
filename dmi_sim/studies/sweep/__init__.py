"""The sweep study: figures of an experiment run through the engine (frontier, response)."""
