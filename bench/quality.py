"""The enrichment benchmark with the committed `quality` generator, out of sample.

The generator in bench/quality_generator/ was trained on synthetic weather of seed 0 (`enriching-gan demo --scale
quality`, see its README). This script makes synthetic weather of another seed S on the same domain (new dates, new
anomalies, new member perturbations), tunes the perturbation strengths and the dressing baseline on the first
`--tune_dates` dates, and scores the last `--evaluate_dates` dates: real 16, reconstruction, the enriched members of
the default method and of each option, the dressing baseline and the ideal set, against many independent truths and
a large reference. It writes DIR/quality.json ({variable: {set: {score: value}}}, gain_captured, intervals) beside
the evaluation's metrics and report, and prints the headline table.

By default 6 dates of 3 lead times (3, 24, 45 h) are scored, 18 cases, and the 95 % intervals resample the dates with
their lead times (which share a date's weather), with Student's t quantile of 5 degrees of freedom. The runs of
bench/RESULTS.md up to seed 17 scored 12 cases (`--evaluate_dates 3 --lead_times 3 12 24 45`), with intervals from
resampling the cases one by one. A run directory made with other lead times or another seed is refused.

The default method inverts the members with 100 L-BFGS steps from the latent mean, the last 50 with the spread term
relative to each ensemble's spread (`--optimizer lbfgs --invstep 100 --relative_spread 0.5`, the benchmark's
inversion since 2026-12-02). A run directory made before then holds 300 Adam steps' codes: it resumes with
`--optimizer adam --invstep 300 --relative_spread 0`, and is refused otherwise.

By default the one option scored beside the default method is `direct` (the original decoding): a fresh run of
that took 8 min 3 s on 2 CPU cores. The other options are scored when asked for: `--variants fresh_noise
shared_pca ...` (about a minute each; those that invert again longer: `adam`, 300 Adam steps, and `vector_noise`, `mse`
and `mae`, Adam with one of the original's settings, to be compared with `adam`, 9 to 12.5 minutes each; about 4 for
`short_inversion` and `encoder_start`, 100 Adam steps from the latent mean or from the codes of the committed
encoder, and `lbfgs`, L-BFGS without its second phase), and the flow route with
`--flow bench/quality_flow` (the committed flow, about 2 more minutes). A run directory resumes, so they can be added
to a finished run (one made by a version of the package with other enrichment settings is refused, naming them).

`--generator DIR` scores another generator folder laid out as bench/quality_generator/ (`generator.pt`, `stats/`;
`encoder.pt` for `encoder_start`), e.g. the one committed before 2026-12-03, taken from git.

    python bench/quality.py --seed S --out DIR [--variants direct fresh_noise shared_pca] [--flow bench/quality_flow]
                            [--generator DIR]
"""
import argparse
import json
import sys
import time
from pathlib import Path

from enriching_gan.benchmark import gains_table, interval_table, split_dates
from enriching_gan.data import read_labels
from enriching_gan.files import InputError
from enriching_gan.inversion import OPTIMIZERS
from enriching_gan.pipeline import BENCHMARK_VARIANTS, BenchmarkProtocol, headline_table, run_benchmark
from enriching_gan.synthetic import SyntheticMismatch, make_synthetic_dataset

GENERATOR = Path(__file__).resolve().parent / 'quality_generator'
FLOW = Path(__file__).resolve().parent / 'quality_flow'


def main():
    default = BenchmarkProtocol()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--seed', type=int, default=1, help='seed of the synthetic weather (0 is the training weather)')
    p.add_argument('--out', required=True, help='run directory (resumes when run again)')
    p.add_argument('--tune_dates', type=int, default=2)
    p.add_argument('--evaluate_dates', type=int, default=6)
    p.add_argument('--lead_times', type=int, nargs='+', default=[3, 24, 45])
    p.add_argument('--variants', nargs='*', default=['direct'],
                   choices=list(BENCHMARK_VARIANTS)[1:], help='options of the method scored beside the default; '
                   'adam, vector_noise, mse, mae, short_inversion, encoder_start and lbfgs invert again (the first '
                   'four 9 to 12.5 min each on 2 cores)')
    p.add_argument('--optimizer', default=default.optimizer, choices=OPTIMIZERS,
                   help="optimiser of the default method's inversion (default: %(default)s)")
    p.add_argument('--invstep', type=int, default=default.invstep, help='its steps (default: %(default)s)')
    p.add_argument('--relative_spread', type=float, default=default.relative_spread,
                   help='lbfgs: the fraction of its last steps with the spread term relative to each ensemble\'s '
                        'spread; 0 with adam (default: %(default)s)')
    p.add_argument('--tune_steps', type=int, default=default.tune_steps)
    p.add_argument('--truths', type=int, default=default.truths)
    p.add_argument('--reference_members', type=int, default=default.reference_members)
    p.add_argument('--n_samples', type=int, default=default.n_samples)
    p.add_argument('--flow', default=None, help='run directory of an enrichment flow, scored as the set `flow` '
                   f'(the committed one: {FLOW.relative_to(FLOW.parents[1])}; default: the GAN route alone)')
    p.add_argument('--generator', default=str(GENERATOR), help='folder of the generator scored: generator.pt and its '
                   'statistics in stats/ (default: the committed quality generator)')
    p.add_argument('--encoder', default=None, help='encoder of the generator, for the variant encoder_start '
                   "(default: the generator folder's encoder.pt)")
    p.add_argument('--device', default='auto')
    args = p.parse_args()
    t0, out, generator = time.time(), Path(args.out), Path(args.generator)
    args.encoder = args.encoder or str(generator / 'encoder.pt')
    protocol = BenchmarkProtocol(optimizer=args.optimizer, invstep=args.invstep, relative_spread=args.relative_spread,
                                 tune_steps=args.tune_steps, n_samples=args.n_samples, truths=args.truths,
                                 reference_members=args.reference_members, variants=args.variants, encoder=args.encoder)
    n_dates = args.tune_dates + args.evaluate_dates
    try: data = make_synthetic_dataset(out / 'data', n_dates, 16, args.lead_times, size=32, seed=args.seed,
                                       start_date='2024-03-04', date_step_days=5, progress=False)
    except SyntheticMismatch as e:
        raise InputError(f'{out} is a run of another seed or other lead times: give another --out, or delete the whole '
                         'run directory (its codes and members are named by lead-time index too, not only its data); '
                         'a run of the former default, 12 cases, resumes with --evaluate_dates 3 --lead_times 3 12 24 '
                         f'45. ({e})') from None
    split = split_dates(read_labels(data / 'labels.csv')['Date'].unique(), args.tune_dates, args.evaluate_dates)
    title = (f'Enrichment benchmark, weather seed {args.seed}: quality generator, tuned on {args.tune_dates} dates, '
             f'evaluated on {args.evaluate_dates} others, 16 -> {args.n_samples} members')
    doc, _, paths = run_benchmark(generator / 'generator.pt', data, generator / 'stats', split, out, protocol,
                                  args.device, title, flow_dir=args.flow or None)
    doc.update(lead_times=list(args.lead_times), total_seconds=round(time.time() - t0, 1))
    (out / 'quality.json').write_text(json.dumps(doc, indent=1))
    flow = ['flow', 'flow_with_real'] if args.flow else []
    sets = ['real', 'reconstruction', 'enriched', *args.variants, *flow, 'dressing', 'ideal_given_real', 'ideal']
    print(headline_table(doc, sets).round(4).to_string())
    print('\nshare of the available gain captured:\n' + gains_table(doc).round(3).to_string())
    resampled = f'the {doc["n_dates"]} dates' if doc['interval_unit'] == 'date' else 'the cases of the one date'
    print(f'\nset minus real 16, mean [95 % interval, resampling {resampled}]:\n'
          + interval_table(doc, ('crps_std', 'q01_error', 'q99_error', 'brier_q90', 'variogram_score')).to_string())
    print(f'\nseconds to make each set in this run: {doc["seconds"]}')
    print(f'\n{doc["n_cases"]} evaluation cases in {doc["total_seconds"]:.0f} s; {out / "quality.json"}, '
          f'{paths["report"]}')


if __name__ == '__main__':
    try: main()
    except InputError as e:
        print(f'quality.py: error: {e}', file=sys.stderr)
        sys.exit(2)
