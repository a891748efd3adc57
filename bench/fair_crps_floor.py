"""How close to the raw 16's fair CRPS can members made from those 16 come? A Monte Carlo answer, Gaussian weather.

The fair CRPS of 16 members drawn from the true distribution F is an unbiased estimate of the CRPS of F itself. Members
made from those 16 (any method that knows no more than the 16) are draws from a distribution G centred on the 16's
sample mean with the 16's sample spread, so their fair CRPS estimates the CRPS of G, which carries the 16's sampling
error of the mean and of the spread. This script measures that floor at one point: T cases of 16 members and one truth
from N(0, 1), scored as the raw 16 (fair CRPS), as N(mean₁₆, (k·sd₁₆)²) (closed form), and as 64 members dressed by
member differences, real_i + c·(real_j − real_k)/√2 (fair CRPS).

    python bench/fair_crps_floor.py [--cases 200000]
"""
import argparse

import numpy as np
from scipy.stats import norm


def fair_crps(members: np.ndarray, truth: np.ndarray) -> np.ndarray:
    "Fair CRPS of each row of `members` (T, n) against `truth` (T,)."
    n = members.shape[1]
    spread = 2 * ((2 * np.arange(1, n + 1) - n - 1) * np.sort(members, 1)).sum(1) / (n * (n - 1))   # E|X − X'|
    return np.abs(members - truth[:, None]).mean(1) - spread / 2


def gaussian_crps(mu: np.ndarray, sigma: np.ndarray, truth: np.ndarray) -> np.ndarray:
    "CRPS of N(mu, sigma²) against `truth`, in closed form."
    z = (truth - mu) / sigma
    return sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))


def dressed(real: np.ndarray, n_new: int, c: float, rng: np.random.Generator) -> np.ndarray:
    "`n_new` members per row of `real` (T, N): a real member plus c times the difference of two others, over √2."
    T, N = real.shape
    pick = lambda: np.take_along_axis(real, rng.integers(0, N, (T, n_new)), 1)
    return pick() + c * (pick() - pick()) / np.sqrt(2)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--cases', type=int, default=200_000)
    p.add_argument('--members', type=int, default=16)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    rng = np.random.default_rng(args.seed)
    real, truth = rng.standard_normal((args.cases, args.members)), rng.standard_normal(args.cases)
    raw = fair_crps(real, truth).mean()
    print(f'raw {args.members}: fair CRPS {raw:.4f} (CRPS of the true distribution {1 / np.sqrt(np.pi):.4f})')
    print('fair CRPS of members made from them, relative to the raw members\':')
    for k in (0.9, 1.0, 1.05, 1.1, 1.2):
        g = gaussian_crps(real.mean(1), k * real.std(1, ddof=1), truth).mean()
        print(f'  {f"N(mean, ({k:g} sd)²), exact":38s} {100 * (g / raw - 1):+.2f} %')
    for c in (0.3, 0.45, 0.6):
        d = fair_crps(dressed(real, 64, c, rng), truth).mean()
        print(f'  {f"64 dressed by differences, c = {c:g}":38s} {100 * (d / raw - 1):+.2f} %')


if __name__ == '__main__':
    main()
