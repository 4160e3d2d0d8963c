import json

import numpy as np
import pytest

from cellworks.cli import main

from .conftest import CIRCUIT, DATA, DOC_UNWEIGHTED


def _run(capsys, args):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


GUESS_TEXT = ".01,.01,100,.01,.05,100,1"


def test_fit_with_initial_is_the_local_fit_and_notes_the_global_optimum(capsys):
    # issue 17 Done-when, first line
    code, out, err = _run(capsys, ["eis", "fit", str(DATA / "exampleData.csv"), "--circuit", CIRCUIT, "--initial",
                                   GUESS_TEXT, "--drop-positive-imag", "--json"])
    assert code == 0
    res = json.loads(out)
    assert res["n_points"] == 57 and res["answer"] == "local fit from the initial guess"
    for name, doc in DOC_UNWEIGHTED.items():
        if name == "Wo1_1":
            assert abs(res["parameters"][name] - doc) <= res["stderr"][name]  # within one standard error
        else:
            assert res["parameters"][name] == pytest.approx(doc, rel=0.01)
    assert res["chi2"] <= 1.94302e-5  # impedance.py 1.7.1's chi2 from the same guess
    assert res["global_optimum"]["chi2"] == pytest.approx(1.40314e-5, rel=0.01)
    assert err.count("\n") == 1 and err.startswith("note: the multi-start search found chi2 = 1.40314e-05")
    # --no-search: the same answer, no note, no global optimum
    code, out, err = _run(capsys, ["eis", "fit", str(DATA / "exampleData.csv"), "--circuit", CIRCUIT, "--initial",
                                   GUESS_TEXT, "--drop-positive-imag", "--json", "--no-search"])
    assert code == 0 and err == ""
    alone = json.loads(out)
    assert "global_optimum" not in alone and alone["chi2"] == pytest.approx(res["chi2"], rel=1e-9)


def test_fit_without_initial_answers_the_search_result(capsys):
    code, out, err = _run(capsys, ["eis", "fit", str(DATA / "exampleData.csv"), "--circuit", CIRCUIT,
                                   "--drop-positive-imag", "--json"])
    assert code == 0 and err == ""
    res = json.loads(out)
    assert res["answer"] == "multi-start search" and res["chi2"] == pytest.approx(1.40314e-5, rel=0.01)


def test_fit_text_output_flags_undetermined_parameters(capsys):
    code, out, _ = _run(capsys, ["eis", "fit", str(DATA / "lili_tegdme_02_GEIS_C05.mpr"), "--circuit",
                                 "R0-p(R1,CPE1)-W1", "--cycle", "1"])
    assert code == 0
    assert "n/a (at lower bound)" in out and "over-parameterised for 9 points" in out


def _cut(tmp_path, name, edit):
    lines = (DATA / "exampleData.csv").read_text().splitlines()
    edit(lines)
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n")
    return p


def test_truncated_value_and_four_field_row_exit_2_naming_the_line(capsys, tmp_path):
    # issue 17 Done-when, last line: '-3.7' style cut of the final value, and a row with a fourth field
    def cut_last(lines):
        lines[-1] = lines[-1][: lines[-1].rindex(",") + 6]

    def four_fields(lines):
        lines[9] += ",0.5"

    for name, edit, line in (("cut.csv", cut_last, 66), ("four.csv", four_fields, 10)):
        p = _cut(tmp_path, name, edit)
        code, out, err = _run(capsys, ["eis", "fit", str(p), "--circuit", "R0-p(R1,C1)"])
        assert code == 2 and out == "" and err.count("\n") == 1, err
        assert f"line {line}" in err and name in err
    code, out, err = _run(capsys, ["eis", "validate", str(tmp_path / "cut.csv"), "--allow-truncated", "--json"])
    assert code == 0 and "line 66 is cut off and was dropped" in err
    assert len(json.loads(out)["residual_real"]) == 65


def test_drt_command_round_trip(capsys, tmp_path):
    from cellworks.eis.drt_models import rc_impedance
    from cellworks.eis.export import write_spectrum

    f = np.logspace(5, -2, 71)
    rng = np.random.default_rng(17)
    z0 = 10 + rc_impedance(f, 20, 1e-3) + rc_impedance(f, 30, 1.0)
    z = z0 + 0.01 * np.abs(z0) * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
    p = write_spectrum(tmp_path / "two_rc.csv", f, z)
    png = tmp_path / "drt.png"
    code, out, _ = _run(capsys, ["eis", "drt", str(p), "--json", "--plot", str(png)])
    assert code == 0 and png.stat().st_size > 10000
    res = json.loads(out)
    # round trip (Done-when): exactly two peaks, τ within 10 %, R within 5 %
    assert [round(pk["tau_s"], 4) for pk in res["peaks"]] == pytest.approx([1e-3, 1.0], rel=0.1)
    assert [pk["R_Ohm"] for pk in res["peaks"]] == pytest.approx([20.0, 30.0], rel=0.05)
    assert res["lambda_method"] == "L-curve corner"


def test_series_of_the_geis_loops(capsys, tmp_path):
    png, table = tmp_path / "series.png", tmp_path / "series.csv"
    code, out, err = _run(capsys, ["eis", "series", str(DATA / "lili_tegdme_02_GEIS_C05.mpr"), "--circuit",
                                   "R0-p(R1,CPE1)-W1", "--json", "--plot", str(png), "--csv", str(table),
                                   "--starts", "4"])
    assert code == 0
    res = json.loads(out)
    assert res["n_spectra"] == 45 and all("parameters" in s for s in res["spectra"])
    # every spectrum failing Lin-KK is marked, and said so on stderr
    bad = [s["label"] for s in res["spectra"] if not s["kk_valid"]]
    assert res["n_kk_invalid"] == len(bad) and all(s["status"] == "fitted (fails Lin-KK)" for s in res["spectra"]
                                                   if not s["kk_valid"])
    assert ("fail Lin-KK" in err) == bool(bad)
    assert png.stat().st_size > 20000 and len(table.read_text().splitlines()) == 46


def test_series_of_a_folder_in_number_order(capsys, tmp_path):
    from cellworks.eis.export import write_spectrum

    f = np.logspace(4, -1, 30)
    for k in (1, 2, 10):
        write_spectrum(tmp_path / f"cell_{k}.csv", f, 5 + 10 * k / (1 + 2j * np.pi * f * 1e-3))
    code, out, _ = _run(capsys, ["eis", "series", str(tmp_path), "--circuit", "R0-p(R1,C1)", "--json"])
    assert code == 0
    res = json.loads(out)
    assert [s["label"] for s in res["spectra"]] == ["cell_1.csv", "cell_2.csv", "cell_10.csv"]
    assert [s["parameters"]["R1"] for s in res["spectra"]] == pytest.approx([10, 20, 100], rel=1e-6)


def test_lis_impedance_spectrum_feeds_eis(capsys, tmp_path):
    out_csv = tmp_path / "lis_z.csv"
    code, _, _ = _run(capsys, ["lis", "impedance", "--out", str(out_csv)])
    assert code == 0
    code, out, _ = _run(capsys, ["eis", "drt", str(out_csv), "--json"])
    assert code == 0 and json.loads(out)["peaks"]
    code, out, _ = _run(capsys, ["eis", "fit", str(out_csv), "--circuit", "R0-p(R1,C1)-p(R2,C2)", "--json"])
    assert code == 0 and json.loads(out)["success"]


@pytest.mark.parametrize("fname", ["exampleDataBioLogic.mpt", "exampleDataGamry.DTA"])
def test_fixtures_load_and_fit(capsys, tmp_path, fname):
    png = tmp_path / "fit.png"
    code, out, _ = _run(capsys, ["eis", "fit", str(DATA / fname), "--circuit", "R0-p(R1,CPE1)", "--json",
                                 "--starts", "4", "--plot", str(png)])
    assert code == 0
    res = json.loads(out)
    assert res["success"] and all(v > 0 for v in res["parameters"].values())
    assert png.stat().st_size > 1000


def test_bad_spectrum_exit_code_2_one_line(capsys, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_text("1,2,-3\n2,x,-4\n3,1,-1\n")
    code, out, err = _run(capsys, ["eis", "fit", str(p), "--circuit", "R0-p(R1,C1)"])
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "line 2" in err
    p.write_text("1,2,-3\n2,,-4\n")
    code, _, err = _run(capsys, ["eis", "validate", str(p), "--json"])
    assert code == 2 and "line 2" in err and err.count("\n") == 1


def test_bad_circuit_exit_code_2(capsys):
    code, _, err = _run(capsys, ["eis", "fit", str(DATA / "exampleData.csv"), "--circuit", "R0-p(R1,Q1)"])
    assert code == 2 and "Q1" in err


def test_validate_json(capsys):
    code, out, _ = _run(capsys, ["eis", "validate", str(DATA / "exampleData.csv"), "--json"])
    assert code == 0
    res = json.loads(out)
    assert res["valid"] is True and res["n_rc"] >= 1 and len(res["residual_real"]) == 66


def test_simulate_csv(capsys):
    code, out, _ = _run(capsys, ["eis", "simulate", "--circuit", "R0-p(R1,C1)", "--params", "1,10,1e-3",
                                 "--f-min", "1", "--f-max", "100", "--per-decade", "1"])
    assert code == 0
    rows = [r.split(",") for r in out.strip().splitlines()]
    assert len(rows) == 3 and float(rows[0][0]) == pytest.approx(100)


def test_mpr_with_several_sweeps_fits_the_chosen_cycle(capsys):
    pytest.importorskip("cellworks.cycling.readers.biologic")
    code, out, err = _run(capsys, ["eis", "fit", str(DATA / "lili_tegdme_02_GEIS_C05.mpr"), "--circuit",
                                   "R0-p(R1,CPE1)", "--cycle", "3", "--json", "--starts", "8"])
    assert code == 0
    res = json.loads(out)
    assert res["cycle"] == 3 and res["n_cycles"] == 45 and res["n_points"] == 9


def test_cli_states_the_same_note_factor_as_the_fit():
    # the CLI keeps its own copy (its --help is built without importing NumPy); they must agree
    from cellworks.eis.cli.fit import GLOBAL_NOTE_FACTOR as cli_factor
    from cellworks.eis.fitting import GLOBAL_NOTE_FACTOR

    assert cli_factor == GLOBAL_NOTE_FACTOR
