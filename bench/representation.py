"""What bounds a generator's reconstructions (issue 14's missed goal for the `quality` generator): the number of
directions its W+ codes can move the fields in, or how well it renders the members of a given day?

Five measurements of `--generator` (default: the committed quality generator), written to DIR/representation.json:

- `code_dimension`: per W+ code, the style parameters that reach the fields: the input channels of the modulated
  layers it feeds, minus one per demodulated layer (demodulation cancels the scale of a style), at most `style_dim`.
  The sum over the codes bounds the dimension of the set of fields the codes reach (the noise maps aside). Which layer
  reads which code is found by running the synthesis with code i filled with the value i.
- `jacobian`: singular values of d fields / d W+ at `--codes` mapped random latents (W, repeated; constant noise): the
  number of directions the codes do move the fields in near typical codes (counted above 10⁻², 10⁻³ and 10⁻⁴ of the
  largest, and at the largest relative drop of the spectrum).
- `noise_strengths`: the learnt scale of each layer's noise input (the noise is added to a demodulated convolution's
  output, whose expected variance is 1).
- `linear_fit`: the least-squares fit of the held-out members that bench/reconstruction.py scored until 2026-12-03
  (same weather, its last 2 dates of four lead times; it now scores 4 dates of three by default) by the `k` leading principal components of the generator's training weather, for each k of `--dimensions`
  (default: 100, 200, 400 and the code bound), in the generator's normalisation: MAE per variable in physical units,
  and bench/reconstruction.py's `common_error_power` of the fit (the power of the 16 members' mean error over that of
  their mean field, at 8 grid lengths or more and at shorter ones). A linear fit in as many dimensions as the codes
  have is not a generator (it is the exact L2 projection, where the inversion minimises a smoothed L1 loss plus a
  spread term from the latent mean), but it says whether that many dimensions of the training weather are enough.
- `sample_spectra`: the radial power spectrum of `--samples` of the generator's own fields (random latents, no
  truncation, random noise) against that of its training weather, per variable, in four bands of wavelength (8 grid
  lengths or more, 4 to 8, 2.7 to 4, shorter; rings of the spectrum, its corners left out): each band's share of the
  power and the generated power over the training weather's. Whether the generator renders each scale with the
  weather's strength at all, before any inversion.

The training weather is `--training-data` (a data set made with the generator's statistics; default: made again as the
quality generator's README says, 180 dates of seed 0, in DIR/training/data).

    python bench/representation.py --out DIR [--generator CKPT] [--training-data DIR] [--dimensions 100 200 400]
                                   [--codes 4] [--samples 512] [--weather-seed 1] [--weather-start 2024-03-04] [--date-step-days 5]
"""
import argparse
import json
from pathlib import Path

import numpy as np
import torch

from enriching_gan.checkpoints import load_checkpoint
from enriching_gan.data import read_labels
from enriching_gan.files import InputError
from enriching_gan.metrics import radial_spectrum
from enriching_gan.networks import Generator, ModulatedConv2d, StyledConv, latent_rng
from enriching_gan.pipeline import InvertSettings, prepare
from _timing import print_table
from inversion import QUALITY_GENERATOR, generator_stats, held_out_data
from reconstruction import band_powers

MAX_SIZE = 64   # the Jacobian and the principal components are dense: (V·size²)² numbers


def layer_codes(g: Generator) -> list[tuple[int, ModulatedConv2d]]:
    "(W+ row, layer) for each modulated convolution of `g`, in the order they run."
    seen = []
    hooks = [m.register_forward_pre_hook(lambda mod, args: seen.append((int(args[1][0, 0]), mod)))
             for m in g.modules() if isinstance(m, ModulatedConv2d)]
    try:
        with torch.no_grad():
            rows = torch.arange(g.n_latent, dtype=torch.float32)[None, :, None].expand(1, -1, g.style_dim)
            g.synthesis(rows, noise='const')
    finally:
        for h in hooks: h.remove()
    return seen


def code_dimension(g: Generator) -> dict:
    "Per W+ row, the style parameters that reach the fields; their sum, and the unconstrained count."
    per_row = [0] * g.n_latent
    for row, layer in layer_codes(g): per_row[row] += layer.in_ch - int(layer.demodulate)
    per_row = [min(g.style_dim, n) for n in per_row]
    return {'per_code': per_row, 'total': sum(per_row), 'codes_times_style_dim': g.n_latent * g.style_dim}


def jacobian_singular_values(g: Generator, w: torch.Tensor, batch: int = 256) -> torch.Tensor:
    "Singular values (descending) of d synthesis / d W+ at the W+ code `w` (n_latent, style_dim), constant noise."
    n_out = g.nb_var * g.size * g.size
    rows = []
    for directions in torch.eye(n_out).split(batch):
        ws = w[None].expand(len(directions), -1, -1).clone().requires_grad_()
        out = g.synthesis(ws, noise='const').flatten(1)
        (grad,) = torch.autograd.grad((out * directions).sum(), ws)
        rows.append(grad.flatten(1).double())
    return torch.linalg.svdvals(torch.cat(rows))


def jacobian_ranks(g: Generator, n_codes: int, seed: int) -> list[dict]:
    "Numerical ranks of the Jacobian at `n_codes` mapped random latents."
    with torch.no_grad(): ws = g.mapping(torch.randn(n_codes, g.style_dim, generator=latent_rng(seed)))
    out = []
    for w in ws:
        sv = jacobian_singular_values(g, w[None].expand(g.n_latent, -1))
        rel = (sv / sv[0]).numpy()
        drops = np.log(rel[:-1] / np.maximum(rel[1:], 1e-300))
        out.append({'rank_at_largest_drop': int(drops.argmax()) + 1,
                    **{f'above {t:g}': int((rel > t).sum()) for t in (1e-2, 1e-3, 1e-4)}})
    return out


def noise_strengths(g: Generator) -> list[float]:
    "|learnt noise scale| of each styled convolution whose noise input is enabled, in the order they run."
    return [abs(float(m.noise.weight.detach())) for m in g.modules() if isinstance(m, StyledConv) and m.noise.enabled]


def principal_components(job) -> tuple[np.ndarray, np.ndarray]:
    "Mean (D,) and principal directions (D, D; by decreasing variance) of every member of `job`'s cases, normalised."
    x = np.stack([job.store.ensemble(*case, normalised=True) for case in job.cases])
    x = x.reshape(-1, x[0, 0].size).astype(np.float64)
    mean = x.mean(0)
    cov = (x - mean).T @ (x - mean) / (len(x) - 1)
    _, vectors = np.linalg.eigh(cov)
    return mean, vectors[:, ::-1]


def linear_fit(training, held_out, dimensions: list[int]) -> list[dict]:
    "MAE and common-error power of the held-out members' projections on the leading `k` training components."
    mean, vectors = principal_components(training)
    norm, names, out = held_out.normaliser, held_out.store.var_names, []
    for k in dimensions:
        basis = vectors[:, :k]
        abs_error, error_power, field_power = 0., 0., 0.
        for case in held_out.cases:
            real = held_out.store.ensemble(*case)
            x = held_out.store.ensemble(*case, normalised=True).reshape(len(real), -1) - mean
            fit = norm.denormalise(torch.from_numpy(((x @ basis) @ basis.T + mean).reshape(real.shape)).float())
            abs_error = abs_error + np.abs(fit - real).mean((0, 2, 3))
            error_power = error_power + band_powers((fit - real).mean(0))
            field_power = field_power + band_powers(real.mean(0))
        ratio = error_power / field_power
        out.append({'dimensions': k, **{f'{v} MAE': float(e) for v, e in zip(names, abs_error / len(held_out.cases))},
                    'common_error_power': {v: dict(zip(('8 cells or longer', 'shorter'), map(float, ratio[i])))
                                           for i, v in enumerate(names)}})
    return out


def wavelength_bands(size: int) -> dict[str, tuple[int, int]]:
    "Rings of wavenumber (first, last + 1) of the four bands of `sample_spectra`, by wavelength in grid lengths."
    edges = [1, size // 8 + 1, size // 4 + 1, 3 * size // 8 + 1, size // 2]
    return dict(zip(('8 cells or longer', '4 to 8 cells', '2.7 to 4 cells', 'shorter'), zip(edges[:-1], edges[1:])))


def sample_spectra(g: Generator, training, n_samples: int, seed: int) -> dict:
    "Per variable and band: the band's share of the power of generated and training fields, and their power ratio."
    real = np.concatenate([training.store.ensemble(*case, normalised=True) for case in training.cases])
    torch.manual_seed(seed)                                     # the noise maps
    z = torch.randn(n_samples, g.style_dim, generator=latent_rng(seed))
    with torch.no_grad(): fake = torch.cat([g(batch) for batch in z.split(64)]).numpy()
    out = {}
    for i, var in enumerate(training.store.var_names):
        power = {'training': radial_spectrum(real[:, i]), 'generated': radial_spectrum(fake[:, i])}
        share = {k: p / p[1:].sum() for k, p in power.items()}
        out[var] = {band: {'training share': float(share['training'][a:b].sum()),
                           'generated share': float(share['generated'][a:b].sum()),
                           'power ratio': float(power['generated'][a:b].sum() / power['training'][a:b].sum())}
                    for band, (a, b) in wavelength_bands(g.size).items()}
    return out


def training_weather(args, gen: Path, stats: Path, out: Path) -> Path:
    "The generator's training weather: `--training-data`, else made again as the quality generator's README says."
    if args.training_data: return Path(args.training_data)
    return held_out_data(gen, stats, out / 'training', seed=0, n_dates=180, start_date='2023-01-02', date_step_days=2)


def job_of(gen: Path, data: Path, dates: list[str] | None = None):
    "The generator, store (generator's normalisation) and cases of `data`, on `dates` when given."
    s = InvertSettings(ckpt_dir=str(gen), real_data_dir=str(data), stat_dir=str(data / 'stats'), device='cpu',
                       output_dir=str(data / 'not_written'),
                       **({'date_start': dates[0], 'date_stop': dates[-1]} if dates else {}))
    return prepare(s)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', required=True, help='output directory')
    p.add_argument('--generator', default=str(QUALITY_GENERATOR), help='generator checkpoint (default: the quality one)')
    p.add_argument('--stats', default=None, help="normalisation statistics (default: the generator's)")
    p.add_argument('--training-data', default=None, help="the generator's training data (default: made again, the "
                   "quality generator's)")
    p.add_argument('--dimensions', type=int, nargs='+', default=None,
                   help='numbers of principal components fitted (default: 100 200 400 and the code bound)')
    p.add_argument('--codes', type=int, default=4, help='random codes at which the Jacobian is taken')
    p.add_argument('--samples', type=int, default=512, help="generated fields whose spectra are compared")
    p.add_argument('--weather-seed', type=int, default=1, help="seed of the held-out weather (bench/reconstruction.py's)")
    p.add_argument('--weather-start', default='2024-03-04', help='first date of the held-out weather made')
    p.add_argument('--date-step-days', type=int, default=5, help='days between its dates')
    p.add_argument('--dates', type=int, default=11, help='held-out dates made (as bench/reconstruction.py)')
    p.add_argument('--scored-dates', type=int, default=2, help='the last dates fitted, four lead times each')
    args = p.parse_args()
    if args.codes < 1 or args.samples < 1: p.error('--codes and --samples must be at least 1')
    if args.dimensions is not None and min(args.dimensions) < 1: p.error('--dimensions must be positive')
    return args


def main():
    args = parse_args()
    out, gen = Path(args.out), Path(args.generator)
    out.mkdir(parents=True, exist_ok=True)
    g = load_checkpoint(gen)['g_ema'].eval()
    if g.size > MAX_SIZE:
        raise SystemExit(f'{gen}: a {g.size}x{g.size} generator; this script builds dense matrices, at most '
                         f'{MAX_SIZE}x{MAX_SIZE}')
    bound = code_dimension(g)
    dimensions = args.dimensions or [100, 200, 400, bound['total']]
    if max(dimensions) > g.nb_var * g.size ** 2:
        raise SystemExit(f'--dimensions: at most {g.nb_var * g.size ** 2} components of {g.nb_var}x{g.size}x{g.size} '
                         'fields')
    print(f"code dimension: {bound['total']} of {bound['codes_times_style_dim']} (per code {bound['per_code']})")
    ranks = jacobian_ranks(g, args.codes, seed=0)
    print_table(ranks, f'Jacobian of the fields w.r.t. the W+ codes at {args.codes} random codes')
    print('noise strengths:', ', '.join(f'{s:.2g}' for s in noise_strengths(g)), flush=True)
    stats = generator_stats(gen, args.stats)
    held = held_out_data(gen, stats, out, args.weather_seed, args.dates, args.weather_start, args.date_step_days)
    scored = sorted(set(read_labels(held / 'labels.csv')['Date']))[-args.scored_dates:]
    training = job_of(gen, training_weather(args, gen, stats, out))
    spectra = sample_spectra(g, training, args.samples, seed=0)
    print_table([{'variable': v, **{band: f"{b['training share']:.3f} / {b['generated share']:.3f} / "
                                          f"{b['power ratio']:.2f}" for band, b in bands.items()}}
                 for v, bands in spectra.items()],
                f'{args.samples} generated fields against the training weather, by wavelength: share of the power, '
                'training / generated, and generated power over training power')
    fits = linear_fit(training, job_of(gen, held, scored), dimensions)
    result = {'generator': str(gen), 'code_dimension': bound, 'jacobian': ranks, 'noise_strengths': noise_strengths(g),
              'sample_spectra': {'samples': args.samples, 'bands': wavelength_bands(g.size), 'variables': spectra},
              'held_out': {'weather_seed': args.weather_seed, 'dates': scored}, 'linear_fit': fits}
    (out / 'representation.json').write_text(json.dumps(result, indent=1))
    names = [k for k in fits[0] if k.endswith('MAE')]
    print_table([{'dimensions': f['dimensions'], **{n: f'{f[n]:.3f}' for n in names},
                  'error power, shorter than 8 cells': ' / '.join(f"{p['shorter']:.3f}"
                                                                 for p in f['common_error_power'].values())}
                 for f in fits], f'held-out members (seed {args.weather_seed}, {scored}) fitted by the leading '
                                 'principal components of the training weather')


if __name__ == '__main__':
    try: main()
    except InputError as e: raise SystemExit(f'error: {e}')
