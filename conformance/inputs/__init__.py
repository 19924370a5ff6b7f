"""What to validate: content-based DICOM detection, the lazy folder walk, input items,
and the ordered lazy process-pool map. Upstream of the engine (imports nothing of it)."""
