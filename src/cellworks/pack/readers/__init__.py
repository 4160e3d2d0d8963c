"""Files into ``cellworks.pack``: scenario TOML (:mod:`.scenario`), pulse/HPPC tests (:mod:`.hppc`)
and BMS logs (:mod:`.bms_log`). Import the submodule you need; nothing heavy loads here."""
