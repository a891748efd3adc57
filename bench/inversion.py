"""Inversion benchmarks.

Throughput (default): members x steps per second by batch size, and the speed-up of batching many ensembles
over inverting one 16-member ensemble at a time. GPU default: the 256x256 full-size generator (random weights:
the cost does not depend on them). CPU default: a 32x32 generator with 64 channels.

    python bench/inversion.py [--size 256] [--channel-max 512] [--steps 20] [--batches 16,32,64,128,256,512]

Encoder start against latent-mean start (`--compare-starts`), on a trained generator (default: the committed
`quality` generator of bench/quality_generator, trained on synthetic weather of seed 0) and held-out members:
synthetic weather of another seed (`--weather-seed`, default 1) on the generator's grid, normalised with the
generator's statistics (`--stats`, default: the `stats` folder beside the checkpoint). Its last date is scored
(`--cases` lead times, 16 members each); the encoder is trained first on the dates before it (half real, half
generated samples) unless `--encoder` names one. Per-variable MAE in physical units of inversions of 0..1000 steps
from both starts; writes DIR/starts.json.

    python bench/inversion.py --compare-starts --out DIR [--generator CKPT] [--encoder RUN] [--cases 2]

End to end (`--end-to-end`): `enriching-gan invert` of one 16-member ensemble at 15 lead times (240 members),
1000 Adam steps from the mean and `--encoder-invstep` steps of `--optimizer` from the encoder; writes
DIR/end_to_end.json.

    python bench/inversion.py --end-to-end --out DIR --encoder RUN [--encoder-invstep 100] [--optimizer lbfgs]

Memory (`--memory`): peak resident memory of inversion steps at two batch sizes, with and without activation
checkpointing, each in a fresh process; members per GB from the difference.

    python bench/inversion.py --memory [--size 64] [--channel-max 64] [--batches 32,128]
"""
import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from enriching_gan.checkpoints import load_checkpoint
from enriching_gan.data import read_labels, write_labels
from enriching_gan.encoder import EncoderTrainConfig, generator_checkpoint, load_encoder, train_encoder
from enriching_gan.inversion import OPTIMIZERS, InversionConfig, compute_latent_stats, project
from enriching_gan.jobs import member_seed
from enriching_gan.networks import Generator
from enriching_gan.pipeline import InvertSettings, invert, prepare
from enriching_gan.synthetic import LEAD_TIMES, make_synthetic_dataset
from _timing import device_name, print_table, sync

QUALITY_GENERATOR = Path(__file__).resolve().parent / 'quality_generator' / 'generator.pt'
ENCODER_LABELS = 'encoder_labels.csv'
MEAN_STEPS = (0, 100, 200, 1000)
ENCODER_STEPS = (0, 10, 25, 50, 100, 200, 1000)


def throughput(args) -> None:
    "Members x steps per second by batch size."
    cuda = torch.cuda.is_available()
    dev = torch.device('cuda' if cuda else 'cpu')
    if cuda: torch.backends.cudnn.benchmark = True
    g = Generator(args.size, 3, channel_max=args.channel_max).to(dev).eval()
    stats = compute_latent_stats(g, 2000)
    stats.mean = stats.mean.to(dev)
    rows = []
    for b in [int(v) for v in args.batches.split(',')]:
        real = torch.randn(b, 3, args.size, args.size, device=dev)
        try:
            project(g, real, InversionConfig(invstep=2), stats)   # warm-up (cuDNN algorithm choice)
            sync(dev); t0 = time.perf_counter()
            project(g, real, InversionConfig(invstep=args.steps), stats)
            sync(dev); secs = time.perf_counter() - t0
        except torch.OutOfMemoryError:
            print(f'{b} members per batch: out of memory; larger batches skipped')
            break
        finally:
            del real
            if cuda: torch.cuda.empty_cache()
        rows.append({'members per batch': b, 'members x steps / s': f'{b * args.steps / secs:.1f}'})
    base = float(rows[0]['members x steps / s'])
    for r in rows: r['speed-up vs 16'] = f"{float(r['members x steps / s']) / base:.2f}x"
    print_table(rows, f'inversion at {args.size}x{args.size}, channel_max {args.channel_max}, {args.steps} steps, '
                      f'{device_name(dev)}')
    steps_240 = 240 * 1000 / max(float(r['members x steps / s']) for r in rows)
    print(f'\nestimated wall time for one 16-member ensemble at 15 lead times (240 members, 1000 steps): '
          f'{steps_240 / 60:.1f} min')


def generator_stats(gen: Path, given) -> Path:
    "The normalisation statistics of the generator `gen`: `given`, else `stats` beside it, else its training data's."
    if given: return Path(given)
    if (gen.parent / 'stats').is_dir(): return gen.parent / 'stats'
    return Path(load_checkpoint(gen)['train_config']['data_dir']) / 'stats'


def held_out_data(gen: Path, stats: Path, out: Path, seed: int, n_dates: int, start_date: str = '2024-03-04',
                  date_step_days: int = 5) -> Path:
    """Synthetic weather of seed `seed` on the generator's grid (u, v, t2m at 3, 12, 24, 45 h; `n_dates` dates from
    `start_date`), normalised with the generator's statistics `stats`: its first `n_dates` − 1 dates train the encoder
    (`ENCODER_LABELS`), the last is scored."""
    g = load_checkpoint(gen)['g_ema']
    data = make_synthetic_dataset(out / 'data', n_dates, 16, (3, 12, 24, 45), size=g.size, seed=seed,
                                  start_date=start_date, date_step_days=date_step_days, progress=False)
    shutil.copytree(stats, data / 'stats', dirs_exist_ok=True)
    labels = read_labels(data / 'labels.csv')
    write_labels(labels[labels['Date'] != labels['Date'].max()], data / ENCODER_LABELS)
    return data


def held_out_settings(gen: Path, data: Path, out: Path, n_cases: int) -> InvertSettings:
    "Invert settings of the first `n_cases` lead times of the last date of `data` (no encoder trained on it)."
    last = read_labels(data / 'labels.csv')['Date'].max()
    return InvertSettings(ckpt_dir=str(gen), real_data_dir=str(data), stat_dir=str(data / 'stats'), date_start=last,
                          date_stop=last, leadtimes=list(range(n_cases)), output_dir=str(out / 'inverted'),
                          device='cpu')


def physical_mae(job, recon: torch.Tensor, truth: np.ndarray) -> dict:
    "Per-variable MAE of normalised reconstructions against physical fields."
    err = np.abs(job.normaliser.denormalise(recon) - truth).mean((0, 2, 3))
    return {v: float(e) for v, e in zip(job.store.var_names, err)}


def encoder_run(gen: Path, data: Path, out: Path, given, steps: int, channels: int) -> tuple[Path, float]:
    """The encoder run to use (trained in `out/encoder` on the encoder dates of `data` unless `given`) and the seconds
    its training took here."""
    if given: return Path(given), 0.
    t0 = time.perf_counter()
    train_encoder(EncoderTrainConfig(ckpt_dir=str(gen), data_dir=str(data), id_file=ENCODER_LABELS,
                                     output_dir=str(out / 'encoder'), total_steps=steps, channels=channels,
                                     device='cpu', log_every=100), resume=True)
    return out / 'encoder', time.perf_counter() - t0


def steps_to_match(curve: dict, target: dict) -> int | None:
    "The first step count whose error is at most `target` for every variable."
    return next((s for s, e in sorted(curve.items()) if all(e[v] <= target[v] for v in target)), None)


def error_curve(g, real: torch.Tensor, stats, seeds, sizes, start: torch.Tensor, optimizer: str, grid) -> tuple:
    """Reconstructions of `real` after each step count of `grid` from the codes `start`, and the seconds each took.
    Adam's schedules depend on the step count, so it runs once per count; L-BFGS has none, so its codes after fewer
    steps are the snapshots of one run (timed as the fraction of that run)."""
    torch.manual_seed(0)
    with torch.no_grad(): recons = {0: g.synthesis(start, noise=g.make_noise(len(real)))}   # the start itself
    seconds = {0: 0.}
    counts = [s for s in grid if s > 0]
    runs = [[s] for s in counts] if optimizer == 'adam' else [counts]
    for run in runs:
        cfg = InversionConfig(invstep=run[-1], optimizer=optimizer, snapshot_steps=run[:-1], snapshot_every=None)
        t0 = time.perf_counter()
        res = project(g, real, cfg, stats, seeds, groups=sizes, start=start)
        elapsed = time.perf_counter() - t0
        recons[run[-1]], seconds[run[-1]] = res.reconstruction, elapsed
        for steps, codes in res.snapshots.items():
            with torch.no_grad(): recons[steps] = g.synthesis(codes, noise=res.noises)
            seconds[steps] = elapsed * steps / run[-1]
    return recons, seconds


def optimiser_settings(optimizer: str) -> dict:
    "The settings of `optimizer` that the error curves use (their step counts and starts are the curves' own)."
    per_curve = ('invstep', 'snapshot_steps', 'snapshot_every', 'init')
    settings = InversionConfig(optimizer=optimizer).projection_settings()
    return {k: v for k, v in settings.items() if k not in per_curve}


def compare_starts(args) -> dict:
    "Errors of held-out members against inversion steps, from the latent mean and from the encoder."
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    gen = generator_checkpoint(args.generator)
    data = held_out_data(gen, generator_stats(gen, args.stats), out, args.weather_seed, args.dates)
    enc_dir, enc_seconds = encoder_run(gen, data, out, args.encoder, args.encoder_steps, args.encoder_channels)
    job = prepare(held_out_settings(gen, data, out, args.cases))
    enc = load_encoder(enc_dir, job.g)
    real = np.concatenate([job.store.ensemble(*c, normalised=True) for c in job.cases])
    truth = np.concatenate([job.store.ensemble(*c) for c in job.cases])
    sizes = [job.store.n_members(d, lt) for d, lt in job.cases]   # one ensemble per case, as `invert`
    seeds = [member_seed(0, d, lt, m) for (d, lt), n in zip(job.cases, sizes) for m in range(n)]
    real_t = torch.from_numpy(real)
    with torch.no_grad():
        starts = {'mean': job.stats.mean.expand(len(real), job.g.n_latent, -1), 'encoder': enc(real_t)}
    runs = [('mean', 'adam', MEAN_STEPS), ('encoder', args.optimizer, ENCODER_STEPS)]
    if args.optimizer != 'adam': runs.append(('mean', args.optimizer, ENCODER_STEPS))   # the same optimiser's own start
    curves, seconds = {}, {}
    for start, optimizer, grid in runs:
        name = start if optimizer == 'adam' or start == 'encoder' else f'{start}_{optimizer}'
        recons, seconds[name] = error_curve(job.g, real_t, job.stats, seeds, sizes, starts[start], optimizer, grid)
        curves[name] = {steps: physical_mae(job, recon, truth) for steps, recon in recons.items()}
        for steps, e in curves[name].items():
            errors = ', '.join(f'{v} {x:.3f}' for v, x in e.items())
            print(f'{name:12s} {steps:5d} steps: MAE {errors} ({seconds[name][steps]:.1f} s)', flush=True)
    scalar = lambda e: float(np.mean(list(e.values())))
    mean_1000, enc_1000 = curves['mean'][1000], curves['encoder'][1000]
    match = steps_to_match(curves['encoder'], mean_1000)
    result = {
        'generator': str(gen), 'encoder': str(enc_dir), 'encoder_training_seconds': round(enc_seconds, 1),
        'weather_seed': args.weather_seed, 'encoder_dates': args.dates - 1,
        'held_out_cases': [list(map(str, c)) for c in job.cases], 'members': len(real),
        'variables': job.store.var_names,
        'error': 'MAE in physical units, per variable; the scalars are the mean over variables',
        'mean_error_at_1000': scalar(mean_1000), 'encoder_error_at_1000': scalar(enc_1000),
        'encoder_steps_to_match': match,
        'mean_error_at_1000_by_variable': mean_1000, 'encoder_error_at_1000_by_variable': enc_1000,
        'optimizer': args.optimizer,
        'reference': 'mean_error_at_1000: 1000 adam steps from the latent mean (the default)',
        'inversion': {o: optimiser_settings(o) for o in sorted({'adam', args.optimizer})},
        'goal_met': match is not None and match <= 100 and all(enc_1000[v] <= mean_1000[v] for v in mean_1000),
        'curves': {k: {str(s): e for s, e in c.items()} for k, c in curves.items()},
        'seconds': {k: {str(s): round(t, 2) for s, t in c.items()} for k, c in seconds.items()},
        'threads': torch.get_num_threads(),
    }
    (out / 'starts.json').write_text(json.dumps(result, indent=1))
    rows = [{'start': k, 'steps': s, **{v: f'{e:.3f}' for v, e in curves[k][s].items()},
             'seconds': f'{seconds[k][s]:.1f}'} for k in curves for s in sorted(curves[k])]
    print_table(rows, f'held-out reconstruction MAE (physical units), {len(real)} members, '
                      f'{device_name(torch.device("cpu"))}')
    print(f"\nencoder_steps_to_match {match}; error at 1000 steps: mean {result['mean_error_at_1000']:.4f}, "
          f"encoder {result['encoder_error_at_1000']:.4f}; goal met: {result['goal_met']}; {out / 'starts.json'}")
    return result


def end_to_end(args) -> dict:
    """Wall time of `invert` of 16 members x 15 lead times, from the mean (1000 adam steps) and from the encoder
    (`--optimizer`)."""
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    gen = generator_checkpoint(args.generator)
    g = load_checkpoint(gen)['g_ema']
    data = make_synthetic_dataset(out / 'data_15', n_dates=1, lead_times=LEAD_TIMES[:15], size=g.size,
                                  var_names=('rr', 'u', 'v', 't2m'), progress=False)
    common = dict(ckpt_dir=str(gen), real_data_dir=str(data), stat_dir=str(generator_stats(gen, args.stats)),
                  device='cpu', max_members=args.max_members)
    result = {'members': 240, 'threads': torch.get_num_threads(), 'max_members': args.max_members}
    for name, extra in (('mean', {'invstep': 1000}),
                        ('encoder', {'invstep': args.encoder_invstep, 'init': 'encoder',
                                     'encoder': str(args.encoder), 'optimizer': args.optimizer})):
        settings = InvertSettings(**common, **extra, output_dir=str(out / f'inv_{name}'))
        t0 = time.perf_counter()
        paths = invert(settings, progress=False)
        result[name] = {'seconds': round(time.perf_counter() - t0, 1), 'cases': len(paths), **extra,
                        'inversion': settings.projection_settings()}
        print(f"{name}: {len(paths)} cases of 16 members, {extra['invstep']} steps: {result[name]['seconds']} s",
              flush=True)
    result['speed_up'] = round(result['mean']['seconds'] / result['encoder']['seconds'], 2)
    (out / 'end_to_end.json').write_text(json.dumps(result, indent=1))
    return result


def peak_rss_gb(size: int, channel_max: int, batch: int, checkpointing: bool, steps: int) -> float:
    "Peak resident memory growth (GB) of `steps` inversion steps, measured in a fresh process."
    code = f'''
import resource, torch
from enriching_gan.inversion import InversionConfig, compute_latent_stats, project
from enriching_gan.networks import Generator
torch.manual_seed(0)
g = Generator({size}, 3, style_dim=64, n_mlp=2, channel_max={channel_max}).eval()
stats = compute_latent_stats(g, 500)
real = torch.randn({batch}, 3, {size}, {size})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
project(g, real, InversionConfig(invstep={steps}, checkpointing={checkpointing}), stats)
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 2 ** 20)
'''
    res = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def memory(args) -> list[dict]:
    "Members per GB of inversion, with and without activation checkpointing."
    b1, b2 = [int(v) for v in args.batches.split(',')]
    rows = []
    for ckpt in (False, True):
        gb = {b: peak_rss_gb(args.size, args.channel_max, b, ckpt, args.steps) for b in (b1, b2)}
        per_member = (gb[b2] - gb[b1]) / (b2 - b1)
        rows.append({'activation checkpointing': 'on' if ckpt else 'off', f'peak GB at {b1}': f'{gb[b1]:.3f}',
                     f'peak GB at {b2}': f'{gb[b2]:.3f}', 'MB per member': f'{per_member * 1024:.1f}',
                     'members per GB': f'{1 / per_member:.0f}'})
    base = float(rows[0]['members per GB'])
    for r in rows: r['vs off'] = f"{float(r['members per GB']) / base:.2f}x"
    print_table(rows, f'inversion memory at {args.size}x{args.size}, channel_max {args.channel_max}, peak RSS growth '
                      f'(CPU, fresh process per row)')
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cuda = torch.cuda.is_available()
    p.add_argument('--compare-starts', action='store_true', help='encoder start against latent-mean start')
    p.add_argument('--end-to-end', action='store_true', help='invert 16 members x 15 lead times both ways')
    p.add_argument('--memory', action='store_true', help='members per GB with and without activation checkpointing')
    p.add_argument('--out', default=None, help='output directory of --compare-starts / --end-to-end')
    p.add_argument('--generator', default=str(QUALITY_GENERATOR), help='generator checkpoint or run checkpoints dir')
    p.add_argument('--stats', default=None, help="the generator's normalisation statistics (default: `stats` beside "
                   'the checkpoint, else those of its training data)')
    p.add_argument('--weather-seed', type=int, default=1, help='seed of the held-out synthetic weather '
                   '(--compare-starts; the generator was trained on seed 0)')
    p.add_argument('--dates', type=int, default=11, help='held-out dates: the encoder trains on all but the last, '
                   'which is scored (--compare-starts)')
    p.add_argument('--encoder', default=None, help='encoder run (default: trained in OUT/encoder)')
    p.add_argument('--encoder-steps', type=int, default=1000, help='training steps of the encoder trained here')
    p.add_argument('--encoder-channels', type=int, default=32, help='channels of the encoder trained here')
    p.add_argument('--encoder-invstep', type=int, default=100, help='inversion steps from the encoder (--end-to-end)')
    p.add_argument('--max-members', type=int, default=64, help='members per batch (--end-to-end)')
    p.add_argument('--optimizer', default='adam', choices=OPTIMIZERS, help='optimiser of the encoder-started '
                   'inversions (--compare-starts, --end-to-end); with lbfgs, the mean-started curve of '
                   '--compare-starts too (the reference stays 1000 adam steps from the mean)')
    p.add_argument('--cases', type=int, default=2, help='held-out forecasts of 16 members (--compare-starts)')
    p.add_argument('--size', type=int, default=None)
    p.add_argument('--channel-max', type=int, default=None)
    p.add_argument('--steps', type=int, default=None)
    p.add_argument('--batches', default=None)
    args = p.parse_args()
    if args.compare_starts or args.end_to_end:
        if not args.out: p.error('--compare-starts and --end-to-end need --out DIR')
        if args.compare_starts: compare_starts(args)
        if args.end_to_end:
            if not args.encoder: p.error('--end-to-end needs --encoder RUN (e.g. the one --compare-starts trained)')
            end_to_end(args)
        return
    if args.memory:
        args.size, args.channel_max = args.size or 64, args.channel_max or 64
        args.steps, args.batches = args.steps or 3, args.batches or '32,128'
        memory(args)
        return
    args.size = args.size or (256 if cuda else 32)
    args.channel_max = args.channel_max or (512 if cuda else 64)
    args.steps = args.steps or (20 if cuda else 5)
    args.batches = args.batches or ('16,32,64,128,256,512' if cuda else '16,32,64')
    throughput(args)


if __name__ == '__main__':
    main()
