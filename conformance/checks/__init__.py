"""Checks: small units with stable codes that register themselves (see registry)."""
