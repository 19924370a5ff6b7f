"""Checks: small units with stable codes that register themselves with the engine
(``conformance.engine.registry``)."""
