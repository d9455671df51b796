"""EventProp against time-discretised BPTT with surrogate gradients: time per epoch and peak memory.

    python3 benchmarks/eventprop.py --bptt-python /tmp/bpttenv/bin/python

The same 5-200-3 Yin-Yang network trained both ways, side by side in one run:

- EventProp (Wunderlich & Pehle 2021, "Event-based backpropagation can compute exact
  gradients for spiking neural networks", Sci. Rep. 11, 12829): the training loop of
  `plasticity_rules.eventprop.train_yinyang` (exact event-based forward and adjoint pass,
  numba, TTFS cross-entropy), run in this python.
- BPTT with surrogate gradients (Neftci, Mostafa & Zenke 2019, "Surrogate gradient learning
  in spiking neural networks", IEEE Signal Process. Mag. 36(6)) in snnTorch (Eshraghian et
  al. 2023, "Training spiking neural networks using lessons from deep learning",
  Proc. IEEE 111(9)) on a CPU build of torch, run in the python given by --bptt-python (a
  venv with the `bench` extra; the system environment has no torch).

BPTT setup: the 60 ms window on a grid of step dt (default 0.5 ms, i.e. 120 steps; a second
dt, default 0.25 ms, is also run); inputs are the same latency spikes (x, y, 1-x, 1-y times
30 ms plus a bias spike at 0) placed on the nearest step; 200 hidden `snn.Synaptic` neurons
(alpha = exp(-dt/tau_syn), beta = exp(-dt/tau_mem), input scaled by 1-beta so that the
dynamics discretise tau_mem dV/dt = -V + I with the same weights, threshold 1, reset to 0),
fast-sigmoid surrogate (slope 25); 3 non-spiking leaky-integrator outputs with the same time
constants; loss: cross-entropy on each output's maximum membrane over time (the usual
readout for BPTT; a time-to-first-spike loss has no useful surrogate on a grid). Same data,
same initial weight distribution, batch 32, Adam lr 5e-3 x0.95 per epoch.

Measurement, each side in a fresh subprocess with one thread (torch.set_num_threads(1),
OMP/MKL/NUMBA threads 1): one warm-up epoch (numba compilation or loading from its cache,
torch's first allocations), then the median over --epochs measured epochs of the training
loop alone (batch construction, forward, backward, optimiser step; no evaluation).
Peak memory: ru_maxrss at the end of the measured epochs minus VmRSS after imports and data
loading (so numba's code loading counts against EventProp), split into what one forward +
backward pass of a single sample already reaches (code, runtime set-up; weights unchanged)
and the rest, which grows with the training batches. Also printed: the bytes kept for the
backward pass per batch (torch: unique storages saved by autograd, via saved_tensors_hooks;
EventProp: the spike buffers handed to `backward`). Accuracy on the test set after the
measured epochs shows that both loops actually learn.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")
N_TRAIN, N_TEST, BATCH, LR, LR_DECAY = 5000, 1000, 32, 5e-3, 0.95
TAU_MEM, TAU_SYN, T_END, T_MAX = 20.0, 5.0, 60.0, 30.0


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def load_data():
    from plasticity_rules.datasets.yinyang import encode_yinyang, yinyang_splits
    data = yinyang_splits(N_TRAIN, 1000, N_TEST, generator="reference")
    return data, encode_yinyang


# ----------------------------------------------------------------------------- EventProp

def worker_eventprop(args) -> dict:
    from plasticity_rules.eventprop.losses import repair_silent, ttfs_cross_entropy
    from plasticity_rules.eventprop.network import Weights, backward, forward, init_weights, make_events
    from plasticity_rules.eventprop.optim import adam_init, adam_step
    from plasticity_rules.eventprop.train_yinyang import TrainConfig, evaluate

    data, encode = load_data()
    base = rss_mb()
    cfg = TrainConfig(seed=args.seed)
    params, specs = cfg.lif(), cfg.specs()
    init_rng, order_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(cfg.seed).spawn(2))
    weights = init_weights([5, cfg.n_hidden, 3], specs, [cfg.w_hidden_mean, cfg.w_out_mean],
                           [cfg.w_hidden_std, cfg.w_out_std], init_rng)
    opt = adam_init(weights.w_in)
    idx_all, t_all = encode(data.x_train, cfg.t_max_ms, cfg.t_bias_ms)
    one = make_events(idx_all[:1], t_all[:1])  # one-sample pass, weights unchanged (see main)
    recs = forward(params, specs, weights, one)
    _, dl_dt, _ = ttfs_cross_entropy(recs[-1].events, 3, data.y_train[:1], cfg.tau0_ms, cfg.tau1_ms,
                                     cfg.alpha, cfg.t_end_ms)
    backward(params, weights, one, [r.events for r in recs], [None, dl_dt])
    one_mb = rss_mb()
    times, saved, after_warmup = [], 0, 0.0
    for epoch in range(args.warmup + args.epochs):
        if epoch == args.warmup:
            after_warmup = rss_mb()
        lr = cfg.lr * cfg.lr_decay ** epoch
        order = order_rng.permutation(cfg.n_train)
        t0 = time.perf_counter()
        for s in range(0, cfg.n_train, cfg.batch_size):  # the loop of train_yinyang.train
            sel = order[s:s + cfg.batch_size]
            inp = make_events(idx_all[sel], t_all[sel])
            labels = data.y_train[sel]
            recs = forward(params, specs, weights, inp)
            loss, dl_dt, t_first = ttfs_cross_entropy(recs[-1].events, 3, labels, cfg.tau0_ms,
                                                      cfg.tau1_ms, cfg.alpha, cfg.t_end_ms)
            events = [r.events for r in recs]
            saved = max(saved, sum(a.nbytes for e in [inp, *events]
                                   for a in (e.idx, e.time, e.current) if a is not None))
            grads, _ = backward(params, weights, inp, events, [None, dl_dt])
            new_w, opt = adam_step(weights.w_in, grads.w_in, opt, lr)
            weights = Weights(new_w)
            weights = repair_silent(weights, recs, labels, cfg.repair_bump)
        times.append(time.perf_counter() - t0)
    peak = maxrss_mb()
    acc, _ = evaluate(cfg, weights, data.x_test, data.y_test)
    return dict(name="EventProp (exact, event-based, numba)", epoch_times=times, base_mb=base,
                warm_mb=after_warmup, one_mb=one_mb, peak_mb=peak, saved_bytes=saved,
                test_acc=acc)


# ----------------------------------------------------------------------------- BPTT

def worker_bptt(args) -> dict:
    import snntorch as snn
    import torch
    from snntorch import surrogate

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    data, encode = load_data()
    base = rss_mb()
    dt = args.dt
    n_steps = int(round(T_END / dt))
    alpha, beta = float(np.exp(-dt / TAU_SYN)), float(np.exp(-dt / TAU_MEM))

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(5, 200, bias=False)
            self.fc2 = torch.nn.Linear(200, 3, bias=False)
            with torch.no_grad():  # same distribution as TrainConfig: N(2, 1) and N(0.3, 0.3)
                self.fc1.weight.normal_(2.0, 1.0)
                self.fc2.weight.normal_(0.3, 0.3)
            self.lif = snn.Synaptic(alpha=alpha, beta=beta, threshold=1.0, reset_mechanism="zero",
                                    spike_grad=surrogate.fast_sigmoid(slope=25))

        def forward(self, x):  # x: (T, B, 5) spikes -> (B, 3) max output membrane over time
            cur = (1 - beta) * self.fc1(x)  # all steps at once (feed-forward input)
            syn = torch.zeros(x.shape[1], 200)
            mem = torch.zeros(x.shape[1], 200)
            spikes = []
            for t in range(x.shape[0]):
                if args.loop == "snntorch":
                    spk, syn, mem = self.lif(cur[t], syn, mem)
                else:  # the same dynamics as a plain torch loop (less per-step overhead)
                    syn = alpha * syn + cur[t]
                    mem = beta * mem + syn
                    spk = spike_fn(mem - 1.0)
                    mem = mem * (1.0 - spk.detach())  # reset to 0, not differentiated
                spikes.append(spk)
            cur_out = (1 - beta) * self.fc2(torch.stack(spikes))
            syn_o = torch.zeros(x.shape[1], 3)
            mem_o = torch.zeros(x.shape[1], 3)
            v_out = []
            for t in range(x.shape[0]):
                syn_o = alpha * syn_o + cur_out[t]
                mem_o = beta * mem_o + syn_o
                v_out.append(mem_o)
            return torch.stack(v_out).amax(dim=0)

    def to_grid(features: np.ndarray) -> torch.Tensor:
        idx, t = encode(features, T_MAX, 0.0)
        step = np.minimum(np.rint(t / dt).astype(np.int64), n_steps - 1)
        x = torch.zeros(n_steps, len(features), 5)
        rows = torch.arange(len(features))[:, None]
        x[torch.from_numpy(step), rows, torch.from_numpy(idx.astype(np.int64))] = 1
        return x

    spike_fn = surrogate.fast_sigmoid(slope=25)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=LR)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, LR_DECAY)
    y_train = torch.from_numpy(data.y_train.astype(np.int64))
    gen = torch.Generator().manual_seed(args.seed)
    saved_storages: dict[int, int] = {}
    y_one = torch.from_numpy(data.y_train[:1].astype(np.int64))  # one-sample pass (see main)
    torch.nn.functional.cross_entropy(net(to_grid(data.x_train[:1])), y_one).backward()
    opt.zero_grad(set_to_none=True)
    one_mb = rss_mb()

    def pack(t):
        s = t.untyped_storage()
        saved_storages[s.data_ptr()] = s.nbytes()
        return t

    times, saved, after_warmup = [], 0, 0.0
    for epoch in range(args.warmup + args.epochs):
        if epoch == args.warmup:
            after_warmup = rss_mb()
        order = torch.randperm(N_TRAIN, generator=gen).numpy()
        t0 = time.perf_counter()
        for s in range(0, N_TRAIN, BATCH):
            sel = order[s:s + BATCH]
            saved_storages.clear()
            with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
                loss = torch.nn.functional.cross_entropy(net(to_grid(data.x_train[sel])), y_train[sel])
            saved = max(saved, sum(saved_storages.values()))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        times.append(time.perf_counter() - t0)
    peak = maxrss_mb()
    with torch.no_grad():
        correct = sum(int((net(to_grid(data.x_test[s:s + 500])).argmax(1).numpy()
                           == data.y_test[s:s + 500]).sum()) for s in range(0, N_TEST, 500))
    impl = f"snnTorch {snn.__version__} Synaptic" if args.loop == "snntorch" else "plain torch loop"
    return dict(name=f"BPTT {impl}, torch {torch.__version__}, dt {dt} ms ({n_steps} steps)",
                epoch_times=times, base_mb=base, warm_mb=after_warmup, one_mb=one_mb, peak_mb=peak,
                saved_bytes=saved, test_acc=correct / N_TEST)


# ----------------------------------------------------------------------------- driver

def run_worker(python: str, side: str, args, dt: float | None = None, loop: str = "snntorch") -> dict:
    env = dict(os.environ, PYTHONPATH=REPO, **{v: str(args.threads) for v in THREAD_VARS})
    cmd = [python, os.path.abspath(__file__), "--worker", side, "--epochs", str(args.epochs),
           "--warmup", str(args.warmup), "--seed", str(args.seed), "--threads", str(args.threads)]
    if dt is not None:
        cmd += ["--dt", str(dt), "--loop", loop]
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    res = json.loads(out.strip().splitlines()[-1])
    res["load"] = os.getloadavg()[0]
    return res


def summary(r: dict) -> tuple[float, float]:
    return statistics.median(r["measured"]), r["peak_mb"] - r["base_mb"]


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bptt-python", default=sys.executable, help="python with torch and snntorch")
    p.add_argument("--dt", type=float, default=0.5, help="BPTT time step in ms (main comparison)")
    p.add_argument("--dt2", type=float, default=0.25, help="second BPTT time step in ms (0: skip)")
    p.add_argument("--epochs", type=int, default=2, help="measured epochs (median reported)")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--no-plain-loop", action="store_true",
                   help="skip the extra BPTT row with a plain torch loop instead of snn.Synaptic")
    p.add_argument("--loop", default="snntorch", help=argparse.SUPPRESS)
    p.add_argument("--worker", choices=["eventprop", "bptt"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:
        res = (worker_eventprop if args.worker == "eventprop" else worker_bptt)(args)
        res["measured"] = res["epoch_times"][args.warmup:]
        print(json.dumps(res))
        return

    print(f"load average at start: {os.getloadavg()}; threads per side: {args.threads}", flush=True)
    ep = run_worker(sys.executable, "eventprop", args)
    dts = [args.dt] + ([args.dt2] if args.dt2 > 0 else [])
    runs = [(dt, "snntorch") for dt in dts] + ([] if args.no_plain_loop else [(args.dt, "torch")])
    bptt = [run_worker(args.bptt_python, "bptt", args, dt, loop) for dt, loop in runs]
    print(f"load average at end: {os.getloadavg()}")
    print("peak MB = ru_maxrss at the end of the measured epochs - VmRSS after imports and data;"
          "\n  1-sample MB = VmRSS after one forward+backward pass of a single sample (code, runtime"
          " set-up) - VmRSS after imports and data;\n  batch MB = peak MB - 1-sample MB (what grows"
          " with the training batches); abs. MB = ru_maxrss itself (whole process)")
    print(f"{'':<62} {'s/epoch':>8} {'peak MB':>8} {'1-sample MB':>11} {'batch MB':>8} {'abs. MB':>8}"
          f" {'saved/batch':>12} {'test acc':>8}  (all epochs, s)")
    for r in [ep, *bptt]:
        t, m = summary(r)
        ep_s = ", ".join(f"{x:.2f}" for x in r["epoch_times"])
        print(f"{r['name']:<62} {t:8.2f} {m:8.1f} {r['one_mb'] - r['base_mb']:11.1f}"
              f" {r['peak_mb'] - r['one_mb']:8.1f} {r['peak_mb']:8.1f}"
              f" {r['saved_bytes'] / 2**20:9.2f} MB {r['test_acc']:8.3f}  ({ep_s}; warm-up first)")
    t_ep, m_ep = summary(ep)
    b_ep = max(ep["peak_mb"] - ep["one_mb"], 0.1)
    for r in bptt:
        t, m = summary(r)
        print(f"ratio BPTT/EventProp, {r['name'][5:]}: time per epoch {t / t_ep:.1f}x, "
              f"peak memory {m / m_ep:.1f}x, batch MB {(r['peak_mb'] - r['one_mb']) / b_ep:.1f}x, "
              f"saved-for-backward {r['saved_bytes'] / ep['saved_bytes']:.1f}x")


if __name__ == "__main__":
    main()
