"""Every written table matches sim/output_tables.py; docs/outputs.md is current; the Mesa
face reports the same numbers as the engine's outputs; `--outputs` errors are clear."""

from __future__ import annotations

from pathlib import Path

import mesa
import pandas as pd
import pytest

from sim.agents import Group, Resident
from sim.cli import main
from sim.engine import simulate
from sim.logs import Extras
from sim.model import NeighbourhoodModel
from sim.output_tables import TABLES, reference
from sim.scenario import Scenario
from tests.tiny import TINY_SCENARIO


def test_outputs_reference_is_up_to_date():
    committed = Path("docs/outputs.md").read_text(encoding="utf-8")
    assert committed == reference(), (
        "docs/outputs.md is stale: run `uv run python -m sim.output_tables > docs/outputs.md`"
    )


def test_every_written_table_has_exactly_the_documented_columns(tmp_path, capsys):
    scn = tmp_path / "tiny.toml"
    scn.write_text(TINY_SCENARIO, encoding="utf-8")
    out = tmp_path / "out"
    argv = ["run", str(scn), "--out", str(out), "--no-plot", "--outputs", "all"]
    assert main([*argv, "--panel-size", "30", "--panel-every", "10"]) == 0
    written = {p.name for p in out.glob("*.parquet")}
    documented = {t.file for t in TABLES.values()}
    assert written == documented
    for name, table in TABLES.items():
        if name == "group_totals":
            continue
        cols = list(pd.read_parquet(out / table.file).columns)
        expected = list(table.columns)
        if name == "groups":
            expected += list(TABLES["group_totals"].columns)
        assert cols == expected, f"{table.file}: columns differ from sim/output_tables.py"
    assert "group_weeks" in capsys.readouterr().out


@pytest.mark.parametrize("value", ["groups,bogus", "panels", ","])
def test_bad_outputs_value_is_a_clear_error(tmp_path, capsys, value):
    out = tmp_path / "out"
    if value == ",":  # nothing chosen is allowed: no extras
        scn = tmp_path / "tiny.toml"
        scn.write_text(TINY_SCENARIO, encoding="utf-8")
        assert main(["run", str(scn), "--out", str(out), "--no-plot", "--outputs", value]) == 0
        assert not (out / "panel.parquet").exists()
        return
    with pytest.raises(SystemExit) as e:
        main(["run", "baseline", "--out", str(out), "--outputs", value])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "--outputs" in err and "allowed: groups, incidents, panel" in err
    assert "Traceback" not in err and not out.exists()


# --------------------------------------------------------------------------- Mesa face

SMALL = Scenario(days=40, burn_in_days=0)


@pytest.fixture(scope="module")
def model():
    m = NeighbourhoodModel(SMALL, rng=9, collect=("groups", "residents"))
    m.run_for(45)  # five days past the end: nothing happens
    return m


def test_model_collects_at_t0_and_stops_at_the_end(model):
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == SMALL.days + 1 and model.engine.day == SMALL.days and not model.running
    assert df["crimes"].iloc[0] == 0 and df["members"].iloc[0] > 0
    cli = simulate(SMALL, seed=9)
    assert (df["crimes"].iloc[1:].to_numpy() == cli.daily["crimes"].to_numpy()).all()
    assert isinstance(model.scenario, mesa.experimental.scenarios.Scenario)
    assert model.spec is SMALL


def test_group_series_are_the_engine_outputs(model):
    groups = model.datacollector.get_agenttype_vars_dataframe(Group)
    last = groups.xs(float(SMALL.days), level="Step").set_index("group")
    out = simulate(SMALL, seed=9, extras=Extras(groups=True))
    totals = out.groups.set_index("group")
    for name in ("alerts", "joins", "leaves", "arrests", "calls_112", "chatter"):
        assert (last[name] == totals[f"total_{name}"]).all(), name
    assert (last["members"] == totals["members"]).all()
    weeks = out.extras["group_weeks"]
    after_two_weeks = groups.xs(14.0, level="Step").set_index("group")["alerts"]
    by_week = weeks[weeks["week"] < 2].groupby("group_name")["alerts"].sum()
    assert (after_two_weeks == by_week.reindex(after_two_weeks.index)).all()


def test_resident_series_are_the_panel(model):
    res = model.datacollector.get_agenttype_vars_dataframe(Resident)
    out = simulate(SMALL, seed=9, extras=Extras(panel=True, panel_every=10))
    panel = out.extras["panel"]
    ids = {a.unique_id: a.index for a in model.residents}
    day20 = res.xs(21.0, level="Step")  # step k holds the end of day k - 1
    day20 = day20.set_axis([ids[u] for u in day20.index]).sort_index()
    p = panel[panel["day"] == 20].set_index("resident")
    assert (day20.loc[p.index, "worry"] == p["worry"]).all()
    assert (day20.loc[p.index, "is_member"] == p["member"]).all()


def test_agents_write_the_engine_arrays():
    m = NeighbourhoodModel(SMALL, rng=1)
    st = m.engine.state
    a = m.residents[0]
    a.worry = 0.9
    assert st.worry[0] == 0.9 and a.worry == 0.9
    with pytest.raises(ValueError, match="worry must be between 0 and 1"):
        a.worry = 1.5
    covered = next(r for r in m.residents if st.resident_group[r.index] >= 0 and not r.is_member)
    before = st.members_per_group.sum()
    covered.is_member = True
    assert st.member[covered.index] and st.members_per_group.sum() == before + 1
    covered.is_member = False
    assert st.members_per_group.sum() == before
    uncovered = next((r for r in m.residents if st.resident_group[r.index] < 0), None)
    if uncovered is not None:
        with pytest.raises(ValueError, match="without an app group"):
            uncovered.is_member = True
    assert m.grid[covered.index] is covered.cell


def test_the_face_uses_no_private_mesa_attributes():
    for path in ("sim/model.py", "sim/agents.py"):
        assert "._cells" not in Path(path).read_text(encoding="utf-8")


def test_panel_options_without_the_panel_are_an_error(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", "baseline", "--out", str(out), "--panel-size", "10"]) == 2
    err = capsys.readouterr().err
    assert "--panel-size applies to the panel only: add --outputs panel" in err
    assert not out.exists()
