"""The benchmark's goals over several weather seeds at once, and each set against the ceiling of independent draws.

One seed of `bench/quality.py` scores 18 cases (6 dates, 3 lead times; the runs of bench/RESULTS.md up to seed 17,
12 cases of 3 dates and 4 lead times), too few to decide a goal set at a fraction of a percent. For finished runs made with the same protocol
(directories with `quality.json` and `evaluation/metrics.csv`, every set's scores on every evaluation case), this
script pools the cases of all runs and gives, per variable, with 95 % intervals from resampling the evaluation dates
of each run with their lead times (the lead times of a date share its weather, so they are not independent): n − 1
of each run's n dates, drawn with replacement, the rescaled bootstrap of stratified samples, whose variance for a mean
is the unbiased one (resampling all n would shrink it by (n − 1)/n); each interval is the estimate ± Student's t
quantile, of as many degrees of freedom as dates less runs, times the standard deviation of its resampled values
(`enriching_gan.benchmark.t_interval`: the percentiles of so few dates cover less than 95 %), as `bench/quality.py`
does for one run:
- each set's fair CRPS relative to the raw 16's and its share of the ideal set's standard-CRPS gain, (raw 16 − set) /
  (raw 16 − ideal), each a ratio of means over the pooled cases (so seeds with a larger gain weigh more than in the
  mean of the seeds' shares);
- each set's standard CRPS minus the raw 16's; minus that of `ideal_given_real`, the truth's distribution given the
  16's mean, the ceiling of members drawn independently from a distribution that moves with the 16, in Gaussian
  weather (a run made before that set existed gets it by running `bench/quality.py` on it again with its arguments:
  it resumes, and only scores); and minus that of `dressing_centred`, the dressing baseline with the differences of
  each real member's new members centred on it, where the runs scored it; CRPS in m/s for u and v, in K for t2m;
- then how many (run, variable) pairs meet each goal of `enriching_gan.benchmark.goals_met`, for each set that every
  run scored (the reconstructions: their own goal).

    python bench/pool_seeds.py RUN [RUN ...] [--n_boot 2000] [--seed 0]
"""
import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from enriching_gan.benchmark import date_block_draws, goals_met, t_interval
from enriching_gan.files import InputError

CEILING = 'ideal_given_real'
CENTRED_DRESSING = 'dressing_centred'
VARIABLES = ('u', 'v', 't2m')
SCORES = {'fair': 'fair CRPS', 'std': 'standard CRPS'}
LEADING_SETS = ('enriched', 'dressing', CENTRED_DRESSING, CEILING)
NOT_MADE = {'real', 'ideal', 'reference'}                 # the sets the others are measured against
DIGITS = {'fair CRPS vs raw 16 (%)': 2, 'share of the gain': 3, 'standard CRPS − raw 16': 4,
          'standard CRPS − ceiling': 4, 'standard CRPS − centred dressing': 4}


def documents(runs: list[Path]) -> list[dict]:
    "Each run's `quality.json`, checked to be finished, to hold the ceiling, and to share one protocol."
    if len({run.resolve() for run in runs}) < len(runs): raise SystemExit('a run is given twice: give each run once')
    docs = []
    for run in runs:
        if not (run / 'quality.json').is_file() or not (run / 'evaluation' / 'metrics.csv').is_file():
            raise SystemExit(f'{run}: no quality.json or evaluation/metrics.csv, not a finished bench/quality.py run')
        docs.append(json.loads((run / 'quality.json').read_text()))
        if CEILING not in docs[-1]['u']:
            raise SystemExit(f'{run}: no set {CEILING}; run bench/quality.py on it again (it resumes, and scores it)')
    protocol = lambda doc: {k: v for k, v in doc['protocol'].items() if k != 'variants'}
    for run, doc in zip(runs[1:], docs[1:]):
        if protocol(doc) != protocol(docs[0]):
            raise SystemExit(f'{run} was made with another protocol than {runs[0]}: pool runs of one protocol')
        if doc.get('lead_times') != docs[0].get('lead_times'):
            raise SystemExit(f"{run} scored the lead times {doc.get('lead_times')}, {runs[0]} "
                             f"{docs[0].get('lead_times')} (None: not recorded; running bench/quality.py again on a "
                             'run with its arguments records them): pool runs of the same lead times')
        if len(doc['split']['evaluate']) != len(docs[0]['split']['evaluate']):
            raise SystemExit(f"{run} scored {len(doc['split']['evaluate'])} dates, {runs[0]} "
                             f"{len(docs[0]['split']['evaluate'])}: pool runs of as many dates (each run's dates are "
                             'resampled alone, so the intervals assume runs of one design)')
    return docs


def case_scores(runs: list[Path]) -> pd.DataFrame:
    """The fair and standard CRPS of every set on every case of `runs` (rows: (run, date, lead time); columns:
    (variable, score, set)), keeping the sets that every run scored."""
    frames = []
    for i, run in enumerate(runs):
        table = pd.read_csv(run / 'evaluation' / 'metrics.csv')
        frames.append(table[table['score'].isin(SCORES.values())].assign(run=i))
    wide = pd.concat(frames).pivot_table(index=['run', 'date', 'lead_time'], columns=['variable', 'score', 'set'],
                                         values='value')
    return wide.dropna(axis=1)


def pooled_statistics(wide: pd.DataFrame, variable: str, draws: np.ndarray) -> dict[str, dict[str, list]]:
    """{set: {statistic: [estimate, resampled values]}} of one variable: fair CRPS relative to the raw 16's (%), share
    of the ideal set's standard-CRPS gain, standard CRPS minus the raw 16's, the ceiling's and the centred dressing
    baseline's (where scored)."""
    column = lambda score, name: wide[variable, SCORES[score], name].to_numpy()
    means = lambda x: (x.mean(), x[draws].mean(1))                 # over all cases, and over each resample
    ratio = lambda f, a, b: [f(x, y) for x, y in zip(a, b)]
    real_fair, real_std, ideal_std = means(column('fair', 'real')), means(column('std', 'real')), \
        means(column('std', 'ideal'))
    gain = ratio(lambda r, i: r - i, real_std, ideal_std)
    out = {}
    for name in wide[variable].columns.get_level_values('set').unique():
        if name in NOT_MADE: continue
        fair, std = means(column('fair', name)), means(column('std', name))
        out[name] = {'fair CRPS vs raw 16 (%)': ratio(lambda f, r: 100 * (f / r - 1), fair, real_fair),
                     'share of the gain': ratio(lambda s, g: s / g, ratio(lambda r, s: r - s, real_std, std), gain),
                     'standard CRPS − raw 16': list(means(column('std', name) - column('std', 'real')))}
        for label, other in (('ceiling', CEILING), ('centred dressing', CENTRED_DRESSING)):
            if name != other and other in wide[variable].columns.get_level_values('set'):
                out[name][f'standard CRPS − {label}'] = list(means(column('std', name) - column('std', other)))
    return out


def formatted(estimate: float, resampled: np.ndarray, digits: int, df: int) -> str:
    "The estimate with its 95 % interval (`t_interval`, `df` degrees of freedom)."
    low, high = t_interval(estimate, resampled, df)
    return f'{estimate:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]'


def goal_counts(docs: list[dict]) -> pd.DataFrame:
    """How many (run, variable) pairs of the runs' documents `docs` meet each goal (rows), for each set that every
    run scored (columns); the reconstructions are held to their own goal."""
    shared = set.intersection(*(set(doc['u']) for doc in docs)) - NOT_MADE
    names = [n for n in LEADING_SETS if n in shared] + sorted(shared - set(LEADING_SETS))
    pairs = [(doc, v) for doc in docs for v in VARIABLES]
    counts = {name: Counter() for name in names}
    for name in names:
        for doc, v in pairs: counts[name].update({goal: int(met) for goal, met in goals_met(doc, v, name).items()})
    return pd.DataFrame({name: {goal: f'{n} / {len(pairs)}' for goal, n in met.items()}
                         for name, met in counts.items()})


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='+', help='directories of finished `bench/quality.py` runs')
    p.add_argument('--n_boot', type=int, default=2000, help='bootstrap resamples of the dates (at least 100)')
    p.add_argument('--seed', type=int, default=0, help='random seed of the bootstrap')
    args = p.parse_args()
    if args.n_boot < 100: p.error('--n_boot: at least 100 resamples')
    runs = [Path(r) for r in args.runs]
    docs = documents(runs)
    wide = case_scores(runs)
    try: draws = date_block_draws(wide.index, args.n_boot, np.random.default_rng(args.seed), stratum='run')
    except InputError as e: raise SystemExit(f'pool_seeds.py: {e}')
    n_dates = wide.index.droplevel('lead_time').nunique()
    df = n_dates - len(runs)
    print(f'{len(wide)} cases ({n_dates} dates) of {len(runs)} runs; 95 % intervals: t of {df} degrees of freedom '
          f'times the standard deviation over {args.n_boot} resamples of the dates within each run (n − 1 of n); '
          f'ceiling: {CEILING}; CRPS in m/s (u, v) and K (t2m)')
    for variable in VARIABLES:
        stats = pooled_statistics(wide, variable, draws)
        names = [n for n in LEADING_SETS if n in stats] + sorted(set(stats) - set(LEADING_SETS))
        table = pd.DataFrame({name: {k: formatted(*v, DIGITS[k], df) for k, v in stats[name].items()}
                              for name in names}).T
        print(f'\n{variable}\n{table.to_string(na_rep="")}')
    print(f'\n(run, variable) pairs meeting each goal:\n{goal_counts(docs).to_string(na_rep="")}')


if __name__ == '__main__':
    main()
