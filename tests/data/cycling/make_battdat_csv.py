"""Write ``battdat_raw_cccv.csv``: a battery-data-toolkit (battdat) raw-data CSV made from the real
Arbin export ``battdat_arbin_example.csv`` (the toolkit's own example data, Apache-2.0).

battdat's raw-data schema names the columns ``test_time`` (s), ``voltage`` (V), ``current`` (A,
positive on charge), ``cycle_number`` (from 0), ``step_index``, ``state`` (charging, discharging,
resting), ``cycle_capacity_charge`` / ``cycle_capacity_discharge`` (A-hr since the cycle began),
``cycle_capacity`` (A-hr, positive = discharged), ``cycle_energy`` (J, positive = discharged) and
``temperature`` (°C). Only the complete cycle of the Arbin file (``Cycle_Index`` 2) is taken, so the
counters start from 0: its values are the Arbin counters (which reset per cycle and run on from
the CC into the CV step — the layout that made a per-step reset double the charge). ``step_index``
is Arbin's program step (it changes at CC → CV while the counter runs on); ``state`` follows the
sign of the current (|I| < 1 mA: resting).

Run: ``python tests/data/cycling/make_battdat_csv.py`` (deterministic; rewrites the file).
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    with open(HERE / "battdat_arbin_example.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if int(r["Cycle_Index"]) >= 2]
    out = HERE / "battdat_raw_cccv.csv"
    names = ["test_time", "voltage", "current", "cycle_number", "step_index", "state", "cycle_capacity",
             "cycle_capacity_charge", "cycle_capacity_discharge", "cycle_energy", "temperature"]
    with open(out, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(names)
        for r in rows:
            i = float(r["Current"])
            state = "charging" if i > 1e-3 else "discharging" if i < -1e-3 else "resting"
            qc, qd = float(r["Charge_Capacity"]), float(r["Discharge_Capacity"])
            ec, ed = float(r["Charge_Energy"]), float(r["Discharge_Energy"])
            w.writerow([r["Test_Time"], r["Voltage"], r["Current"], int(r["Cycle_Index"]) - 2, r["Step_Index"], state,
                        repr(qd - qc), r["Charge_Capacity"], r["Discharge_Capacity"], repr((ed - ec) * 3600.0),
                        r["Temperature"]])
    print(f"wrote {out}: {len(rows)} records")


if __name__ == "__main__":
    main()
