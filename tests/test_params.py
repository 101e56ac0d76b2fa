"""Parameter registry, validation, scenario files and overrides (dmi_sim.params).

Every bad input must raise ``ParameterError`` (a ``ValueError``) whose one-line message
names where the value came from (file or "overrides"), the key, the value and what is
allowed. Tests build expected messages from the registry, never from default numbers.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from dmi_sim import ParameterError, load_params, scenario_names, simulate
from dmi_sim.params import PARAMETERS, SCENARIO_DIR, Params, read_scenario, validate_value

SMALL = {"space.width": 20, "space.height": 20}


def _message(excinfo: pytest.ExceptionInfo) -> str:
    msg = str(excinfo.value)
    assert "\n" not in msg, f"message is not one line: {msg!r}"
    return msg


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the registry ---------------------------------------------------------------------------
def test_parameter_error_is_a_value_error():
    assert issubclass(ParameterError, ValueError)


def test_registry_keys_are_dotted_and_match_their_spec():
    assert len(PARAMETERS) > 50
    for key, spec in PARAMETERS.items():
        assert spec.key == key
        section, _, name = key.partition(".")
        assert section and name, key
        assert spec.kind in {"float", "int", "bool", "choice"}, key


@pytest.mark.parametrize("key", sorted(PARAMETERS))
def test_registry_entry_is_documented_and_default_is_valid(key):
    spec = PARAMETERS[key]
    assert spec.doc.strip(), f"{key}: no doc"
    assert spec.source.strip(), f"{key}: no source or reason"
    if spec.kind in ("float", "int"):
        assert spec.unit.strip(), f"{key}: no unit"
        assert spec.low is not None and spec.high is not None, key
        assert spec.low <= spec.high, key
        assert not isinstance(spec.default, bool), key
        assert spec.low <= spec.default <= spec.high, (
            f"{key}: default {spec.default} outside [{spec.low}, {spec.high}]"
        )
        if spec.kind == "int":
            assert isinstance(spec.default, int), key
            assert float(spec.low).is_integer() and float(spec.high).is_integer(), key
        else:
            assert isinstance(spec.default, float), f"{key}: float parameter with int default"
    elif spec.kind == "choice":
        assert len(spec.choices) >= 2, key
        assert spec.default in spec.choices, key
    else:
        assert isinstance(spec.default, bool), key
    # The default passes the validator unchanged.
    assert validate_value(key, spec.default, "registry") == spec.default


def test_strategy_choices_cover_every_policy():
    from dmi_sim.model.policies import POLICIES

    assert set(PARAMETERS["policy.strategy"].choices) == set(POLICIES)


def test_defaults_load_and_every_value_has_its_declared_type():
    params = load_params("baseline")
    assert set(params.values) == set(PARAMETERS)
    for key, value in params.values.items():
        _assert_declared_type(key, value)


def _assert_declared_type(key, value):
    kind = PARAMETERS[key].kind
    if kind == "int":
        assert type(value) is int, f"{key} = {value!r} is not an int"
    elif kind == "float":
        assert type(value) is float, f"{key} = {value!r} is not a float"
    elif kind == "bool":
        assert type(value) is bool, key
    else:
        assert value in PARAMETERS[key].choices, key


def test_section_strips_the_prefix():
    params = load_params("baseline")
    police = params.section("police")
    assert police["officers"] == params["police.officers"]
    assert set(police) == {k.split(".", 1)[1] for k in PARAMETERS if k.startswith("police.")}


# --- scenarios ------------------------------------------------------------------------------
def test_shipped_scenarios_are_listed():
    names = scenario_names()
    assert names == sorted(names)
    assert names == sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
    for needed in ("baseline", "crackdown", "dmi", "dmi_no_community"):
        assert needed in names


@pytest.mark.parametrize("name", scenario_names())
def test_every_scenario_loads_and_runs(name):
    params = load_params(name)
    assert params.scenario == name
    for key, value in params.values.items():
        _assert_declared_type(key, value)
    # Every key a scenario file sets is a registered key with its value taken over.
    for key, value in read_scenario(name).items():
        assert params[key] == value
    # A few days on a small grid with the policy switched on at once.
    res = simulate(name, seed=1, days=30, overrides={**SMALL, "run.intervention_start": 5})
    assert len(res.timeseries) == 30
    assert res.params["policy.strategy"] == params["policy.strategy"]


def test_scenario_sets_its_strategy():
    for name in ("crackdown", "dmi", "hotspot", "crackdown_then_dmi"):
        if name in scenario_names():
            assert load_params(name)["policy.strategy"] == name


def test_extends_inherits_and_overrides():
    base, child = load_params("dmi"), load_params("dmi_no_community")
    assert base["dmi.community"] is True
    assert child["dmi.community"] is False
    differing = {k for k in PARAMETERS if base[k] != child[k]}
    assert differing == {"dmi.community"}
    assert child["policy.strategy"] == "dmi"


def test_extends_from_a_user_file(tmp_path):
    path = _write(tmp_path, "mine.toml", 'extends = "dmi"\n[police]\nofficers = 7\n')
    params = load_params(path)
    assert params["policy.strategy"] == "dmi"
    assert params["police.officers"] == 7
    assert params["dmi.credible_case_share"] == load_params("dmi")["dmi.credible_case_share"]
    assert params.scenario == "mine"


def test_extends_unknown_scenario_names_the_file_that_extends_it(tmp_path):
    path = _write(tmp_path, "orphan.toml", 'extends = "no_such_base"\n')
    child = _write(tmp_path, "child.toml", f'extends = "{path.as_posix()}"\n')
    with pytest.raises(ParameterError) as excinfo:
        load_params(child)
    assert _message(excinfo).startswith(f"{path}: extends: unknown scenario 'no_such_base'")


@pytest.mark.parametrize("value", ["3", "true", '""', '["dmi"]'])
def test_extends_must_name_a_scenario(tmp_path, value):
    path = _write(tmp_path, "odd.toml", f"extends = {value}\n")
    with pytest.raises(ParameterError) as excinfo:
        load_params(path)
    assert _message(excinfo).startswith(f"{path}: extends = ")
    assert _message(excinfo).endswith(
        "is invalid; allowed: a scenario name or a path to a .toml file"
    )


def test_a_non_utf8_scenario_is_one_line(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"[police]\n# \xe9quipe\nofficers = 5\n")
    with pytest.raises(ParameterError) as excinfo:
        load_params(path)
    assert _message(excinfo) == (
        f"{path}: not UTF-8 text (byte 11 is 0xe9); allowed: a TOML file, which is UTF-8"
    )


def test_cyclic_extends_is_a_parameter_error(tmp_path):
    """A file that extends itself must give a ParameterError, not a RecursionError."""
    path = tmp_path / "loop.toml"
    path.write_text(f'extends = "{path.as_posix()}"\n', encoding="utf-8")
    with pytest.raises(ParameterError) as excinfo:
        load_params(path)
    assert "loop.toml" in _message(excinfo)


def test_unknown_scenario_name():
    with pytest.raises(ParameterError) as excinfo:
        load_params("dmii")
    msg = _message(excinfo)
    assert "dmii" in msg
    assert "'dmi'" in msg  # suggestion and / or the list of allowed names
    assert "baseline" in msg


def test_missing_scenario_file(tmp_path):
    with pytest.raises(ParameterError) as excinfo:
        load_params(tmp_path / "absent.toml")
    assert "absent.toml" in _message(excinfo)


def test_invalid_toml(tmp_path):
    path = _write(tmp_path, "broken.toml", "[police\nofficers = = 3\n")
    with pytest.raises(ParameterError) as excinfo:
        load_params(path)
    msg = _message(excinfo)
    assert str(path) in msg
    assert "TOML" in msg


def test_unknown_key_in_file_names_file_key_and_suggestion(tmp_path):
    path = _write(tmp_path, "typo.toml", "[police]\noficers = 3\n")
    with pytest.raises(ParameterError) as excinfo:
        load_params(path)
    msg = _message(excinfo)
    assert str(path) in msg
    assert "police.oficers" in msg
    assert "police.officers" in msg.replace("police.oficers", "")


def test_unknown_override_names_key_and_suggestion():
    with pytest.raises(ParameterError) as excinfo:
        load_params("baseline", {"sellers.pool_sise": 100})
    msg = _message(excinfo)
    assert "overrides" in msg
    assert "sellers.pool_sise" in msg
    assert "sellers.pool_size" in msg


def test_unknown_key_far_from_everything_has_no_bogus_suggestion():
    with pytest.raises(ParameterError) as excinfo:
        load_params("baseline", {"zzz.qqq": 1})
    msg = _message(excinfo)
    assert "zzz.qqq" in msg
    assert "did you mean" not in msg


# --- values ---------------------------------------------------------------------------------
BAD_VALUES = [
    # (key, value) pairs; each is wrong for its declared kind or range.
    ("police.officers", -1),  # below range
    ("police.officers", PARAMETERS["police.officers"].high + 1),  # above range
    ("sellers.margin", PARAMETERS["sellers.margin"].high + 0.5),
    ("sellers.margin", PARAMETERS["sellers.margin"].low - 0.01),
    ("police.officers", "4"),  # string for a number
    ("sellers.margin", "0.5"),
    ("police.officers", 2.5),  # float for an int
    ("police.officers", True),  # bool for a number
    ("sellers.margin", False),
    ("dmi.community", 1),  # number for a bool
    ("dmi.community", "true"),
    ("policy.strategy", "zero_tolerance"),  # not a choice
    ("policy.strategy", 1),
    ("sellers.margin", None),
    ("sellers.margin", [0.5]),
]


@pytest.mark.parametrize(("key", "value"), BAD_VALUES)
def test_bad_override_names_origin_key_value_and_allowed(key, value):
    spec = PARAMETERS[key]
    with pytest.raises(ParameterError) as excinfo:
        load_params("baseline", {key: value})
    msg = _message(excinfo)
    assert msg.startswith("overrides"), msg
    assert key in msg
    assert repr(value) in msg
    assert spec.allowed() in msg
    if spec.kind in ("float", "int"):
        assert spec.unit in msg
        assert "[" in msg and "]" in msg
    if spec.kind == "choice":
        for choice in spec.choices:
            assert choice in msg


def test_allowed_states_the_range():
    spec = PARAMETERS["sellers.margin"]
    text = spec.allowed()
    assert f"[{spec.low:g}, {spec.high:g}]" in text and spec.unit in text
    ispec = PARAMETERS["police.officers"]
    assert f"[{int(ispec.low)}, {int(ispec.high)}]" in ispec.allowed()
    assert "integer" in ispec.allowed()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("sellers.margin", math.nan),
        ("sellers.margin", math.inf),
        ("police.arrest_productivity", -math.inf),
        ("police.officers", math.nan),
        ("police.officers", math.inf),
    ],
)
def test_non_finite_numbers_are_parameter_errors(key, value):
    """NaN passes every range comparison; it must still be rejected (as a ParameterError)."""
    with pytest.raises(ParameterError) as excinfo:
        load_params("baseline", {key: value})
    assert key in _message(excinfo)


def test_bad_value_in_scenario_file_names_the_file(tmp_path):
    path = _write(tmp_path, "bad.toml", "[sellers]\nmargin = 7.5\n")
    with pytest.raises(ParameterError) as excinfo:
        load_params(path)
    msg = _message(excinfo)
    assert msg.startswith(str(path))
    assert "sellers.margin" in msg and "7.5" in msg
    assert PARAMETERS["sellers.margin"].allowed() in msg


def test_wrong_type_in_scenario_file(tmp_path):
    path = _write(tmp_path, "types.toml", '[police]\nofficers = "four"\n')
    with pytest.raises(ParameterError) as excinfo:
        load_params(path)
    msg = _message(excinfo)
    assert str(path) in msg and "police.officers" in msg and "'four'" in msg


def test_overrides_are_converted_to_declared_types():
    params = load_params("baseline", {"sellers.margin": 1, "police.officers": 6})
    assert params["sellers.margin"] == 1.0 and type(params["sellers.margin"]) is float
    assert params["police.officers"] == 6 and type(params["police.officers"]) is int


def test_integral_float_for_an_int_never_leaks_a_float():
    """3.0 for an integer parameter is either refused or stored as the int 3."""
    try:
        params = load_params("baseline", {"police.officers": 3.0})
    except ParameterError as err:
        assert "police.officers" in str(err)
    else:
        assert type(params["police.officers"]) is int and params["police.officers"] == 3


def test_overrides_apply_on_top_of_the_scenario():
    params = load_params("dmi", {"dmi.follow_through": 0.25, "police.officers": 9})
    assert params["dmi.follow_through"] == 0.25
    assert params["police.officers"] == 9
    assert params["policy.strategy"] == "dmi"


def test_params_replace_validates_and_does_not_mutate():
    params = load_params("baseline")
    before = dict(params.values)
    new = params.replace({"police.officers": 11})
    assert isinstance(new, Params)
    assert new["police.officers"] == 11
    assert params.values == before
    with pytest.raises(ParameterError):
        params.replace({"police.officers": -3})
    assert params.values == before


def test_range_edges_are_allowed():
    for key in ("sellers.margin", "police.officers", "sellers.high_risk_share"):
        spec = PARAMETERS[key]
        for edge in (spec.low, spec.high):
            value = int(edge) if spec.kind == "int" else float(edge)
            assert validate_value(key, value, "edge") == value


# --- cross-key constraints ------------------------------------------------------------------
def test_initial_active_cannot_exceed_pool():
    pool = 40
    with pytest.raises(ParameterError) as excinfo:
        load_params("baseline", {"sellers.pool_size": pool, "sellers.initial_active": pool + 1})
    msg = _message(excinfo)
    assert "sellers.initial_active" in msg and "sellers.pool_size" in msg
    assert str(pool + 1) in msg and str(pool) in msg
    # Equal is fine.
    ok = load_params("baseline", {"sellers.pool_size": pool, "sellers.initial_active": pool})
    assert ok["sellers.initial_active"] == pool


def test_initial_active_constraint_checked_in_files(tmp_path):
    path = _write(tmp_path, "toobig.toml", "[sellers]\npool_size = 10\ninitial_active = 11\n")
    with pytest.raises(ParameterError) as excinfo:
        load_params(path)
    msg = _message(excinfo)
    assert str(path) in msg and "sellers.initial_active" in msg


def test_market_must_fit_the_grid():
    with pytest.raises(ParameterError) as excinfo:
        load_params(
            "baseline",
            {
                "space.width": 12,
                "space.height": 12,
                "space.market_size": 6,
                "space.catchment_width": 4,
            },
        )
    msg = _message(excinfo)
    assert "space.market_size" in msg and "space.catchment_width" in msg
    load_params(
        "baseline",
        {"space.width": 12, "space.height": 12, "space.market_size": 4, "space.catchment_width": 3},
    )  # 4 + 6 + 2 = 12 fits
