"""`l2l report` and the notebook helpers: files, image sizes, and the data behind each figure
checked against the run tables."""

import itertools
import subprocess
from dataclasses import dataclass

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

import l2l.tasks
from l2l.config import study_from_dict
from l2l.plots.portrait import heat, portrait_figure, task_portrait
from l2l.report import report
from l2l.results import best_genomes, learning_curves, load_run, load_runs, summarize, varying_keys
from l2l.results.analysis import long_form
from l2l.results.load import load_held_out
from l2l.run import run_study
from l2l.search_space import SearchSpace
from plasticity_rules.genes import GeneSpec


@pytest.fixture(scope="module")
def sweep(tmp_path_factory, study_config):
    root = tmp_path_factory.mktemp("sweep")
    job = 0
    for sigma0 in (0.1, 0.3):
        for seed in (1, 2):
            cfg = study_config(seed=seed, generations=8, strategy={"sigma0": sigma0})
            run_study(study_from_dict(cfg), root / str(job))
            job += 1
    return root


def test_tidy_helpers(sweep):
    gens = load_runs(sweep, "generations")
    assert varying_keys(gens) == ["strategy.sigma0"]
    curves = learning_curves(gens)
    assert len(curves) == 4 * 8 and {"strategy.sigma0", "seed", "run", "best_so_far"} <= set(curves.columns)
    summary = summarize(curves, ["strategy.sigma0"]).set_index("strategy.sigma0")
    assert summary.loc[0.1, "runs"] == 2 and summary.loc[0.3, "runs"] == 2
    final = curves[curves.generation == 7].groupby("strategy.sigma0")["best_so_far"].mean()
    np.testing.assert_allclose(summary["best_mean"], final)
    best = best_genomes(sweep)
    assert len(best) == 4 and {"gene.x0", "gene.x1", "gene.x2", "fitness", "strategy.sigma0"} <= set(
        best.columns
    )
    for _, row in best.iterrows():
        per_ind = load_run(row["run"]).groupby(["generation", "individual"])["fitness"].mean()
        assert row["fitness"] == pytest.approx(per_ind.min())


def test_report_files_sizes_and_data(sweep):
    out = report(sweep)
    for name in ("fitness_vs_generation", "fitness_vs_evaluations", "strategy_statistics", "evals_per_s"):
        img = mpimg.imread(out / f"{name}.png")
        assert img.shape[:2] == (500, 800), name
        assert img[..., :3].std() > 0.01, f"{name} is blank"
    band = pd.read_csv(out / "fitness_vs_generation.csv")
    gens = load_runs(sweep, "generations")
    expect = gens.groupby(["strategy.sigma0", "generation"])["best_so_far"].agg(["mean", "min", "max"])
    got = band.set_index(["strategy.sigma0", "generation"])[["mean", "min", "max"]]
    pd.testing.assert_frame_equal(got.sort_index(), expect.sort_index(), check_names=False)
    stats = pd.read_csv(out / "strategy_statistics.csv")
    assert set(stats["statistic"]) == {"strategy.sigma", "strategy.axis_ratio"}
    summary = (out / "summary.md").read_text()
    best = best_genomes(sweep)["fitness"].min()
    assert f"fitness {best:.6g}" in summary and "strategy.sigma0" in summary


def test_report_command(sweep, clean_env):
    proc = subprocess.run(
        ["l2l", "report", str(sweep / "0")], capture_output=True, text=True, env=clean_env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (sweep / "0" / "report" / "summary.md").exists()


def test_report_of_nothing_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no l2l runs"):
        report(tmp_path)


# A stand-in for an on-chip rule (the rule contract: gene_specs, portrait) and a task that
# reports the processor metrics; the real rules and the bandit task replace it once they land.
@dataclass(frozen=True)
class FakeRule:
    name: str = "fake"

    def gene_specs(self):
        return (GeneSpec("a", 0.0, 1.0, 0.5), GeneSpec("b", 0.0, 1.0, 0.5))

    def portrait(self, genes, causal=None, acausal=None, reward=None, weight=None):
        causal = np.linspace(0, 1, 5) if causal is None else causal
        acausal = np.linspace(0, 1, 4) if acausal is None else acausal
        reward = np.array([-1.0, 1.0]) if reward is None else reward
        weight = np.array([0.0, 32.0, 63.0]) if weight is None else weight
        grid = pd.DataFrame(
            list(itertools.product(causal, acausal, reward, weight)),
            columns=["causal", "acausal", "reward", "weight"],
        )
        dw = (
            np.round(16 * genes["a"] * grid.causal - 16 * genes["b"] * grid.acausal) * grid.reward
            - grid.weight // 32
        )
        return grid.assign(dw=dw)


@dataclass(frozen=True)
class FakeRuleTask:
    name: str = "fakerule"
    direction: str = "minimize"

    @property
    def rule(self):
        return FakeRule()

    def search_space(self):
        return SearchSpace.from_specs(self.rule.gene_specs())

    def evaluate(self, genes, seed):
        a, b = genes
        noise = np.random.default_rng(seed).normal(0, 0.01)
        metrics = {"ppu_bytes": 1000.0 + round(100 * a), "ppu_cycles_max": 500.0 + round(200 * b)}
        return float((a - 0.3) ** 2 + (b - 0.6) ** 2 + noise), {**metrics, "ppu_cycles_mean": 400 + 100 * b}


@pytest.fixture(scope="module")
def rule_sweep(tmp_path_factory, study_config):
    """Two strategies x two seeds on the fake rule task, with a held-out check of 3."""
    root = tmp_path_factory.mktemp("rule_sweep")
    strategies = ({"name": "cma", "sigma0": 0.2, "popsize": 6}, {"name": "cem", "sigma0": 0.2, "popsize": 6})
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(l2l.tasks.REGISTRY, "fakerule", FakeRuleTask)
        for job, (strategy, seed) in enumerate(itertools.product(strategies, (1, 2))):
            cfg = study_config(
                task={"name": "fakerule"}, strategy=strategy, seed=seed, generations=4, held_out=3
            )
            run_study(study_from_dict(cfg), root / str(job))
        out = report(root)
        yield root, out


def test_load_held_out_and_best_genomes_with_held_out_and_metrics(rule_sweep):
    root, _ = rule_sweep
    held = load_held_out(root)
    # each run: its best genome and its strategy's final centre, on the same 3 held-out seeds
    assert len(held) == 4 * 2 * 3
    assert {"run", "strategy.name", "seed", "eval_seed", "fitness", "genome"} <= set(held.columns)
    best = best_genomes(root, metrics=True).set_index("run")
    for run, both in held.groupby("run"):
        rows = both[both["genome"] == "best"]
        centre = both[both["genome"] == "center"]
        assert list(rows["eval_seed"]) == list(centre["eval_seed"])
        assert best.loc[run, "center.held_out.mean"] == pytest.approx(centre["fitness"].mean())
        assert best.loc[run, "held_out.mean"] == pytest.approx(rows["fitness"].mean())
        assert best.loc[run, "held_out.n"] == 3
        ev = load_run(run)
        mine = ev[
            (ev.generation == best.loc[run, "generation"]) & (ev.individual == best.loc[run, "individual"])
        ]
        assert best.loc[run, "metric.ppu_bytes"] == mine["metric.ppu_bytes"].mean()
        # the held-out seeds are not training seeds
        assert not set(rows["eval_seed"]) & set(ev["eval_seed"])
    genes = long_form(best.reset_index(), "gene.")
    assert len(genes) == 4 * 2 and set(genes["gene"]) == {"a", "b"}
    np.testing.assert_array_equal(genes[genes.gene == "a"]["value"], best["gene.a"])


def test_load_held_out_without_any_is_a_clear_error(sweep):
    with pytest.raises(FileNotFoundError, match="held_out=N"):
        load_held_out(sweep)


def test_report_held_out_figure_matches_the_tables(rule_sweep):
    root, out = rule_sweep
    img = mpimg.imread(out / "held_out.png")
    assert img.shape[:2] == (500, 800) and img[..., :3].std() > 0.01
    data = pd.read_csv(out / "held_out.csv", dtype={"eval_seed": "Int64"})
    held = load_held_out(root)
    held = held[held["genome"] == "best"]  # the figure shows the best genomes' held-out rows
    got = data[data.kind == "held_out"].astype({"eval_seed": "int64"}).set_index(["run", "eval_seed"])
    got = got["fitness"].sort_index()
    expect = held.set_index(["run", "eval_seed"])["fitness"].sort_index()
    pd.testing.assert_series_equal(got, expect)
    train = data[data.kind == "training"].set_index("run")["fitness"].sort_index()
    pd.testing.assert_series_equal(train, best_genomes(root).set_index("run")["fitness"].sort_index())
    assert set(data["group"]) == {"strategy.name=cma", "strategy.name=cem"}


def test_report_summary_held_out_and_processor_figures(rule_sweep):
    root, out = rule_sweep
    summary = (out / "summary.md").read_text()
    best = best_genomes(root, metrics=True)
    top = best.sort_values("fitness").iloc[0]
    assert "## Best rule on the processor" in summary
    assert f"program size: {top['metric.ppu_bytes']:.0f} bytes" in summary
    assert f"cycles per invocation: {top['metric.ppu_cycles_max']:.0f} max" in summary
    assert "## Held-out check" in summary and "## Best genome per run" in summary
    cma = best[best["strategy.name"] == "cma"]["held_out.mean"].mean()
    assert "| cma | 2 | " in summary and f"{cma:.4g}" in summary


def test_report_portrait_is_the_best_rules_and_matches_its_table(rule_sweep):
    root, out = rule_sweep
    img = mpimg.imread(out / "rule_portrait.png")
    assert img.shape[:2] == (500, 800) and img[..., :3].std() > 0.01
    top = best_genomes(root).sort_values("fitness").iloc[0]
    expect = {
        "best": FakeRule().portrait({"a": top["gene.a"], "b": top["gene.b"]}),
        "reference": FakeRule().portrait({"a": 0.5, "b": 0.5}),  # the genes' defaults
    }
    drawn = pd.read_csv(out / "rule_portrait.csv")
    assert set(drawn["genes"]) == set(expect)
    order = ["causal", "acausal", "reward", "weight"]
    for which, table in expect.items():
        mine = drawn[drawn["genes"] == which].drop(columns=["panel", "genes"])
        pd.testing.assert_frame_equal(
            mine.sort_values(order).reset_index(drop=True),
            table.sort_values(order).reset_index(drop=True),
            check_dtype=False,
        )
    assert drawn["panel"].nunique() == 2 * 3 * 2  # one panel per (reward, weight, genes)


def test_portrait_figure_panels_show_the_table():
    table = FakeRule().portrait({"a": 0.5, "b": 0.25})
    fig, data = portrait_figure(table)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    meshes = [ax.collections[0] for ax in panels]
    assert len(meshes) == 6  # reward (2) x weight (3)
    for k, (reward, weight) in enumerate(itertools.product([-1.0, 1.0], [0.0, 32.0, 63.0])):
        panel = table[(table.reward == reward) & (table.weight == weight)]
        np.testing.assert_array_equal(
            np.asarray(meshes[k].get_array()).reshape(4, 5), heat(panel, "causal", "acausal")
        )
        assert panels[k].get_title() == f"reward={reward:.3g}, weight={weight:.3g}"
        pd.testing.assert_frame_equal(
            data[data.panel == k].drop(columns="panel").reset_index(drop=True), panel.reset_index(drop=True)
        )
    assert meshes[0].norm.vmin == -meshes[0].norm.vmax == -np.abs(table.dw).max()
    line = pd.DataFrame({"dt_us": [10.0, -10.0, 0.0], "dw": [5.0, -3.0, 0.0], "cycles": [7, 7, 7]})
    fig, data = portrait_figure(line, axes=["dt_us"])  # extra measured columns: name the axes
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_xdata(), [-10.0, 0.0, 10.0])
    np.testing.assert_array_equal(fig.axes[0].lines[0].get_ydata(), [-3.0, 0.0, 5.0])
    assert list(data.columns) == ["dt_us", "dw", "panel"]


def test_portrait_axes_held_at_one_value_go_into_the_title():
    table = FakeRule().portrait({"a": 0.5, "b": 0.25}, reward=np.array([1.0]), weight=np.array([32.0]))
    fig, data = portrait_figure(table)
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 1 and fig.get_suptitle() == "rule portrait at reward=1, weight=32"
    np.testing.assert_array_equal(
        np.asarray(panels[0].collections[0].get_array()).reshape(4, 5), heat(table, "causal", "acausal")
    )
    assert list(data.columns) == ["causal", "acausal", "reward", "weight", "dw", "panel"]


def test_task_portrait_finds_the_rule(monkeypatch):
    genes = {"a": 0.5, "b": 0.25}
    expect = FakeRule().portrait(genes)
    pd.testing.assert_frame_equal(task_portrait(FakeRuleTask(), {**genes, "other": 1.0}), expect)

    @dataclass(frozen=True)
    class MakesRule:  # as the bandit task: `rule` names it, make_rule() builds it
        rule: str = "fake"

        def make_rule(self):
            return FakeRule()

    pd.testing.assert_frame_equal(task_portrait(MakesRule(), genes), expect)
    assert task_portrait(l2l.tasks.TestFunctionTask(dim=2), {"x0": 0.0, "x1": 0.0}) is None


def test_portrait_needs_dw_and_an_axis():
    with pytest.raises(ValueError, match="'dw' column"):
        portrait_figure(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(ValueError, match="at least one input axis"):
        portrait_figure(pd.DataFrame({"dw": [1.0]}))
    with pytest.raises(ValueError, match=r"portrait axes \['lag'\] are not input columns"):
        portrait_figure(pd.DataFrame({"dt_us": [1.0], "dw": [1.0]}), axes=["lag"])


def test_report_without_a_portrait_says_why(sweep):
    summary = (report(sweep) / "summary.md").read_text()
    assert "Rule portrait: none (the task's rule offers no portrait)." in summary
    assert "## Held-out check" not in summary and "## Best rule on the processor" not in summary


@pytest.mark.slow  # the bandit agent's run loop with the processor: compiled once per process
def test_report_on_a_two_strategy_two_seed_bandit_sweep(tmp_path, study_config):
    """Issue 10's must-show: `l2l report` on a 2-strategy x 2-seed bandit sweep (tiny budget)."""
    task = {"name": "bandit", "bandits": 6, "pulls": 20}
    strategies = ({"name": "cma", "sigma0": 0.2, "popsize": 4}, {"name": "cem", "sigma0": 0.2, "popsize": 4})
    for job, (strategy, seed) in enumerate(itertools.product(strategies, (1, 2))):
        cfg = study_config(task=task, strategy=strategy, seed=seed, generations=2, held_out=2)
        run_study(study_from_dict(cfg), tmp_path / str(job))
    out = report(tmp_path)
    names = ["fitness_vs_generation", "fitness_vs_evaluations", "evals_per_s", "held_out", "rule_portrait"]
    for name in names:
        img = mpimg.imread(out / f"{name}.png")
        assert img.shape[:2] == (500, 800) and img[..., :3].std() > 0.01, name
    best = best_genomes(tmp_path, metrics=True)
    top = best.sort_values("fitness").iloc[0]
    summary = (out / "summary.md").read_text()
    assert "grouped by ['strategy.name']" in summary
    assert f"program size: {top['metric.ppu_bytes']:.0f} bytes" in summary
    assert f"cycles per invocation: {top['metric.ppu_cycles_max']:.0f} max" in summary
    assert "## Held-out check" in summary and "| cem | 2 |" in summary and "| cma | 2 |" in summary
    # the portrait is the best genome's rule, run on the processor
    rule = l2l.tasks.REGISTRY["bandit"](**{k: v for k, v in task.items() if k != "name"}).make_rule()
    genes = {s.name: top[f"gene.{s.name}"] for s in rule.gene_specs()}
    drawn = pd.read_csv(out / "rule_portrait.csv")
    reference = {s.name: s.default for s in rule.gene_specs()}  # beside it: the hand-tuned genes
    for which, named in (("best", genes), ("reference", reference)):
        expect = rule.portrait(named).sort_values(["weight", "reward"])
        mine = drawn[drawn["genes"] == which].sort_values(["weight", "reward"])
        np.testing.assert_allclose(mine["dw"], expect["dw"])
