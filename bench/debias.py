"""The debiasing flow against the raw source and its simple baseline, on held-out dates.

A synthetic reference weather (seed S: one summer, a date every 2 days, 16 members, lead times 3, 12, 24 and 45 h)
and a source with a known bias (`make_biased_source`: t2m 2 K too warm, winds 0.7 times too weak, every field
blurred). A rectified flow is trained (`enriching-gan debias train`'s trainer) on the first dates and validated on
the last ones (`enriching-gan debias validate`'s `validate`): three rows per variable, the raw source, its
climatology rescaling alone (mean and spread per lead time and point put on the reference's: no flow) and the flow.
Each held-out date is also validated alone, which gives the flow's differences to the other two rows with a 95 %
paired t interval over the dates. Writes DIR/debias.json, DIR/validation.h5 and .png; the training resumes (the
validation, a pass over the held-out cases pooled and one date by date, is done again).

    python bench/debias.py --out DIR [--seed S] [--size 32] [--dates 40] [--held-out 8] [--steps 4000]
                           [--sampling-steps 32] [--device auto]
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy.special import stdtrit

from enriching_gan.data import EnsembleStore, read_labels
from enriching_gan.debias import DebiasConfig, DebiasModel, make_biased_source
from enriching_gan.debias_apply import SamplingSettings, plot_validation, validate
from enriching_gan.pipeline import train_flow_run
from enriching_gan.synthetic import STATIC_FILE, make_synthetic_dataset

VARIABLES = ['u', 'v', 't2m']
SCORES = ('histogram L1', 'spectrum mean abs log10 ratio', 'domain-mean bias, mean abs over time', 'Q01 error',
          'Q99 error')
ROWS = ('source', 'climatology', 'debiased')


def paired_t(diffs: np.ndarray, level: float = 0.95) -> list[float]:
    "[mean, low, high] of paired differences, the interval Student's t over their n − 1 degrees of freedom."
    n, mean = len(diffs), float(np.mean(diffs))
    half = stdtrit(n - 1, (1 + level) / 2) * np.std(diffs, ddof=1) / np.sqrt(n)
    return [mean, mean - half, mean + half]


def date_differences(per_date: dict) -> dict:
    """{variable: {score: {'debiased − climatology': [mean, low, high], 'debiased − source': ...}}} over the
    dates of `per_date` ({date: validate's summary}); Q errors compared by their size."""
    out = {}
    for var in VARIABLES:
        out[var] = {}
        for score in SCORES:
            def size(row: str) -> np.ndarray:
                return np.array([abs(s[var][row][score]) for s in per_date.values()])
            out[var][score] = {f'debiased − {row}': paired_t(size('debiased') - size(row))
                               for row in ('climatology', 'source')}
    return out


def markdown_table(summary: dict, diffs: dict) -> str:
    "The three rows per variable and the flow's differences to the climatology rescaling by date, as Markdown."
    head = '| variable | row | ' + ' | '.join(SCORES) + ' |'
    lines = [head, '|' + '---|' * (len(SCORES) + 2)]
    for var in VARIABLES:
        for row in ROWS:
            lines.append(f'| {var} | {row} | ' + ' | '.join(f'{summary[var][row][s]:+.4f}' for s in SCORES) + ' |')
        cells = ['{:+.4f} [{:+.4f}, {:+.4f}]'.format(*diffs[var][s]['debiased − climatology']) for s in SCORES]
        lines.append(f'| {var} | debiased − climatology, by date | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, help='run directory (resumes)')
    p.add_argument('--seed', type=int, default=0, help='seed of the synthetic weather')
    p.add_argument('--size', type=int, default=32, help='grid points per side')
    p.add_argument('--dates', type=int, default=40, help='dates in all, a date every 2 days from 1 June')
    p.add_argument('--held-out', type=int, default=8, help='last dates, validated and never trained on')
    p.add_argument('--steps', type=int, default=4000, help='training steps of the flow')
    p.add_argument('--sampling-steps', type=int, default=32, help='Heun steps of the flow\'s ODE')
    p.add_argument('--device', default='auto', help='cpu, cuda, cuda:N or auto')
    args = p.parse_args()
    if not 2 <= args.held_out < args.dates:
        p.error(f'--held-out must be at least 2 (an interval over dates) and below --dates ({args.dates})')
    out, t0 = Path(args.out), time.time()
    reference = make_synthetic_dataset(out / 'reference', args.dates, 16, (3, 12, 24, 45), args.size, seed=args.seed,
                                       start_date='2024-06-01', date_step_days=2, progress=False)
    source = make_biased_source(reference, out / 'source')
    dates = sorted(read_labels(reference / 'labels.csv')['Date'].unique())
    train_dates, held_out = dates[:-args.held_out], dates[-args.held_out:]
    cfg = DebiasConfig(source_dir=str(source), reference_dir=str(reference), output_dir=str(out / 'run'),
                       static_file=str(reference / STATIC_FILE), date_stop=train_dates[-1], var_names=VARIABLES,
                       dropout=0., batch_size=16, lr=5e-4, warmup_steps=200, total_steps=args.steps,
                       ckpt_every=max(args.steps // 4, 1), log_every=max(args.steps // 20, 1), ema_decay=0.999,
                       device=args.device)
    train_flow_run(cfg)
    trained = time.time() - t0
    model = DebiasModel.load(out / 'run')
    src, ref = EnsembleStore(source, VARIABLES), EnsembleStore(reference, VARIABLES)
    sampling = SamplingSettings(steps=args.sampling_steps)
    cases = [c for c in ref.cases() if c[0] in held_out]
    summary = validate(model, src, ref, cases, out / 'validation.h5', sampling)
    plot_validation(out / 'validation.h5').savefig(out / 'validation.png', dpi=90)
    per_date = {d: validate(model, src, ref, [c for c in cases if c[0] == d], out / 'dates' / f'{d}.h5', sampling,
                            progress=False) for d in held_out}
    diffs = date_differences(per_date)
    doc = {'pooled': summary, 'by_date': per_date, 'differences': diffs, 'train_dates': train_dates,
           'held_out': held_out, 'settings': {**vars(args), 'flow': cfg.to_dict()},
           'seconds': {'data and training': round(trained, 1), 'in all': round(time.time() - t0, 1)}}
    (out / 'debias.json').write_text(json.dumps(doc, indent=1))
    print(markdown_table(summary, diffs))
    print(f'{len(cases)} held-out cases of {len(held_out)} dates; {doc["seconds"]}')


if __name__ == '__main__':
    main()
