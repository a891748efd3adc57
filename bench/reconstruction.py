"""How closely generators reconstruct held-out members: issue 14's goal for the `quality` generator is a
reconstruction fair CRPS within 10 % of the real members'.

Each generator (a checkpoint file, or every checkpoint of a training run's directory, `--steps` to pick some) inverts
the 16 members of the last `--scored-dates` dates (at `--lead-times`, of the data's 3, 12, 24 and 45 h) of held-out
synthetic weather (`--weather-seed`, default 1, the data of `bench/inversion.py --compare-starts`; `--weather-start`
and `--date-step-days` place its dates, e.g. on the generator's training dates), `--invstep` steps from the latent
mean with the default inversion settings of `enriching-gan invert` (`--loss`: its pixel loss; `--optimizer`: adam or
lbfgs; `--relative-spread`).
Scores per variable: MAE against the real members (physical units), and the fair CRPS of the 16 reconstructions and
of the 16 real members against `--truths` verifying fields of the synthetic truth; the excess is reconstruction /
real − 1, with a 95 % interval over the dates (the lead times of a date share its weather, so whole dates are
resampled, n − 1 of n, and the interval is the excess ± Student's t of n − 1 degrees of freedom times the resampled
excesses' sd: `enriching_gan.benchmark.t_interval`); with several generators, each one's excess minus the first
one's, with a paired interval (the same dates resampled for both). Three ratios say what the error is made of:
`common_error` (the mean over points of |the 16 members' mean error| over their MAE: about 1/√16 = 0.25 for errors
independent from member to member, 1 for an error shared by all), `common_error_power` (the power of that mean error
over the power of the members' mean field, at wavelengths of 8 grid lengths or more and at shorter ones: which scales
the reconstructions miss) and `spread_ratio` (the reconstructions' spread over the real members', per lead time). The
held-out data are normalised with the statistics of the first generator, so give generators trained on the same data.
`bench/representation.py` says whether the dimension of a generator's codes bounds these reconstructions.

    python bench/reconstruction.py --out DIR [--generators CKPT_OR_RUN_DIR ...] [--steps 1500 3000]
                                   [--invstep 300] [--loss mae] [--optimizer lbfgs] [--relative-spread 0.5]
                                   [--weather-seed 1] [--weather-start 2024-03-04] [--date-step-days 5]
                                   [--scored-dates 4] [--lead-times 3 24 45]

Writes DIR/reconstruction.json.
"""
import argparse
import json
import time
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from enriching_gan.benchmark import date_block_draws, t_interval
from enriching_gan.data import EnsembleStore, read_labels
from enriching_gan.encoder import generator_checkpoint
from enriching_gan.inversion import LOSSES, OPTIMIZERS, InversionConfig
from enriching_gan.jobs import load_case
from enriching_gan.metrics import crps_many
from enriching_gan.pipeline import InvertSettings, invert, prepare
from enriching_gan.synthetic import SyntheticTruth
from enriching_gan.train import checkpoint_step, run_checkpoints
from _timing import print_table
from inversion import QUALITY_GENERATOR, generator_stats, held_out_data

GOAL = 0.10   # largest excess of the reconstruction's fair CRPS over the real members'


def checkpoints_of(paths: list[str], steps: list[int] | None) -> list[Path]:
    "Checkpoint files: each file given, and the checkpoints (those of `steps` when given) of each directory given."
    found = []
    for p in map(Path, paths):
        if not p.is_dir(): found.append(generator_checkpoint(p)); continue
        run = run_checkpoints(p / 'checkpoints' if (p / 'checkpoints').is_dir() else p)
        picked = [c for c in run if steps is None or checkpoint_step(c) in steps]
        if not picked: raise SystemExit(f'{p}: no checkpoint{" of steps " + str(steps) if steps else ""}')
        found += picked
    return found


def label_of(ckpt: Path, i: int, taken: Collection[str]) -> str:
    """A name for the `i`-th checkpoint, not among the names `taken`: `parent/run@step` for a training checkpoint of
    `parent/run/checkpoints`, else its folder and file, with `#i` added where that name is taken."""
    if ckpt in run_checkpoints(ckpt.parent):
        label = f"{'/'.join(ckpt.parent.parent.parts[-2:])}@{checkpoint_step(ckpt)}"
    else: label = '/'.join(ckpt.parts[-2:])
    return f'{label}#{i}' if label in taken else label


def excess(per_case: np.ndarray) -> np.ndarray:
    "The excess mean(rec) / mean(real) − 1 over the cases (axis −2) of (..., cases, 2) pairs (rec, real)."
    mean = per_case.mean(-2)
    return mean[..., 0] / mean[..., 1] - 1


def interval(per_case: np.ndarray, draws: np.ndarray, df: int, first: np.ndarray | None = None) -> list[float]:
    """95 % t interval over dates of the excess of (cases, 2) pairs (rec, real), or of that excess minus the excess of
    the `first` generator's pairs on the same cases (paired: the same resampled dates); `draws`: rows of case
    positions resampling whole dates (`date_block_draws`), `df`: the dates less one."""
    def excess_of(cases=slice(None)):
        return excess(per_case[cases]) - (0 if first is None else excess(first[cases]))
    return [float(v) for v in t_interval(excess_of(), excess_of(draws), df)]


def lead_indices(data: Path, hours: list[float]) -> list[int]:
    "The lead-time indices of the data set `data` at `hours`; exits naming the hours it has when one is missing."
    index = {h: i for i, h in EnsembleStore(data).lead_hours().items()}
    missing = [h for h in hours if h not in index]
    if missing: raise SystemExit(f'--lead-times {missing}: the held-out data has {sorted(index)} h')
    return [index[h] for h in hours]


def band_powers(field: np.ndarray) -> np.ndarray:
    """Power of each variable of a square (V, H, W) field at wavelengths of 8 grid lengths or more (rings of
    wavenumber 1 to H/8 cycles per domain) and at shorter ones (every other wavenumber, the spectrum's corners
    included): (V, 2)."""
    n = field.shape[-1]
    power = np.abs(np.fft.fft2(field - field.mean((-2, -1), keepdims=True))) ** 2
    ring = np.hypot(*np.meshgrid(np.fft.fftfreq(n) * n, np.fft.fftfreq(n) * n)).round()
    long = (ring >= 1) & (ring <= n // 8)
    return np.stack([power[:, long].sum(1), power[:, ring > n // 8].sum(1)], 1)


def score(store: EnsembleStore, cases: list, inverted: Path, truth: SyntheticTruth, n_truths: int,
          draws: np.ndarray, df: int) -> tuple[dict, np.ndarray]:
    """MAE, fair CRPS of reconstruction and real, the excess with its interval (`draws` and `df` as `interval`'s), the
    common part of the error (its share and its power against the members' mean field's, by scale) and the spread
    ratio per lead time, per variable; and the fair CRPS per case, (cases, V, 2) for (reconstruction, real)."""
    mae, common, spread, fair = [], [], [], []   # per case: (V,), (V,), (V,), (V, 2) for (reconstruction, real)
    error_power, field_power = 0., 0.            # summed over cases: (V, 2) for (long, short) wavelengths
    for case in cases:
        real, rec = store.ensemble(*case), load_case(inverted, case)['reconstruction_physical']
        truths = truth.truths(*case, n_truths)
        mae.append(np.abs(rec - real).mean((0, 2, 3)))
        common.append(np.abs((rec - real).mean(0)).mean((1, 2)))
        error_power = error_power + band_powers((rec - real).mean(0))
        field_power = field_power + band_powers(real.mean(0))
        spread.append(rec.std(0, ddof=1).mean((1, 2)) / real.std(0, ddof=1).mean((1, 2)))
        fair.append(np.stack([crps_many(x, truths)['fair'].mean((0, 2, 3)) for x in (rec, real)], -1))
    mae, common, spread, fair = map(np.array, (mae, common, spread, fair))
    lead, hours, out = np.array([c[1] for c in cases]), store.lead_hours(), {}
    for i, v in enumerate(store.var_names):
        rec_f, real_f = fair[:, i].mean(0)
        out[v] = {'mae': float(mae[:, i].mean()), 'crps_fair': float(rec_f), 'crps_fair_real': float(real_f),
                  'excess': float(excess(fair[:, i])), 'excess_interval': interval(fair[:, i], draws, df),
                  'common_error': float(common[:, i].mean() / mae[:, i].mean()),
                  'common_error_power': dict(zip(('8 cells or longer', 'shorter'),
                                                 map(float, error_power[i] / field_power[i]))),
                  'spread_ratio': {f'{hours[lt]:g} h': float(spread[lead == lt, i].mean()) for lt in sorted(set(lead))}}
    return out, fair


def add_difference(scores: dict, var_names: list[str], fair: np.ndarray, first_fair: np.ndarray, draws: np.ndarray,
                   df: int) -> None:
    """Each variable's excess minus the first generator's, with a paired interval (`draws` and `df` as `interval`'s);
    `fair` and `first_fair`: the fair CRPS per case of both, (cases, V, 2) with the variables `var_names`."""
    for i, v in enumerate(var_names):
        scores[v]['excess_minus_first'] = float(excess(fair[:, i]) - excess(first_fair[:, i]))
        scores[v]['excess_minus_first_interval'] = interval(fair[:, i], draws, df, first_fair[:, i])


def difference_cell(sc: dict) -> str:
    "A variable's excess minus the first generator's, in points, with its interval ('—' for the first)."
    if 'excess_minus_first' not in sc: return '—'
    low, high = (100 * x for x in sc['excess_minus_first_interval'])
    return f"{100 * sc['excess_minus_first']:+.1f} [{low:+.1f}, {high:+.1f}]"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, help='output directory')
    p.add_argument('--generators', nargs='+', default=[str(QUALITY_GENERATOR)],
                   help='checkpoint files or training-run directories (default: the committed quality generator)')
    p.add_argument('--steps', type=int, nargs='+', default=None, help='checkpoints of these steps in run directories')
    p.add_argument('--invstep', type=int, default=300, help='inversion steps (300: bench/quality.py\'s Adam inversion '
                   'until 2026-12-02; it now inverts 100 with --optimizer lbfgs --relative-spread 0.5)')
    p.add_argument('--loss', default=InversionConfig().loss, choices=LOSSES,
                   help="the inversion's pixel loss (default: invert's, %(default)s)")
    p.add_argument('--optimizer', default=InversionConfig().optimizer, choices=OPTIMIZERS,
                   help="the inversion's optimiser (default: invert's, %(default)s)")
    p.add_argument('--relative-spread', type=float, default=InversionConfig().relative_spread,
                   help="lbfgs: the fraction of the last steps with the spread term's δ relative to each ensemble's "
                        'spread (`invert --relative_spread`)')
    p.add_argument('--stats', default=None, help="normalisation statistics (default: the first generator's)")
    p.add_argument('--weather-seed', type=int, default=1, help='seed of the held-out synthetic weather')
    p.add_argument('--weather-start', default='2024-03-04', help='first date of the weather made (the default: '
                   "after the quality generator's training dates; on them: --weather-seed 0 --weather-start "
                   '2023-01-02 --date-step-days 2)')
    p.add_argument('--date-step-days', type=int, default=5, help='days between the dates of the weather made')
    p.add_argument('--dates', type=int, default=11, help='held-out dates made (as --compare-starts)')
    p.add_argument('--scored-dates', type=int, default=4, help='the last dates scored (at least 2: the intervals '
                   'resample dates; until 2026-12-03 2 dates of four lead times, intervals resampling cases)')
    p.add_argument('--lead-times', type=float, nargs='+', default=[3, 24, 45],
                   help="lead times scored, in hours, among the held-out data's 3, 12, 24 and 45")
    p.add_argument('--truths', type=int, default=32, help='verifying fields per case')
    args = p.parse_args()
    if args.scored_dates < 2: p.error('--scored-dates: at least 2 (the intervals resample dates)')
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    ckpts = checkpoints_of(args.generators, args.steps)
    data = held_out_data(ckpts[0], generator_stats(ckpts[0], args.stats), out, args.weather_seed, args.dates,
                         args.weather_start, args.date_step_days)
    dates = sorted(set(read_labels(data / 'labels.csv')['Date']))[-args.scored_dates:]
    leads = lead_indices(data, args.lead_times)

    continuation = f'_rs{args.relative_spread:g}' if args.relative_spread else ''

    def settings(ckpt: Path, i: int) -> InvertSettings:
        "The inversion of the scored dates by the `i`-th generator `ckpt`."
        return InvertSettings(ckpt_dir=str(ckpt), real_data_dir=str(data), stat_dir=str(data / 'stats'),
                              date_start=dates[0], date_stop=dates[-1], leadtimes=leads, invstep=args.invstep,
                              loss=args.loss, optimizer=args.optimizer, relative_spread=args.relative_spread,
                              device='cpu',
                              output_dir=str(out / 'inverted' / f'{ckpt.stem}_{i}_inv{args.invstep}_{args.loss}'
                                                                f'_{args.optimizer}{continuation}'))

    job = prepare(settings(ckpts[0], 0))   # the data and cases, the same for every generator
    truth, results, rows, first_fair = SyntheticTruth(data), {}, [], None
    draws = date_block_draws(pd.MultiIndex.from_tuples(job.cases, names=['date', 'lead_time']), 2000,
                             np.random.default_rng(args.weather_seed))    # the same dates resampled for every generator
    df = len(dates) - 1
    for i, ckpt in enumerate(ckpts):
        label, t0, s = label_of(ckpt, i, results), time.perf_counter(), settings(ckpt, i)
        resumed = Path(s.output_dir).is_dir()              # an inversion left by an earlier run, resumed (or reused)
        invert(s, progress=False)
        scores, fair = score(job.store, job.cases, Path(s.output_dir), truth, args.truths, draws, df)
        if first_fair is None: first_fair = fair
        else: add_difference(scores, job.store.var_names, fair, first_fair, draws, df)
        results[label] = {'checkpoint': str(ckpt), 'inversion': s.projection_settings(), 'resumed': resumed,
                          'seconds': round(time.perf_counter() - t0), 'variables': scores}
        rows.append({'generator': label, 'invstep': args.invstep, 'loss': args.loss, 'optimizer': args.optimizer,
                     'relative_spread': args.relative_spread,
                     **{f'{v} MAE': f"{sc['mae']:.3f}" for v, sc in scores.items()},
                     **{f'{v} excess': f"{sc['excess']:+.1%} [{sc['excess_interval'][0]:+.1%}, "
                                       f"{sc['excess_interval'][1]:+.1%}]" for v, sc in scores.items()},
                     **({f'{v} − first, points': difference_cell(sc) for v, sc in scores.items()}
                        if len(ckpts) > 1 else {}),
                     f"common error {' / '.join(scores)}": ' / '.join(f"{sc['common_error']:.2f}"
                                                                   for sc in scores.values())})
        print(rows[-1], flush=True)
    summary = {'goal': f'reconstruction fair CRPS at most {GOAL:.0%} above the real members\'', 'cases':
               len(job.cases), 'dates': dates, 'lead_times': args.lead_times,
               'interval': f'95 % t interval over the {len(dates)} dates ({df} degrees of freedom)',
               'weather_seed': args.weather_seed, 'weather_start': args.weather_start,
               'date_step_days': args.date_step_days, 'truths': args.truths,
               'generators': results}
    (out / 'reconstruction.json').write_text(json.dumps(summary, indent=1))
    versus = f'; − first: excess minus that of {next(iter(results))}, paired interval' if len(results) > 1 else ''
    print_table(rows, f'held-out reconstruction, {len(job.cases)} cases of 16 members (excess: fair CRPS over the '
                      f'real members\', {summary["interval"]}; goal at most +{GOAL:.0%}{versus})')


if __name__ == '__main__':
    main()
