"""How close to the raw 16's fair CRPS can members made from those 16 come, and how much of the ideal set's
standard-CRPS gain can they capture? A Monte Carlo answer, Gaussian weather.

The fair CRPS of 16 members drawn from the true distribution F is an unbiased estimate of the CRPS of F itself.
Members made from those 16 by a method that knows nothing else carry the 16's sampling error of the centre and of the
spread, so their fair CRPS estimates the CRPS of a distribution further from F. This script measures what that costs
at one point: T cases of 16 members and one truth from N(0, 1), scored as the raw 16 (fair and standard CRPS), as
N(mean₁₆, (k·sd₁₆)²) (fair CRPS in closed form: infinitely many members), and as 64 members made from the 16 by
several methods at several widths:
- drawn from N(mean₁₆, (k·sd₁₆)²);
- dressed by member differences, real_i + c·(real_j − real_k)/√2 with i in turn (the benchmark's baseline);
- each real member in turn plus h·sd₁₆ Gaussian noise (the residual decoding's form: the variance grows with h);
- each real member in turn drawn toward mean₁₆ by √(1 − h²) before the noise (the variance kept), all 64 so, or the
  16 kept as they are and 48 so;
- drawn from N(mean₁₆, (1 + 1/16) σ²) with the true σ (the benchmark's `ideal_given_real`): the truth's
  distribution given mean₁₆, the best forecast that moves with the members, here knowing σ, which they do not;
  and the same distribution in antithetic pairs, mean₁₆ ± √(1 + 1/16) σ z;
- the 16 and their reflections through mean₁₆, 2 mean₁₆ − xᵢ, each with a pair of opposite noises ± h·sd₁₆ z
  (the reflections are exact draws of the truth's distribution where it is symmetric, as here);
- each real member with four noises centred on it, h·sd₁₆ (z − z̄)·√(4/3) (the enriched members' centred changes),
  and with two pairs of opposite noises ± h·sd₁₆ z.
Each set gets its fair CRPS relative to the raw 16's and the share of the standard-CRPS gain of 64 fresh members of
the true distribution that it captures, (raw 16 − set) / (raw 16 − ideal 64), the benchmark's `gain_captured`. The
widths are chosen knowing the truth, so the best of them shows what such methods reach in Gaussian weather (not a
bound for other methods, or for weather that is not Gaussian). N(mean₁₆, (1 + 1/16) σ²) is the ceiling of members
drawn independently from a distribution that moves with the members; members that depend on each other by design
(the antithetic, reflected and centred sets) can score better than the ceiling's independent draws, on the standard
CRPS because their empirical distribution is closer to the one they come from, and on the fair CRPS because that
estimate assumes independent members (so there it reads low, not a better distribution).

    python bench/fair_crps_floor.py [--cases 200000]
"""
import argparse

import numpy as np
from scipy.stats import norm

N_MADE = 64   # members made from the raw ones, and fresh members of the ideal set


def fair_crps(members: np.ndarray, truth: np.ndarray) -> np.ndarray:
    "Fair CRPS of each row of `members` (T, n) against `truth` (T,)."
    n = members.shape[1]
    spread = 2 * ((2 * np.arange(1, n + 1) - n - 1) * np.sort(members, 1)).sum(1) / (n * (n - 1))   # E|X − X'|
    return np.abs(members - truth[:, None]).mean(1) - spread / 2


def standard_crps(members: np.ndarray, truth: np.ndarray) -> np.ndarray:
    "Standard (finite-ensemble) CRPS of each row of `members` (T, n) against `truth` (T,)."
    n = members.shape[1]
    return ((n - 1) * fair_crps(members, truth) + np.abs(members - truth[:, None]).mean(1)) / n


def gaussian_crps(mu: np.ndarray, sigma: np.ndarray, truth: np.ndarray) -> np.ndarray:
    "CRPS of N(mu, sigma²) against `truth`, in closed form."
    z = (truth - mu) / sigma
    return sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))


def in_turn(real: np.ndarray, n_new: int) -> np.ndarray:
    "`n_new` members per row of `real` (T, N), taking the real members in turn (each as often as the others)."
    return real[:, np.arange(n_new) % real.shape[1]]


def mean_and_spread(real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    "Sample mean and standard deviation of each row of `real` (T, N), as (T, 1) columns."
    return real.mean(1, keepdims=True), real.std(1, ddof=1, keepdims=True)


def dressed(real: np.ndarray, n_new: int, c: float, rng: np.random.Generator) -> np.ndarray:
    """`n_new` members per row of `real` (T, N): each real member in turn plus c times the difference of two others,
    over √2 (the benchmark's dressing baseline)."""
    T, N = real.shape
    j = rng.integers(0, N, (T, n_new))
    k = (j + rng.integers(1, N, (T, n_new))) % N                                      # k ≠ j
    pick = lambda index: np.take_along_axis(real, index, 1)
    return in_turn(real, n_new) + c * (pick(j) - pick(k)) / np.sqrt(2)


def plus_noise(real: np.ndarray, n_new: int, h: float, rng: np.random.Generator) -> np.ndarray:
    "`n_new` members per row of `real` (T, N): each real member in turn plus h times the sample spread times N(0, 1)."
    return in_turn(real, n_new) + h * mean_and_spread(real)[1] * rng.standard_normal((len(real), n_new))


def drawn_in(real: np.ndarray, n_new: int, h: float, rng: np.random.Generator) -> np.ndarray:
    """`n_new` members per row of `real` (T, N): each real member in turn drawn toward the sample mean by √(1 − h²),
    plus h times the sample spread times N(0, 1), so that the new members keep the sample variance."""
    mean, sd = mean_and_spread(real)
    source = mean + np.sqrt(1 - h**2) * (in_turn(real, n_new) - mean)
    return source + h * sd * rng.standard_normal((len(real), n_new))


def centred_noise(T: int, N: int, rng: np.random.Generator) -> np.ndarray:
    """(T, `N_MADE`) unit-variance noises, those of the members made from one real member (taken in turn, as
    `in_turn`) centred on their mean and rescaled, as the residual decoding centres the changes of each source."""
    z, source = rng.standard_normal((T, N_MADE)), np.arange(N_MADE) % N
    for i in range(N):
        group = source == i
        k = group.sum()
        if k > 1: z[:, group] = (z[:, group] - z[:, group].mean(1, keepdims=True)) * np.sqrt(k / (k - 1))
    return z


def made_members(real: np.ndarray, rng: np.random.Generator):
    "(description, `N_MADE` members per row of `real` (T, N)) by each method and width, one set at a time."
    T, N = real.shape
    mean, sd = mean_and_spread(real)
    for k in (0.9, 1.0, 1.1):
        yield f'drawn from N(mean, ({k:g} sd)²)', mean + k * sd * rng.standard_normal((T, N_MADE))
    for c in (0.2, 0.3, 0.45, 0.6):
        yield f'dressed by differences, c = {c:g}', dressed(real, N_MADE, c, rng)
    for h in (0.2, 0.3, 0.4, 0.5, 0.6):
        yield f'each in turn plus h sd noise, h = {h:g}', plus_noise(real, N_MADE, h, rng)
    for h in (0.5, 0.6, 0.7):
        yield f'all drawn in, plus h sd noise, h = {h:g}', drawn_in(real, N_MADE, h, rng)
    for h in (0.4, 0.5, 0.6, 0.7, 0.8):
        yield (f'the {N} kept, {N_MADE - N} drawn in plus noise, h = {h:g}',
               np.concatenate([real, drawn_in(real, N_MADE - N, h, rng)], 1))
    widened = np.sqrt(1 + 1 / N)
    yield f'drawn from N(mean, (1 + 1/{N}) σ²), σ known', mean + widened * rng.standard_normal((T, N_MADE))
    z = rng.standard_normal((T, N_MADE // 2))
    yield 'the same in antithetic pairs, mean ± z', mean + widened * np.concatenate([z, -z], 1)
    mirrored = in_turn(np.concatenate([real, 2 * mean - real], 1), N_MADE // 2)
    for h in (0.3, 0.4):
        z = h * sd * rng.standard_normal(mirrored.shape)
        yield f'the {N} and reflections, ± h sd noise, h = {h:g}', np.concatenate([mirrored + z, mirrored - z], 1)
    for h in (0.4, 0.5):
        yield f'each in turn plus centred h sd noise, h = {h:g}', in_turn(real, N_MADE) + h * sd * centred_noise(
            T, N, rng)
        z = h * sd * rng.standard_normal((T, N_MADE // 2))
        yield f'each in turn plus ± h sd noise, h = {h:g}', in_turn(real, N_MADE) + np.concatenate([z, -z], 1)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--cases', type=int, default=200_000)
    p.add_argument('--members', type=int, default=16)
    p.add_argument('--seed', type=int, default=0)
    args = p.parse_args()
    if not 3 <= args.members < N_MADE: p.error(f'--members: 3 to {N_MADE - 1} raw members, to make {N_MADE} from')
    rng = np.random.default_rng(args.seed)
    real, truth = rng.standard_normal((args.cases, args.members)), rng.standard_normal(args.cases)
    raw_fair, raw_std = fair_crps(real, truth).mean(), standard_crps(real, truth).mean()
    ideal_std = standard_crps(rng.standard_normal((args.cases, N_MADE)), truth).mean()
    print(f'raw {args.members}: fair CRPS {raw_fair:.4f} (CRPS of the true distribution {1 / np.sqrt(np.pi):.4f}), '
          f'standard CRPS {raw_std:.4f}; ideal {N_MADE}: standard CRPS {ideal_std:.4f}')
    print("fair CRPS of the distribution fitted to them, relative to the raw members':")
    for k in (0.9, 1.0, 1.05, 1.1, 1.2):
        g = gaussian_crps(real.mean(1), k * real.std(1, ddof=1), truth).mean()
        print(f'  {f"N(mean, ({k:g} sd)²), exact":48s} {100 * (g / raw_fair - 1):+.2f} %')
    g = gaussian_crps(real.mean(1), np.sqrt(1 + 1 / args.members), truth).mean()
    print(f'  {f"N(mean, (1 + 1/{args.members}) σ²), σ known, closed form":48s} {100 * (g / raw_fair - 1):+.2f} % '
          f'(its expectation: {100 * (np.sqrt(1 + 1 / args.members) - 1):+.2f} %)')
    print(f"{N_MADE} members made from them: fair CRPS relative to the raw members', "
          f"share of the ideal {N_MADE}'s standard-CRPS gain:")
    for name, members in made_members(real, rng):
        fair = fair_crps(members, truth).mean() / raw_fair - 1
        share = (raw_std - standard_crps(members, truth).mean()) / (raw_std - ideal_std)
        print(f'  {name:48s} {100 * fair:+.2f} %   {share:.3f}')


if __name__ == '__main__':
    main()
