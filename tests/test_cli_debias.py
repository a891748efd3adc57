"""`enriching-gan debias train | validate | infer` on a synthetic source with a known bias; inference split over 2 ranks."""
import numpy as np
import pytest
import zarr

from conftest import run_cli


def run(*args, ranks: int = 1):
    "`enriching-gan debias ARGS`."
    return run_cli('debias', *args, ranks=ranks)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "A flow trained briefly from a warm, weak-wind, smooth copy of a synthetic data set to the data set itself."
    from enriching_gan.debias import make_biased_source
    from enriching_gan.synthetic import make_synthetic_dataset
    root = tmp_path_factory.mktemp('debias')
    ref = make_synthetic_dataset(root / 'reference', n_dates=5, n_members=6, lead_times=(6, 24), size=16, progress=False)
    src = make_biased_source(ref, root / 'source')
    r = run('train', '--source_dir', src, '--reference_dir', ref, '--output_dir', root / 'run', '--date_stop', '2024-02-05',
            '--channels', '[16,32]', '--emb_dim', 32, '--dropout', 0, '--lr', 2e-3, '--warmup_steps', 20, '--total_steps', 250,
            '--ckpt_every', 250, '--ema_decay', 0.95, '--device', 'cpu')
    assert r.returncode == 0, r.stderr[-3000:]
    return root


def test_validate_shows_the_bias_removed(trained):
    r = run('validate', '--run_dir', trained / 'run', '--date_start', '2024-02-12', '--steps', 8, '--device', 'cpu')
    assert r.returncode == 0, r.stderr[-3000:]
    assert (trained / 'run' / 'validation.h5').is_file() and (trained / 'run' / 'validation.png').stat().st_size > 10_000
    import h5py
    with h5py.File(trained / 'run' / 'validation.h5') as f:
        for var in ('u', 'v', 't2m'):
            assert f.attrs[f'{var} | debiased | histogram L1'] < f.attrs[f'{var} | source | histogram L1'], var


def test_infer_on_two_ranks_matches_one(trained):
    for ranks in (1, 2):
        r = run('infer', '--run_dir', trained / 'run', '--output_dir', trained / f'infer{ranks}', '--batch_size', 3, '--steps', 4,
                '--device', 'cpu', ranks=ranks)
        assert r.returncode == 0, r.stderr[-3000:]
    one, two = (zarr.open_group(str(trained / f'infer{n}' / 'debiased.zarr'), mode='r') for n in (1, 2))
    assert one['fields'].shape == (6, 5, 2, 3, 16, 16) and not np.isnan(two['fields'][:]).any()
    np.testing.assert_allclose(one['fields'][:], two['fields'][:], atol=1e-4)


def test_bad_method_is_one_line():
    r = run('infer', '--run_dir', 'x', '--output_dir', 'y', '--method', 'leapfrog')
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "method must be one of euler, heun, rk4, got 'leapfrog'" in r.stderr
