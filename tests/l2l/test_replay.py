"""`l2l replay`: one evaluation of the best genome rerun, recorded, saved and plotted. End to end
with a small test-only task that implements `record` (a two-armed bandit learner in NumPy)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

import l2l.tasks
from l2l.config import study_from_dict
from l2l.plots.replay import MAX_LINES, action_map, running_window
from l2l.replay import ReplayError, replay
from l2l.results import load_best, load_run
from l2l.run import run_study
from l2l.search_space import Gene, SearchSpace

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RecorderTask:
    """Bandits learned by a delta rule w_a += eta (r - w_a); score = mean regret (minimised)."""

    name: str = "recorder"
    instances: int = 5
    steps: int = 30
    direction: str = "minimize"

    def search_space(self) -> SearchSpace:
        return SearchSpace.of([Gene("eta", 0.01, 1.0), Gene("w0", 0.0, 1.0)])

    def _simulate(self, genes, seed):
        eta, w0 = genes
        rng = np.random.default_rng(seed)
        p = rng.uniform(size=(self.instances, 2))
        w = np.full((self.instances, 2), w0)
        actions = np.zeros((self.instances, self.steps), dtype=np.int64)
        rewards = np.zeros((self.instances, self.steps))
        weights = np.zeros((self.instances, self.steps, 2))
        idx = np.arange(self.instances)
        for t in range(self.steps):
            a = np.argmax(w + 0.05 * rng.standard_normal(w.shape), axis=1)
            r = (rng.uniform(size=self.instances) < p[idx, a]).astype(float)
            w[idx, a] += eta * (r - w[idx, a])
            actions[:, t], rewards[:, t], weights[:, t] = a, r, w
        regret = (p.max(axis=1)[:, None] - p[idx[:, None], actions]).sum(axis=1)
        return actions, rewards, weights, float(regret.mean())

    def evaluate(self, genes, seed):
        *_, regret = self._simulate(genes, seed)
        return regret, {"pulls": float(self.steps)}

    def record(self, genes, seed):
        actions, rewards, weights, regret = self._simulate(genes, seed)
        inst, step = np.meshgrid(np.arange(self.instances), np.arange(self.steps), indexing="ij")
        t_us = 20.0 * step + 5.0  # the chosen action neuron fires once per pull
        spikes = pd.DataFrame({"instance": inst.ravel(), "t_us": t_us.ravel(), "neuron": actions.ravel()})
        w = pd.DataFrame(
            {
                "instance": np.repeat(inst.ravel(), 2),
                "step": np.repeat(step.ravel(), 2),
                "synapse": np.tile([0, 1], inst.size),
                "weight": weights.reshape(-1),
            }
        )
        r = pd.DataFrame(
            {
                "instance": inst.ravel(),
                "step": step.ravel(),
                "action": actions.ravel(),
                "reward": rewards.ravel(),
            }
        )
        v = np.clip(80 + 40 * weights, 0, 255).round().astype(np.int64)
        membrane = w.rename(columns={"synapse": "neuron", "weight": "v_lsb"}).assign(
            v_lsb=v.reshape(-1), t_us=20.0 * w["step"]
        )[["instance", "t_us", "neuron", "v_lsb"]]
        summary = pd.DataFrame([{"score": regret, "pulls": self.steps}])
        return {"spikes": spikes, "weights": w, "rewards": r, "membrane": membrane, "summary": summary}


@pytest.fixture(scope="module")
def recorder_run(tmp_path_factory, study_config):
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(l2l.tasks.REGISTRY, "recorder", RecorderTask)
        run = tmp_path_factory.mktemp("replay") / "run"
        cfg = study_config(task={"name": "recorder"}, generations=4, repetitions=2, held_out=3)
        run_study(study_from_dict(cfg), run)
        yield run


def test_replay_reproduces_the_training_evaluation_and_plots_every_table(recorder_run):
    out = replay(recorder_run)
    best = load_best(recorder_run)
    ev = load_run(recorder_run)
    first = ev[(ev.generation == best["generation"]) & (ev.individual == best["individual"])]
    first = first.sort_values("repetition").iloc[0]
    meta = json.loads((out / "replay.json").read_text())
    assert out == recorder_run / "replay" / f"seed_{first['eval_seed']}"
    assert meta["seed"] == first["eval_seed"] and meta["genes"] == best["genes"]
    # the default seed is the training one: the replay scores what the table recorded
    summary = pd.read_parquet(out / "summary.parquet")
    assert summary["score"].iloc[0] == first["fitness"]
    genes = np.array([best["genes"]["eta"], best["genes"]["w0"]])
    expect = RecorderTask().record(genes, int(first["eval_seed"]))
    for name, table in expect.items():
        pd.testing.assert_frame_equal(pd.read_parquet(out / f"{name}.parquet"), table)
    for name in ("spikes", "weights", "rewards", "membrane"):
        img = mpimg.imread(out / f"{name}.png")
        assert img.shape[:2] == (500, 800), name
        assert img[..., :3].std() > 0.01, f"{name} is blank"
    assert not (out / "summary.png").exists()  # a table without a figure is only saved
    assert sorted(meta["figures"]) == ["membrane.png", "rewards.png", "spikes.png", "weights.png"]


def test_figure_data_matches_the_tables(recorder_run):
    out = replay(recorder_run)
    spikes = pd.read_parquet(out / "spikes.parquet")
    drawn = pd.read_csv(out / "spikes.csv")
    shown = spikes[spikes.instance < 4].sort_values(["instance", "t_us", "neuron"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(drawn, shown, check_dtype=False)
    rewards = pd.read_parquet(out / "rewards.parquet")
    curve = pd.read_csv(out / "rewards.csv")
    mean = rewards.groupby("step")["reward"].mean().to_numpy()
    w = running_window(30)
    assert w == 3 and (curve["window"] == w).all()
    np.testing.assert_allclose(curve["mean_reward"], mean)
    np.testing.assert_allclose(curve["running_mean"][w - 1 :], np.convolve(mean, np.ones(w) / w, "valid"))
    np.testing.assert_allclose(curve["running_mean"][0], mean[0])
    img = action_map(rewards)
    assert img.shape == (5, 30)
    np.testing.assert_array_equal(img[2], rewards[rewards.instance == 2].sort_values("step")["action"])
    weights = pd.read_parquet(out / "weights.parquet")
    drawn = pd.read_csv(out / "weights.csv")
    assert set(drawn.instance) == {0, 1, 2, 3} and drawn.synapse.nunique() <= MAX_LINES
    merged = drawn.merge(weights, on=["instance", "step", "synapse"], suffixes=("", "_table"))
    assert len(merged) == len(drawn) == 4 * 30 * 2
    np.testing.assert_array_equal(merged["weight"], merged["weight_table"])


def test_replay_on_another_seed_goes_elsewhere_and_differs(recorder_run, tmp_path):
    a = replay(recorder_run, seed=11, out=tmp_path / "a")
    b = replay(recorder_run, seed=12, out=tmp_path / "b")
    assert json.loads((a / "replay.json").read_text())["seed"] == 11
    ra, rb = pd.read_parquet(a / "rewards.parquet"), pd.read_parquet(b / "rewards.parquet")
    assert not ra.equals(rb)


def test_replay_on_a_held_out_seed_reproduces_the_held_out_row(recorder_run, tmp_path):
    held = pd.read_parquet(recorder_run / "held_out.parquet")
    out = replay(recorder_run, held_out=1, out=tmp_path / "h1")
    meta = json.loads((out / "replay.json").read_text())
    assert meta["held_out"] == 1 and meta["seed"] == held["eval_seed"].iloc[1]
    assert pd.read_parquet(out / "summary.parquet")["score"].iloc[0] == held["fitness"].iloc[1]
    with pytest.raises(ReplayError, match="not both"):
        replay(recorder_run, seed=1, held_out=1)
    with pytest.raises(ReplayError, match="held_out must be an integer >= 0"):
        replay(recorder_run, held_out=-1)


def test_clear_errors(tmp_path, study_config, recorder_run):
    with pytest.raises(ReplayError, match="not an l2l run directory"):
        replay(tmp_path)
    half = tmp_path / "half"
    half.mkdir()
    (half / "config.yaml").write_text((recorder_run / "config.yaml").read_text())
    with pytest.raises(ReplayError, match="no best genome yet"):
        replay(half)
    sphere = tmp_path / "sphere"
    run_study(study_from_dict(study_config(generations=1)), sphere)
    with pytest.raises(ReplayError, match=r"task 'sphere' .* has no record\(genes, seed\) method"):
        replay(sphere)


def test_replay_command(recorder_run, tmp_path, clean_env):
    # the CLI in a fresh process; the test-only task is registered before main() runs
    script = (
        "import runpy, sys; import l2l.tasks as t; "
        f"t.REGISTRY['recorder'] = runpy.run_path({str(Path(__file__))!r})['RecorderTask']; "
        "from l2l.cli import main; main()"
    )

    def cli(*args):
        cmd = [sys.executable, "-c", script, "replay", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=clean_env, cwd=REPO, timeout=300)

    ok = cli(str(recorder_run), "seed=5", f"out={tmp_path / 'r'}")
    assert ok.returncode == 0, ok.stderr[-2000:]
    assert f"replay written to {tmp_path / 'r'}" in ok.stdout and (tmp_path / "r" / "spikes.png").exists()
    bad = cli(str(tmp_path / "nothing"))
    assert bad.returncode == 2 and "is not an l2l run directory" in bad.stderr
    bad = cli(str(recorder_run), "sed=5")
    assert (
        bad.returncode == 2 and "unknown option 'sed=5'; allowed: seed=N, held_out=K, out=DIR" in bad.stderr
    )
    bad = cli(str(recorder_run), "neurons=0,x")
    assert bad.returncode == 2 and "neurons must be integers separated by commas" in bad.stderr
    bad = cli(str(recorder_run), "neurons=0,1")  # parsed, then refused by a task without the choice
    assert bad.returncode == 2 and "cannot choose the neurons it traces" in bad.stderr


@pytest.mark.slow  # the bandit agent's run loop with the processor: compiled once per process
def test_replay_on_the_bandit_task(tmp_path, study_config):
    task = {"name": "bandit", "bandits": 6, "pulls": 20}
    run = tmp_path / "bandit"
    run_study(study_from_dict(study_config(task=task, generations=2, strategy={"popsize": 4})), run)
    out = replay(run)
    best = load_best(run)
    summary = pd.read_parquet(out / "summary.parquet")
    assert summary["regret_mean"].iloc[0] == pytest.approx(
        best["fitness"], rel=1e-12
    )  # the training evaluation
    rewards = pd.read_parquet(out / "rewards.parquet")
    assert len(rewards) == 6 * 20 and set(rewards["action"]) <= {0, 1}
    curve = pd.read_csv(out / "rewards.csv")
    np.testing.assert_allclose(curve["mean_reward"], rewards.groupby("step")["reward"].mean())
    for name in ("spikes", "weights", "rewards", "membrane"):
        img = mpimg.imread(out / f"{name}.png")
        assert img.shape[:2] == (500, 800) and img[..., :3].std() > 0.01, name
    # membrane: by default both action neurons of bandit 0, every 0.2 us step of the 20 pulls of 10 us
    v = pd.read_parquet(out / "membrane.parquet")
    assert set(v["instance"]) == {0} and set(v["neuron"]) == {0, 1}
    assert (v.groupby("neuron").size() == 20 * 50).all() and v["v_lsb"].std() > 1
    other = replay(run, seed=3, neurons=(7,))  # arm 1 of bandit 1 (6 bandits per chip: 1 * 6 + 1)
    assert not pd.read_parquet(other / "rewards.parquet").equals(rewards)
    v7 = pd.read_parquet(other / "membrane.parquet")
    assert set(v7["instance"]) == {1} and set(v7["neuron"]) == {1}
    assert json.loads((other / "replay.json").read_text())["neurons"] == [7]
    with pytest.raises(ValueError, match="the agent's neurons are 0..11"):
        replay(run, neurons=(12,))


def test_replay_refuses_neurons_for_a_task_that_cannot_choose_them(recorder_run, tmp_path):
    with pytest.raises(ReplayError, match="cannot choose the neurons it traces"):
        replay(recorder_run, neurons=(0,), out=tmp_path / "n")
