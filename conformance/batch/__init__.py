"""Batches: folder walks, study/series summaries, cross-file consistency, BatchReport."""
