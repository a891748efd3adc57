"""`enriching-gan train-flow` and `enrich --method flow` as users launch them: training on 2 gloo ranks, sampling on one
rank and on two (the same members), the CF export, and the one-line refusals."""
import numpy as np
import pytest

from conftest import run_cli as run


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    "A flow trained for a few steps on 2 ranks on the first dates of a small synthetic data set."
    from enriching_gan.synthetic import STATIC_FILE, make_synthetic_dataset
    root = tmp_path_factory.mktemp('flow')
    data = make_synthetic_dataset(root / 'data', n_dates=4, n_members=6, lead_times=(6, 24), size=16, progress=False)
    flags = ['--data_dir', data, '--output_dir', root / 'run', '--static_file', data / STATIC_FILE, '--date_stop',
             '2024-01-29', '--channels', '[8,16]', '--emb_dim', 16, '--batch_size', 4, '--warmup_steps', 2,
             '--total_steps', 6, '--ckpt_every', 3, '--device', 'cpu']
    r = run('train-flow', *flags, ranks=2)
    assert r.returncode == 0 and 'flow trained to step 6' in r.stdout, r.stderr[-3000:]
    return root, data, flags


def test_run_directory_and_refused_rerun(trained):
    root, data, flags = trained
    assert sorted(p.name for p in (root / 'run' / 'checkpoints').iterdir()) == ['flow_0000003.pt', 'flow_0000006.pt']
    assert (root / 'run' / 'scales.npz').is_file() and (root / 'run' / 'logs').is_dir()
    r = run('train-flow', *flags[:-2], '--date_stop', '2024-02-05', '--device', 'cpu')
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "date_stop '2024-01-29' there, '2024-02-05' now" in r.stderr


def test_two_ranks_draw_the_members_of_one(trained):
    root, data, _ = trained
    import xarray as xr
    from enriching_gan.jobs import load_case
    for ranks in (1, 2):
        r = run('enrich', '--method', 'flow', '--flow_dir', root / 'run', '--real_data_dir', data, '--output_dir',
                root / f'enriched{ranks}', '--date_start', '2024-02-05', '--N_samples', 10, '--flow_steps', 3,
                '--batch', 4, '--device', 'cpu', *(['--format', 'zarr', '--decode', 'direct'] if ranks == 1 else []),
                ranks=ranks)
        assert r.returncode == 0 and '(flow route)' in r.stdout, r.stderr[-3000:]
        assert ('--decode has no effect with --method flow' in r.stderr) == (ranks == 1)
    for case in (('2024-02-05', 0), ('2024-02-05', 1)):
        one, two = (load_case(root / f'enriched{n}', case)['members'] for n in (1, 2))
        assert one.shape == (10, 3, 16, 16)
        np.testing.assert_allclose(one, two, atol=1e-4)
    with xr.open_zarr(root / 'enriched1' / 'enriched.zarr') as ds:
        assert ds.sizes['member'] == 16 and list(ds['kind'].values[-10:]) == ['generated'] * 10
        assert (ds['source_member'].values[6:] == -1).all() and not np.isnan(ds['t2m'].values).any()


@pytest.mark.parametrize('flags, message', [
    (['--method', 'flow', '--real_data_dir', 'd', '--output_dir', 'o'], 'missing flow_dir'),
    (['--method', 'diffusion'], "method must be one of gan, flow, got 'diffusion'"),
    (['--method', 'flow', '--flow_dir', 'f', '--real_data_dir', 'd', '--output_dir', 'o', '--flow_solver', 'leapfrog'],
     "flow_solver must be one of euler, heun, rk4, got 'leapfrog'"),
])
def test_bad_flags_are_one_line(flags, message):
    r = run('enrich', *flags)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
