"""Runtime engine: traversal, findings, reports, the Validator."""
