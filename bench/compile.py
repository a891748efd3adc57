"""Eager against `torch.compile`: a whole training step and an inversion step, at the size of the `cpu` demo
(32x32, 3 variables, style_dim 64, 4 mapping layers, channel_max 32, batch 8; inversion of 32 members) by default.

The ops are `torch.library` custom ops, so the generator and the discriminator compile without graph breaks
(`nbs/04_networks.ipynb` checks it). Eager and compiled are timed in alternating rounds in one process, so that a
change of load on a shared machine affects both; the table gives medians over rounds and the ratio.

    python bench/compile.py [--size 32] [--batch 8] [--channel-max 32] [--members 32] [--rounds 5] [--steps 4]
"""
import argparse
import statistics
import time
from pathlib import Path

import torch

from enriching_gan.files import scratch_dir
from enriching_gan.inversion import InversionConfig, compute_latent_stats, project
from enriching_gan.synthetic import make_synthetic_dataset
from enriching_gan.train import Trainer, TrainConfig
from _timing import device_name, print_table, sync


def trainers(args, root: Path) -> dict:
    "An eager and a compiled trainer of the same run settings."
    out = {}
    for name, compiled in (('eager', False), ('compiled', True)):
        cfg = TrainConfig(data_dir=str(root), output_dir=str(root.parent / f'run_{name}'), batch_size=args.batch,
                          latent_dim=args.style_dim, n_mlp=args.n_mlp, channel_max=args.channel_max, num_workers=0,
                          total_steps=10 ** 6, compile=compiled, device=args.device)
        out[name] = Trainer(cfg, progress=False)
    return out


def timed(fn, device, n: int) -> float:
    "Seconds per call of `fn` over `n` calls."
    sync(device); t0 = time.perf_counter()
    for _ in range(n): fn()
    sync(device)
    return (time.perf_counter() - t0) / n


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--size', type=int, default=32)
    p.add_argument('--batch', type=int, default=8)
    p.add_argument('--style-dim', type=int, default=64)
    p.add_argument('--n-mlp', type=int, default=4)
    p.add_argument('--channel-max', type=int, default=32)
    p.add_argument('--members', type=int, default=32)
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--steps', type=int, default=16, help='training steps per round (a multiple of 16 covers the '
                                                         'lazy regularisers in proportion)')
    p.add_argument('--inversion-steps', type=int, default=10, help='inversion steps per round')
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = p.parse_args()
    dev = torch.device(args.device)
    root = scratch_dir() / f'synth_{args.size}'
    make_synthetic_dataset(root, n_dates=1, size=args.size, progress=False)
    tr = trainers(args, root)
    data = {k: t.batches(0) for k, t in tr.items()}
    t0 = time.perf_counter()
    for _ in range(32): tr['compiled'].train_step(next(data['compiled']))   # compiles every variant (mixing, ...)
    compile_train = time.perf_counter() - t0
    for _ in range(4): tr['eager'].train_step(next(data['eager']))

    g = tr['eager'].g_ema
    stats = compute_latent_stats(g, 2000)
    real = torch.randn(args.members, g.nb_var, g.size, g.size, device=dev)
    cfg = InversionConfig(invstep=args.inversion_steps, snapshot_every=None)
    eager_synthesis, compiled_synthesis = g.synthesis, torch.compile(g.synthesis)

    def inversion(compiled: bool):
        g.synthesis = compiled_synthesis if compiled else eager_synthesis
        try: project(g, real, cfg, stats)
        finally: del g.synthesis                                   # back to the method

    t0 = time.perf_counter(); inversion(True); compile_inv = time.perf_counter() - t0
    inversion(False)
    times = {k: [] for k in ('train eager', 'train compiled', 'inversion eager', 'inversion compiled')}
    for _ in range(args.rounds):
        for name in ('eager', 'compiled'):
            times[f'train {name}'].append(timed(lambda: tr[name].train_step(next(data[name])), dev, args.steps))
            per_run = timed(lambda: inversion(name == 'compiled'), dev, 1)
            times[f'inversion {name}'].append(per_run / args.inversion_steps)
    med = {k: statistics.median(v) for k, v in times.items()}
    rows = [{'step': 'training step (D, G, lazy R1 and path length, EMA)',
             'eager ms': f"{med['train eager'] * 1e3:.1f}",
             'compiled ms': f"{med['train compiled'] * 1e3:.1f}",
             'compiled vs eager': f"{med['train eager'] / med['train compiled']:.2f}x",
             'first compile s': f'{compile_train:.0f}'},
            {'step': f'inversion step ({args.members} members)', 'eager ms': f"{med['inversion eager'] * 1e3:.1f}",
             'compiled ms': f"{med['inversion compiled'] * 1e3:.1f}",
             'compiled vs eager': f"{med['inversion eager'] / med['inversion compiled']:.2f}x",
             'first compile s': f'{compile_inv:.0f}'}]
    print_table(rows, f'eager vs torch.compile at {args.size}x{args.size}, batch {args.batch}, channel_max '
                      f'{args.channel_max}, {device_name(dev)}, medians of {args.rounds} alternating rounds')


if __name__ == '__main__':
    main()
