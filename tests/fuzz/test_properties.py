"""Hypothesis properties of the parsers and helpers every command relies on (in-process, fast):
whatever the text, an InputError or a result — never another exception, never unbounded work."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cellworks._text import filter_stream_text, safe_text
from cellworks.errors import InputError, ProtocolError, ProtocolLimitError
from cellworks.protocol import parse_protocol
from cellworks.textnum import truncated_tail
from cellworks.units import parse_quantity

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = ["Discharge", "Charge", "Rest", "Hold", "at", "for", "until", "or", "A", "mA", "uA", "V", "mV", "W",
         "Ohm", "C", "C/20", "A/g", "mA/cm2", "s", "min", "hours", "mAh", "(", ")", "*", ",", ";", "\n",
         "1", "0", "-1", "1e400", "1e-400", "2.5", "99999999999999999999", "inf", "nan", "\x1b", "é", " "]

texts = st.lists(st.sampled_from(WORDS), max_size=40).map(" ".join) | st.text(max_size=200)


@SETTINGS
@given(texts)
def test_protocol_parser_raises_only_protocol_errors(text: str) -> None:
    try:
        p = parse_protocol(text)
    except ProtocolError as exc:
        assert "\n" not in exc.one_line() and "\x1b" not in exc.one_line()
        return
    except InputError:  # an environment limit named in one line
        return
    assert 1 <= len(p) <= 100_000
    for step in p.steps:
        assert step.value >= 0 and (step.duration_s is None or step.duration_s > 0)


step = st.sampled_from(["Rest for 1 s", "Discharge at 1 A until 2 V", "Charge at C/2 for 10 minutes"])


@st.composite
def nested(draw: st.DrawFn, depth: int = 0) -> tuple[str, int]:
    """A nested repeat expression and its exact expanded step count."""
    if depth >= 4 or draw(st.booleans()):
        return draw(step), 1
    items = [draw(nested(depth + 1)) for _ in range(draw(st.integers(1, 3)))]
    n = draw(st.sampled_from([1, 2, 7, 1000, 10**6, 10**20]))
    text = "(" + ", ".join(t for t, _ in items) + f") * {n}"
    return text, n * sum(c for _, c in items)


@SETTINGS
@given(nested())
def test_repeats_are_counted_exactly_before_expansion(case: tuple[str, int]) -> None:
    text, count = case
    tracemalloc.start()
    try:
        try:
            p = parse_protocol(text)
            assert len(p) == count
        except ProtocolLimitError:
            assert count > 100_000
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # a refused protocol costs nothing; an accepted one at most its expansion (≤ 10^5 references)
    assert peak < 30e6


@SETTINGS
@given(st.text(max_size=60))
def test_quantities_raise_only_input_errors(text: str) -> None:
    try:
        q = parse_quantity(text)
    except InputError:
        return
    assert q.value == q.value and abs(q.value) != float("inf")


@SETTINGS
@given(st.lists(st.lists(st.text(alphabet="0123456789.eE+-, ", max_size=12), max_size=6), max_size=30))
def test_truncation_detector_never_raises(rows: list[list[str]]) -> None:
    reason = truncated_tail(rows)
    assert reason is None or isinstance(reason, str)


@SETTINGS
@given(st.text(max_size=200))
def test_safe_text_leaves_no_control_character(text: str) -> None:
    for out in (safe_text(text), safe_text(text, one_line=True), filter_stream_text(text, tty=False)):
        assert not any(ord(c) < 32 and c not in "\t\n" for c in out)
        assert not any(0x7F <= ord(c) <= 0x9F for c in out)
    assert "\n" not in safe_text(text, one_line=True)
    assert "\n" not in InputError(text, file=text, token=text).one_line()


DATA = Path(__file__).resolve().parents[1] / "data"
EIS_CSV = (DATA / "eis" / "exampleData.csv").read_bytes()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(EIS_CSV)), st.binary(max_size=8), st.integers(0, len(EIS_CSV)))
def test_eis_csv_reader_on_edited_bytes(tmp_path_factory, cut: int, junk: bytes, at: int) -> None:  # type: ignore[no-untyped-def]
    from cellworks.eis.readers import read_spectrum

    data = EIS_CSV[:at] + junk + EIS_CSV[at:cut] if at < cut else EIS_CSV[:cut]
    path = tmp_path_factory.mktemp("eis") / "x.csv"
    path.write_bytes(data)
    try:
        spec = read_spectrum(path)
    except InputError as exc:
        assert "\n" not in exc.one_line()
        return
    assert len(spec.freq_Hz) == len(spec.Z_Ohm) > 0


CYCLER_TEXT = {name: (DATA / "cycling" / name).read_bytes() for name in ("maccor_example.001", "exampleDataBioLogic.mpt")}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(CYCLER_TEXT)), st.floats(0, 1), st.binary(max_size=8), st.floats(0, 1))
def test_cycler_text_readers_on_edited_bytes(tmp_path_factory, name: str, cut_f: float, junk: bytes,  # type: ignore[no-untyped-def]
                                             at_f: float) -> None:
    from cellworks.cycling.readers import read

    raw = CYCLER_TEXT[name]
    cut, at = int(cut_f * len(raw)), int(at_f * len(raw))
    data = raw[:at] + junk + raw[at:cut] if at < cut else raw[:cut]
    path = tmp_path_factory.mktemp("cyc") / name
    path.write_bytes(data)
    try:
        read(path)
    except InputError as exc:
        assert "\n" not in exc.one_line()
