"""Files ``cellworks.lis`` reads: measured discharge curves (:mod:`.curves`) and the twin targets and
calibration results (:mod:`.targets`). Every problem is an :class:`cellworks.errors.InputError`
naming file, record and field."""
