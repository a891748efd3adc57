"""Would choosing the method's option on the tuning dates have chosen well?

For finished runs of `bench/quality.py` (their directories, each with `quality.json`), this script enriches each
run's tuning dates with the default method and with each of its variants that inverts as the default does (the
strengths each variant was tuned with, the run's inversions), scores the enriched members' standard CRPS against the
synthetic truths of those dates (as the dressing baseline's constant is chosen), picks the set with the lowest
standard CRPS relative to the raw 16's (averaged over u, v, t2m), and sets beside it what the run measured on its
evaluation dates: the share of the ideal set's gain, the fair CRPS and the Q01/Q99 errors against the raw 16's. The
last table counts the benchmark's goals for the set chosen on each run against the default's.

    python bench/choose_on_tuning.py RUN [RUN ...] [--generator DIR] [--out DIR]

It writes the tuning dates' enriched members under `--out` (default: each RUN/tuning_choice) and resumes there.
"""
import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from enriching_gan.benchmark import goals_met
from enriching_gan.data import EnsembleStore
from enriching_gan.jobs import load_case
from enriching_gan.metrics import crps_many
from enriching_gan.pipeline import BENCHMARK_VARIANTS, INVERSION_KEYS, BenchmarkProtocol, enrich_as_variant
from enriching_gan.synthetic import SyntheticTruth

GENERATOR = Path(__file__).resolve().parent / 'quality_generator'
VARIABLES = ['u', 'v', 't2m']


def candidates(doc: dict) -> list[str]:
    "The default and the run's variants that work on the default's inversion."
    return ['enriched'] + [v for v in doc['protocol']['variants'] if not INVERSION_KEYS & set(BENCHMARK_VARIANTS[v])]


def tuning_scores(run: Path, doc: dict, names: list[str], generator: Path, out: Path) -> pd.DataFrame:
    """Standard CRPS of each set in `names` on the run's tuning dates relative to the raw 16's, − 1 (rows: sets,
    columns: variables)."""
    store, truth = EnsembleStore(run / 'data', VARIABLES), SyntheticTruth(run / 'data', VARIABLES)
    dates = doc['split']['tune']
    cases = [c for c in store.cases() if c[0] in dates]
    truths = {c: truth.truths(*c, doc['protocol']['truths']) for c in cases}
    crps = lambda members, c: crps_many(members, truths[c])['std'].mean(axis=(0, 2, 3))
    real = np.mean([crps(store.ensemble(*c), c) for c in cases], 0)
    common = {'ckpt_dir': str(generator / 'generator.pt'), 'real_data_dir': str(run / 'data'),
              'stat_dir': str(generator / 'stats'), 'device': 'cpu', 'var_names': VARIABLES}
    protocol, rows = BenchmarkProtocol(**doc['protocol']), {}
    for name in names:
        target = enrich_as_variant(name, common, dates, run / 'inverted', run / 'tuned' / name, out / name, protocol,
                                   progress=False)
        rows[name] = np.mean([crps(load_case(target, c)['members'], c) for c in cases], 0) / real - 1
    return pd.DataFrame(rows, index=VARIABLES).T


def evaluation_scores(doc: dict, name: str) -> dict[str, list[float]]:
    "What the run measured for set `name` on its evaluation dates, per variable."
    relative = lambda v, score: 100 * (doc[v][name][score] / doc[v]['real'][score] - 1)
    return {'share': [doc['gain_captured'][v][name] for v in VARIABLES],
            'fair %': [relative(v, 'crps_fair') for v in VARIABLES],
            'Q01/Q99 %': [(relative(v, 'q01_error'), relative(v, 'q99_error')) for v in VARIABLES]}


COUNTED_GOALS = (">= 30 % of the ideal set's standard-CRPS gain", "fair CRPS within 3 % of the raw 16's",
                 'Q01 and Q99 errors >= 20 % lower')


def goals(doc: dict, name: str) -> dict[str, int]:
    "How many of a run's pairs (variables) set `name` meets each goal of share, fair CRPS and tails on."
    met = [goals_met(doc, v, name) for v in VARIABLES]
    return {goal: sum(m[goal] for m in met) for goal in COUNTED_GOALS}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('runs', nargs='+', help='directories of finished `bench/quality.py` runs')
    p.add_argument('--generator', default=str(GENERATOR), help='the generator folder the runs were made with')
    p.add_argument('--out', default=None, help='where the tuning dates are enriched (default: RUN/tuning_choice)')
    args = p.parse_args()
    counts = {}
    for run in map(Path, args.runs):
        doc = json.loads((run / 'quality.json').read_text())
        out = Path(args.out) / run.name if args.out else run / 'tuning_choice'
        scores = tuning_scores(run, doc, candidates(doc), Path(args.generator), out)
        chosen = scores.mean(axis=1).idxmin()
        print(f'{run}: standard CRPS on the tuning dates relative to the raw 16 (%), and the evaluation dates; '
              f'chosen: {chosen}')
        for name, row in scores.iterrows():
            e = evaluation_scores(doc, name)
            tails = ', '.join(f'{a:+.0f}/{b:+.0f}' for a, b in e['Q01/Q99 %'])
            print(f'  {name:20s} tuning {" ".join(f"{100 * x:+.2f}" for x in row)} | share '
                  f'{" ".join(f"{x:.3f}" for x in e["share"])} | fair {" ".join(f"{x:+.2f}" for x in e["fair %"])} '
                  f'| Q01/Q99 {tails}')
        for label, name in (('default', 'enriched'), ('chosen on the tuning dates', chosen)):
            for goal, n in goals(doc, name).items(): counts.setdefault(label, {}).setdefault(goal, []).append(n)
    pairs = len(VARIABLES) * len(args.runs)
    print(f'\ngoals met over the {pairs} pairs of a variable and a run:')
    for label, met in counts.items():
        print(f'  {label:28s} ' + ', '.join(f'{goal} {sum(n)} / {pairs}' for goal, n in met.items()))


if __name__ == '__main__':
    main()
