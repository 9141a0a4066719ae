"""Calibration 2.0 plumbing: stopping rule, structures and model selection, comparison of
independent runs, the decomposition's distribution and verdicts, the joint check and the
refusal to install a calibration that fails it."""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calibrate.chains import compare_runs
from sim.calibrate.decompose import contributions, distribution, headline
from sim.calibrate.joint import INSTALL_THRESHOLD, conflicts, joint_check, met_matrix
from sim.calibrate.priors import load_priors
from sim.calibrate.sampling import Generation, StoppingRule, run_abc_smc
from sim.calibrate.structures import StructuresError, check_structures, load_structures
from sim.calibrate.targets import load_targets
from sim.cli import main
from tests.calibrate.kernel_checks import assert_draws_follow, density_on_the_prior_box

DATA = Path(__file__).parent / "data"

pytestmark = [
    pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning"),
    pytest.mark.filterwarnings("ignore::FutureWarning:pyabc"),
]


def _gens(eps: list[float], acc: float = 0.3, ess: float = 150) -> list[Generation]:
    return [
        Generation(
            t=t,
            epsilon=e,
            accepted=100,
            simulations=int(100 / acc),
            total_simulations=0,
            acceptance_rate=acc if t else 1.0,
            ess=ess,
            seconds=1.0,
        )
        for t, e in enumerate(eps)
    ]


# --------------------------------------------------------------------------- stopping rule


def test_stopping_rule_waits_while_epsilon_still_falls():
    rule = StoppingRule(plateau_pct=5, plateau_generations=2)
    assert rule.stop_reason(_gens([1e300, 10, 8, 6.4])) is None  # -20 % a generation
    assessed = rule.assess(_gens([1e300, 10, 8, 6.4]))
    assert not assessed["converged"]


def test_stopping_rule_stops_on_a_plateau_and_needs_ess_to_call_it_converged():
    rule = StoppingRule(plateau_pct=5, plateau_generations=2, min_ess=100)
    gens = _gens([1e300, 10, 6, 5.9, 5.8])  # last two generations: -1.7 %, -1.7 %
    assert "plateau" in rule.stop_reason(gens)
    assert rule.assess(gens)["converged"]
    low_ess = _gens([1e300, 10, 6, 5.9, 5.8], ess=40)
    verdict = rule.assess(low_ess)
    assert not verdict["converged"] and not verdict["criteria"]["final ESS ≥ 100"]


def test_stopping_rule_stops_when_acceptance_falls_below_the_floor():
    rule = StoppingRule(min_acceptance=0.02)
    gens = _gens([1e300, 10, 5], acc=0.01)
    assert "acceptance" in rule.stop_reason(gens)
    # one generation of plateau is not enough when two are required
    assert StoppingRule(plateau_generations=2).stop_reason(_gens([1e300, 10, 9.9])) is None


# --------------------------------------------------------------------------- structures


def test_structures_file_is_checked_against_the_scenarios(tmp_path):
    from sim.calibrate.observe import load_calibration_scenarios

    targets = load_targets(DATA / "tiny_targets.toml")
    scenarios = load_calibration_scenarios(targets)
    check_structures(load_structures(DATA / "tiny_structures.toml"), scenarios)
    bad = tmp_path / "s.toml"
    bad.write_text(
        'version = 1\n[structure.x]\ndescription = "x"\n'
        'overrides = { "membership.no_such_field" = 1.0 }\n',
        encoding="utf-8",
    )
    with pytest.raises(StructuresError) as e:
        check_structures(load_structures(bad), scenarios)
    assert str(bad) in str(e.value) and "'x'" in str(e.value) and "no_such_field" in str(e.value)
    with pytest.raises(StructuresError, match="allowed: reference, no_selection"):
        load_structures(DATA / "tiny_structures.toml").select(["nope"])


def test_shipped_structures_fit_the_shipped_calibration_scenarios():
    from sim.calibrate.observe import load_calibration_scenarios

    structures = load_structures()
    assert len(structures.structure) >= 2
    check_structures(structures, load_calibration_scenarios(load_targets()))


def test_model_selection_prefers_the_structure_that_can_reach_the_target(tmp_path):
    """Two structures of a toy model: one can produce the observed value, the other is
    shifted away from it. pyabc's model selection must favour the first."""
    import pyabc

    def reachable(p):
        return {"y": p["a"] + 0.01 * np.random.normal()}

    def shifted(p):
        return {"y": p["a"] + 3.0 + 0.01 * np.random.normal()}

    def distance(x, x0):
        return abs(x["y"] - 0.5)

    prior = pyabc.Distribution(a=pyabc.RV("uniform", 0, 1))
    history = run_abc_smc(
        [reachable, shifted],
        [prior, prior],
        distance,
        {"y": 0.5},
        tmp_path / "abc.db",
        population_size=30,
        budget=200,
        client=None,
        meta={"test": "1"},
        max_generations=3,
        seed=3,
    )
    probs = history.get_model_probabilities(t=history.max_t)["p"]
    assert probs.get(0, 0.0) > 0.9, probs


# --------------------------------------------------------------------------- runs compared


def test_independent_runs_compared_per_parameter():
    priors = load_priors(DATA / "tiny_priors.toml")
    rng = np.random.default_rng(0)
    a = pd.DataFrame(
        {
            "population.worry.mean": rng.uniform(0.2, 0.3, 200),
            "membership.selection_worry": rng.uniform(-1, 0, 200),
            "weight": 1 / 200,
        }
    )
    same = compare_runs([a, a.copy()], priors).set_index("parameter")
    assert same["bhattacharyya"].min() == pytest.approx(1.0)
    assert same["interval_overlap"].min() == pytest.approx(1.0) and same["agree"].all()
    b = a.assign(**{"membership.selection_worry": rng.uniform(1, 2, 200)})
    diff = compare_runs([a, b], priors).set_index("parameter")
    assert diff.loc["membership.selection_worry", "interval_overlap"] == 0
    assert diff.loc["membership.selection_worry", "ks"] == pytest.approx(1.0)
    assert not diff.loc["membership.selection_worry", "agree"]


# --------------------------------------------------------------------------- decomposition


def _gaps(gap, sel_off, exp_off, both_off) -> pd.DataFrame:
    rows = []
    for i, values in enumerate(zip(gap, sel_off, exp_off, both_off, strict=True)):
        for v, x in zip(
            ["calibrated", "selection_off", "exposure_off", "both_off"], values, strict=True
        ):
            rows.append({"draw": i, "variant": v, "measure": "worry_gap", "gap": x})
    return pd.DataFrame(rows)


def test_decomposition_is_a_distribution_over_draws_and_says_undetermined():
    rng = np.random.default_rng(1)
    n = 200
    gap = rng.normal(0.08, 0.02, n)
    # exposure removes most of the gap in every draw; selection's sign varies by draw
    exp_off = gap - rng.normal(0.09, 0.01, n)
    sel_off = gap - rng.normal(0.0, 0.05, n)
    both_off = exp_off - (gap - sel_off)
    gaps = _gaps(gap, sel_off, exp_off, both_off)
    per = contributions(gaps)
    assert len(per) == n
    assert per["exposure:contribution"].to_numpy() == pytest.approx(gap - exp_off)
    dist = distribution(gaps).set_index("mechanism")
    assert dist.loc["exposure", "verdict"] == "widens the gap"
    assert dist.loc["selection", "verdict"] == "undetermined"
    assert dist.loc["selection", "contribution_q05"] < 0 < dist.loc["selection", "contribution_q95"]
    text = headline(distribution(gaps), "reference")
    assert "selection's contribution is **undetermined**" in text
    assert "exposure **widens the gap**" in text and "`reference`" in text


def test_decomposition_says_narrows_when_every_draw_agrees():
    gap = np.full(50, 0.05)
    sel_off = gap + np.linspace(0.02, 0.04, 50)  # switching selection off widens the gap
    gaps = _gaps(gap, sel_off, gap - 0.05, gap)
    dist = distribution(gaps).set_index("mechanism")
    assert dist.loc["selection", "verdict"] == "narrows the gap"
    assert dist.loc["selection", "draws_widening"] == 0


# --------------------------------------------------------------------------- joint check


def _draws(values: list[dict[str, float]]) -> list[dict]:
    return [{"observables": v} for v in values]


def test_joint_check_counts_targets_met_together_and_finds_conflicts():
    targets = load_targets(DATA / "tiny_targets.toml")
    # unsafe in [0.15, 0.35], victims in [0.02, 0.2]: here never both at once
    draws = _draws(
        [{"unsafe": 0.2, "victims": 0.5, "gap": 0.1}] * 5
        + [{"unsafe": 0.5, "victims": 0.1, "gap": 0.1}] * 5
    )
    check = joint_check(draws, targets)
    assert check["share_met"]["unsafe"] == 0.5 and check["share_met"]["victims"] == 0.5
    assert check["share_all_h_met"] == 0.0 and check["share_all_met"] == 0.0
    assert not check["passes"]
    pair = check["conflicting_pairs"][0]
    assert {pair["target_a"], pair["target_b"]} == {"unsafe", "victims"}
    assert pair["phi"] == pytest.approx(-1.0)
    met = met_matrix(draws, targets)
    assert conflicts(met).iloc[0]["met_both"] == 0
    ok = joint_check(_draws([{"unsafe": 0.2, "victims": 0.1, "gap": -0.1}] * 4), targets)
    assert ok["share_all_h_met"] == 1.0 and ok["share_all_met"] == 0.0 and ok["passes"]
    assert math.isclose(ok["install_threshold"], INSTALL_THRESHOLD)


def _finished_calibration(out: Path, share_h: float) -> None:
    res = out / "results"
    (res / "calibrated_scenarios").mkdir(parents=True)
    (res / "calibrated_scenarios" / "calibrated.toml").write_text(
        'extends = "x.toml"\nname = "rotterdam_experiment_calibrated"\n', encoding="utf-8"
    )
    pd.DataFrame({"particle": [0], "weight": [1.0]}).to_parquet(res / "posterior_overrides.parquet")
    check = {
        "draws": 40,
        "h_targets": ["F1", "F2", "F5"],
        "share_all_h_met": share_h,
        "share_met": {"F1": 0.3, "F2": 0.6, "F5": 0.5},
        "install_threshold": INSTALL_THRESHOLD,
        "passes": share_h >= INSTALL_THRESHOLD,
    }
    meta = {
        "primary_file": "rotterdam_experiment.toml",
        "installed_structure": "reference",
        "joint_check": {"reference": check},
    }
    (res / "calibration.json").write_text(json.dumps(meta), encoding="utf-8")


def test_install_refuses_a_calibration_that_fails_the_joint_check(tmp_path, monkeypatch, capsys):
    import sim.calibrate.pipeline as pipeline
    import sim.shipped

    out = tmp_path / "run"
    _finished_calibration(out, share_h=0.1)
    dest = tmp_path / "scenarios"
    dest.mkdir()
    (dest / "calibrated.toml").write_text("# the old one\n", encoding="utf-8")
    monkeypatch.setattr(sim.shipped, "SCENARIO_DIR", dest)
    monkeypatch.setattr(pipeline, "calibrate", lambda settings: out / "results" / "report.md")
    code = main(["calibrate", "--install", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "joint posterior-predictive check fails" in err and "10 %" in err
    assert "--force" in err and "F1 30 %" in err
    assert (dest / "calibrated.toml").read_text(encoding="utf-8") == "# the old one\n"
    assert not (dest / "calibrated_posterior.parquet").exists()
    # forced: installed, with a warning
    code = main(["calibrate", "--install", "--force", "--out", str(out)])
    assert code == 0
    warning = capsys.readouterr().err
    assert "warning: installing although the joint" in warning
    assert "Nothing was installed" not in warning
    installed = (dest / "calibrated.toml").read_text(encoding="utf-8")
    # the file says it was forced and why, in a comment before its first setting
    forced = "# Installed with --force although the joint posterior-predictive check fails"
    assert forced in installed and installed.index(forced) < installed.index("extends = ")
    assert tomllib.loads(installed)["extends"]
    assert (dest / "calibrated_posterior.parquet").exists()


def test_install_accepts_a_calibration_that_passes(tmp_path):
    from sim.calibrate.pipeline import install

    out = tmp_path / "run"
    _finished_calibration(out, share_h=0.8)
    dest = tmp_path / "scenarios"
    dest.mkdir()
    written = install(out, dest_dir=dest)
    assert [p.name for p in written] == ["calibrated.toml", "calibrated_posterior.parquet"]


def test_force_without_install_is_refused(tmp_path, capsys):
    code = main(["calibrate", "--force", "--out", str(tmp_path / "o")])
    assert code == 2 and "--force only makes sense with --install" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _tiny(out: Path, **kw) -> list[str]:
    return [
        "calibrate",
        "--targets",
        str(DATA / "tiny_targets.toml"),
        "--priors",
        str(DATA / "tiny_priors.toml"),
        "--structures",
        str(DATA / "tiny_structures.toml"),
        "--out",
        str(out),
        *[str(a) for k, v in kw.items() for a in (f"--{k.replace('_', '-')}", v)],
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--run", "1", "--install"], "--install and --report-only come afterwards"),
        (["--run", "1", "--report-only"], "--install and --report-only come afterwards"),
        (["--report-only"], "--report-only needs a finished generation of every run"),
    ],
)
def test_run_and_report_only_misuse_is_a_clear_error(tmp_path, capsys, extra, message):
    code = main(_tiny(tmp_path / "o") + extra)
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_run_k_samples_one_run_in_process_and_writes_no_results(tmp_path, capsys):
    """``--run 2 --workers 1``: run 2 alone, in this process, stored in its own database
    (the way two runs go side by side); no results yet, and --run 3 of 2 is refused."""
    out = tmp_path / "o"
    code = main(_tiny(out, run=2, workers=1, budget=30, population=10, runs=2))
    err = capsys.readouterr().err
    assert code == 0, err
    assert (out / "abc-run2.db").exists() and not (out / "abc-run1.db").exists()
    assert not (out / "results").exists()
    assert "write the results with --report-only" in err
    assert main(_tiny(out, run=3, workers=1, runs=2)) == 2
    assert "--run 3: allowed 1 to --runs (2)" in capsys.readouterr().err
    # run 1 is still missing: no report from half the runs
    assert main(_tiny(out, runs=2) + ["--report-only"]) == 2
    assert "missing: abc-run1.db" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.timeout(1500)
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:Port .* is already in use:UserWarning")
def test_whole_calibration_on_a_tiny_problem_writes_every_result(tmp_path):
    """Two runs, two structures, the decomposition per structure, the joint check and the
    point check, end to end on a small neighbourhood."""
    from sim.calibrate.pipeline import CalibrationSettings, calibrate

    settings = CalibrationSettings(
        out=tmp_path / "run",
        targets=DATA / "tiny_targets.toml",
        priors=DATA / "tiny_priors.toml",
        structures=DATA / "tiny_structures.toml",
        budget=40,
        population_size=10,
        workers=2,
        posterior_draws=5,
        runs=2,
        max_generations=3,
        validation_seeds=12,
    )
    report = calibrate(settings)
    res = report.parent
    meta = json.loads((res / "calibration.json").read_text(encoding="utf-8"))
    assert meta["runs"] == 2 and len(meta["convergence"]) == 2
    assert set(meta["structure_probabilities"]) == {"reference", "no_selection"}
    assert sum(meta["structure_probabilities"].values()) == pytest.approx(1.0)
    assert meta["point_check"]["seeds"] == 10
    assert meta["point_validation"]["seeds"] == 12
    validation = pd.read_csv(res / "point_validation.csv")
    assert (validation["seeds"] == 12).all() and validation["pass_probability"].between(0, 1).all()
    text = report.read_text(encoding="utf-8")
    for heading in ("## Convergence", "## Model structures", "## Joint posterior-predictive"):
        assert heading in text
    dist = pd.read_csv(res / "selection_vs_exposure.csv")
    assert set(dist["structure"]) <= {"reference", "no_selection"}
    assert "/tmp" not in text and str(tmp_path) not in (res / "calibration.json").read_text()
    # started again: every run resumes from its database, none starts anew
    again = calibrate(settings)
    assert again == report
    # --report-only: the same runs reported again without sampling; the sampling wall time
    # comes from the databases
    from dataclasses import replace

    sims = json.loads((res / "calibration.json").read_text(encoding="utf-8"))["total_simulations"]
    calibrate(replace(settings, report_only=True))
    meta2 = json.loads((res / "calibration.json").read_text(encoding="utf-8"))
    assert meta2["report_only"] and meta2["total_simulations"] == sims
    assert meta2["timing_seconds"]["abc_seconds"] > 0
    assert "reported from their databases" in (res / "report.md").read_text(encoding="utf-8")


def test_point_check_counts_seeds_meeting_each_target():
    from sim.calibrate.predictive import point_table

    targets = load_targets(DATA / "tiny_targets.toml")
    seeds = [{"unsafe": 0.2, "victims": 0.1, "gap": 0.05}] * 8 + [
        {"unsafe": 0.5, "victims": 0.1, "gap": -0.05}
    ] * 2
    table = point_table(seeds, targets).set_index("target")
    assert table.loc["unsafe", "seeds_met"] == 8 and table.loc["victims", "seeds_met"] == 10
    assert table.loc["gap", "seeds"] == 10 and table.loc["unsafe", "max"] == 0.5


def test_report_says_why_the_installed_point_misses_an_h_target():
    """One parameter (worry) raises the unsafe share and the victimisation share together;
    the draws that meet 'unsafe' (needs worry high) miss 'victims' (needs worry low). The
    account names the side of the miss, the conflicting target and the parameter that ties
    them; a parameter with no effect is not named."""
    from sim.calibrate.joint import why_missed
    from sim.calibrate.predictive import point_table
    from sim.calibrate.report import why_missed_lines

    targets = load_targets(DATA / "tiny_targets.toml")
    rng = np.random.default_rng(2)
    worry = rng.uniform(0, 1, 60)
    # 'shift' acts in another scenario, but the posterior ties it to worry
    posterior = pd.DataFrame({"worry": worry, "noise": rng.uniform(0, 1, 60), "shift": -worry})
    draws = [
        {
            "observables": {"unsafe": 0.05 + 0.3 * w, "victims": 0.05 + 0.3 * w, "gap": 0.1},
            "particle": i,
        }
        for i, w in enumerate(worry)
    ]
    point = point_table([{"unsafe": 0.12, "victims": 0.1, "gap": 0.1}] * 10, targets)
    pars = ["worry", "noise", "shift"]
    met = met_matrix(draws, targets)
    given = (point, draws, posterior, pars, targets, met, conflicts(met))
    assert "shift" in why_missed(*given)[0]["moved_by"]
    rows = why_missed(*given, applies=lambda p, scenario: p != "shift")
    assert [r["target"] for r in rows] == ["unsafe"]  # victims is met at the point
    row = rows[0]
    assert row["side"] == "below" and row["seeds_met"] == 0
    assert row["rival"]["target"] == "victims"
    assert list(row["shared"]) == ["worry"] and set(row["moved_by"]) == {"worry"}
    text = "\n".join(why_missed_lines(rows, "reference"))
    assert "**unsafe**" in text and "below the interval" in text and "`worry`" in text
    assert "conflicts most with victims" in text


def test_a_mechanism_switched_off_by_its_structure_has_no_effect():
    gap = np.full(20, 0.05)
    gaps = _gaps(gap, gap, gap - 0.04, gap - 0.04)  # selection off changes nothing
    dist = distribution(gaps).set_index("mechanism")
    assert dist.loc["selection", "verdict"] == "no effect"
    assert "selection has no effect" in headline(distribution(gaps))


def test_perturbation_kernel_stays_inside_the_prior_and_its_density_is_the_draws():
    """Weights are prior ÷ kernel density, so the density must be the one the draws follow:
    it integrates to one over the prior box, draws never leave the box, and a histogram of
    draws matches the density (particles near a bound included)."""
    import pyabc

    from sim.calibrate.sampling import box_kernel

    prior = pyabc.Distribution(a=pyabc.RV("uniform", 0.0, 1.0), b=pyabc.RV("uniform", -2.0, 4.0))
    rng = np.random.default_rng(3)
    pop = pd.DataFrame({"a": rng.beta(0.5, 2, 30), "b": rng.uniform(-2, 2, 30)})
    kernel = box_kernel(prior)
    kernel.fit(pop, rng.uniform(0.5, 1.5, 30))
    density, ga, gb = density_on_the_prior_box(kernel)
    assert kernel.pdf(pd.Series({"a": 1.01, "b": 0.0})) == 0.0
    assert_draws_follow(kernel, density, ga, gb)


def test_perturbation_kernel_keeps_importance_weights_even_with_sixteen_parameters():
    """With sixteen free parameters a Silverman-narrow kernel's density is bumpy (each
    weight set by how far a draw landed from its parent), and pyabc's Gaussian proposes
    values outside the prior box that must be drawn again. One generation is mimicked on a
    problem like the calibration's (four parameters pinned to a fifth of their range,
    twelve weakly to three fifths): draws from the kernel fitted to the last population,
    accepted when their distance is below the population's median (ε as the calibration
    sets it), weighted prior ÷ kernel. The shipped kernel keeps the effective sample size
    above half of the accepted draws (it pays with fewer accepted: the cost of even
    weights in sixteen dimensions); pyabc's default falls to about a tenth and proposes
    values outside the prior."""
    import pyabc
    from pyabc.weighted_statistics import effective_sample_size

    from sim.calibrate.sampling import box_kernel

    dims, pinned = 16, 4
    names = [f"p{i}" for i in range(dims)]
    half = np.r_[np.full(pinned, 0.1), np.full(dims - pinned, 0.3)]
    prior = pyabc.Distribution(**{n: pyabc.RV("uniform", 0, 1) for n in names})
    rng = np.random.default_rng(5)
    pop = pd.DataFrame(0.5 + half * rng.uniform(-1, 1, size=(200, dims)), columns=names)

    def distance(x: np.ndarray) -> np.ndarray:
        return np.sqrt(np.sum(((x - 0.5) / half) ** 2, axis=1))

    def generation(kernel) -> tuple[float, float, float]:
        kernel.fit(pop, np.full(len(pop), 1 / len(pop)))
        np.random.seed(11)
        draws = kernel.rvs(3000)
        x = draws[names].to_numpy()
        inside = ((x >= 0) & (x <= 1)).all(axis=1)
        accept = inside & (distance(x) < np.median(distance(pop.to_numpy())))
        w = 1.0 / np.asarray(kernel.pdf(draws[accept]), dtype=float)
        ess = effective_sample_size(w / w.sum()) / accept.sum()
        return inside.mean(), accept.sum() / inside.sum(), ess

    inside, _, ess_share = generation(box_kernel(prior))
    assert inside == 1.0 and ess_share > 0.5
    inside, _, ess_share = generation(pyabc.MultivariateNormalTransition())
    assert inside < 0.95 and ess_share < 0.15


def test_report_says_which_convergence_criterion_a_run_missed():
    """A run that stopped on the acceptance floor but kept too few effective particles is
    reported as such, not as having missed the plateau it did not need."""
    from sim.calibrate.report import _why_not_converged

    rule = {"min_ess": 100.0}
    floor = StoppingRule().assess(_gens([10, 8, 7, 6.5], acc=0.01, ess=84))
    assert _why_not_converged({"run": 1, **floor}, rule) == (
        "run 1 stopped on acceptance below 2 %, but its final ESS is 84 (at least 100 needed)"
    )
    budget = StoppingRule().assess(_gens([10, 8, 6, 4], acc=0.2, ess=150))
    assert _why_not_converged({"run": 2, **budget}, rule) == (
        "run 2 reached neither ε plateau (< 5 % per generation over 2) nor acceptance below 2 %"
    )


def test_a_lower_epsilon_quantile_sets_a_lower_epsilon_on_the_same_first_generation(
    tmp_path, capsys
):
    """``--epsilon-quantile``: same seed, same whole first generation; the second
    generation's ε is that quantile of its distances, so a lower Q gives a lower ε."""
    import pyabc

    eps = {}
    for q in (0.2, 0.8):
        out = tmp_path / f"q{q}"
        args = dict(run=1, workers=1, budget=30, population=10, runs=1, epsilon_quantile=q)
        assert main(_tiny(out, **args)) == 0, capsys.readouterr().err
        pops = pyabc.History(f"sqlite:///{out / 'abc-run1.db'}").get_all_populations()
        eps[q] = float(pops.loc[pops["t"] == 1, "epsilon"].iloc[0])
    assert eps[0.2] < eps[0.8]
    with pytest.raises(SystemExit) as bad:
        main(_tiny(tmp_path / "bad", epsilon_quantile=1.5))
    assert bad.value.code == 2
    err = capsys.readouterr().err
    assert "--epsilon-quantile" in err and "[0.05, 0.95]" in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists()
