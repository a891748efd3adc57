"""The grand-ensemble check: on synthetic data whose distribution is known, score (a) the raw 16 members,
(b) their inversion, (c) the enriched members and (d) a reference of many members drawn from the true
distribution, against an independent truth and against the reference.

It runs (or resumes) `enriching-gan demo` at the chosen scale in --out, then prints the table.

    python bench/quality.py [--scale cpu|gpu] [--out bench/results/quality_cpu]
"""
import argparse
import json
from pathlib import Path

from enriching_gan.pipeline import DEMO_SCALES, DemoSettings, demo
from _timing import print_table

ROWS = ['fair CRPS', 'spread-skill ratio', 'outlier fraction', 'outlier fraction if reliable',
        'vs reference: Wasserstein-1 per point, mean', 'vs reference: Q01 map L1 error', 'vs reference: Q99 map L1 error',
        'vs reference: spread ratio, domain median', 'vs reference: mean bias, mean abs over points',
        'vs reference: spectrum, mean abs log10 power ratio', 'energy score (physical units)']
SETS = ['real', 'reconstruction', 'enriched', 'reference']


def table(summary: dict) -> list[dict]:
    "Rows of the printed table, in the order of ROWS, from the summary of metrics.json."
    rows = []
    for key, values in summary.items():
        variable, score = key.split(' | ', 1)
        if score not in ROWS and variable != 'correlations': continue
        rows.append({'variable': variable, 'score': score,
                     **{name: '' if values.get(name) is None else f'{values[name]:.3f}' for name in SETS}})
    order = {s: i for i, s in enumerate(ROWS)}
    return sorted(rows, key=lambda r: (r['variable'] == 'correlations', order.get(r['score'], len(ROWS)), r['variable']))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--scale', choices=list(DEMO_SCALES), default='cpu')
    p.add_argument('--out', default=None, help='run directory (default: bench/results/quality_<scale>)')
    args = p.parse_args()
    out = Path(args.out or Path(__file__).parent / 'results' / f'quality_{args.scale}')
    sc = DEMO_SCALES[args.scale]
    where = demo(DemoSettings(output_dir=str(out), scale=args.scale))
    doc = json.loads(Path(where['metrics json']).read_text())
    print_table(table(doc['summary']),
                f'Grand-ensemble check, scale {args.scale}: {doc["n_cases"]} held-out ensembles at {sc.size}x{sc.size}, '
                f'real 16 / reconstruction 16 / enriched {sc.n_samples} / reference {sc.reference_members} members '
                f'(generator trained {sc.train_steps} steps)')


if __name__ == '__main__':
    main()
