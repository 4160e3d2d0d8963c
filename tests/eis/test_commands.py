import json

import pytest

from cellworks.cli import main

from .conftest import CIRCUIT, DATA, DOC_UNWEIGHTED


def _run(capsys, args):
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_fit_json_matches_documented_local_fit(capsys):
    code, out, _ = _run(capsys, ["eis", "fit", str(DATA / "exampleData.csv"), "--circuit", CIRCUIT, "--initial",
                                 ".01,.01,100,.01,.05,100,1", "--drop-positive-imag", "--json", "--starts", "1"])
    assert code == 0
    res = json.loads(out)
    assert res["n_points"] == 57
    for name, doc in DOC_UNWEIGHTED.items():
        assert res["parameters"][name] == pytest.approx(doc, rel=0.025 if name == "Wo1_1" else 0.01)


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
