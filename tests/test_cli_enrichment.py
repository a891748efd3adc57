"""`enriching-gan invert | tune | enrich` as a user of the original scripts runs them, and their one-line refusals."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from enriching_gan.checkpoints import save_checkpoint
from enriching_gan.networks import Generator

CLI = str(Path(sys.executable).parent / 'enriching-gan')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory) -> Path:
    "A tiny generator saved as a checkpoint of this package, with its training variables."
    torch.manual_seed(0)
    g = Generator(32, 3, style_dim=16, n_mlp=1, channel_max=8)
    return save_checkpoint(tmp_path_factory.mktemp('ckpt') / 'ckpt_0000010.pt', g=g, train_config={'var_names': ['u', 'v', 't2m']})


def run(*args):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=300)


def test_invert_tune_enrich(tmp_path, checkpoint, synthetic_data):
    common = ['--ckpt_dir', checkpoint.parent, '--real_data_dir', synthetic_data, '--date_start', '2024-01-15',
              '--date_stop', '2024-01-15', '--leadtimes', '[0,2]']
    r = run('invert', *common, '--output_dir', tmp_path / 'inv', '--invstep', 8, '--inv_checkpoints', '[4]', '--Shape', '[3,32,32]')
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / 'inv').glob('*.npz')) == ['2024-01-15_lt00.npz', '2024-01-15_lt02.npz']
    r = run('tune', *common, '--fake_data_dir', tmp_path / 'inv', '--sample_rule', 'w', '--style_indices', '[1,1,1,1,0,0,0,0]',
            '--steps', 3, '--N_samples', 6)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / 'inv' / 'tuning' / 'perturbation.yaml').exists() and (tmp_path / 'inv' / 'tuning' / 'ema_betas.npy').exists()
    r = run('enrich', *common, '--data_dir', tmp_path / 'inv', '--output_dir', tmp_path / 'out', '--N_samples', 20, '--invstep', 4)
    assert r.returncode == 0, r.stderr
    out = np.load(tmp_path / 'out' / '2024-01-15_lt02.npz')
    assert out['members'].shape == (20, 3, 32, 32) and str(out['sample_rule']) == 'style_mixed_pca'
    assert 200 < out['members'][:, 2].mean() < 330   # t2m in kelvin: physical units
    r = run('enrich', *common, '--data_dir', tmp_path / 'inv', '--output_dir', tmp_path / 'out', '--N_samples', 30, '--invstep', 4)
    assert r.returncode == 2 and 'N_samples 20 there, 30 now' in r.stderr   # another setting never mixes into a run


@pytest.mark.parametrize('flags, message', [
    (['--sample_rule', 'pca'], "sample_rule must be one of random, normal, style_mixed_pca, extrapolation, w, got 'pca'"),
    (['--style_indices', '[1,0,1]'], 'style_indices has 3 values, the generator has 8 style layers'),
    (['--date_start', '2031-01-01'], 'no data for dates 2031-01-01'),
    (['--date_start', '2024-99-01'], "date_start must be a date YYYY-MM-DD, got '2024-99-01'"),
    (['--leadtimes', '[a,b]'], "leadtimes[0] must be an integer, got 'a'"),
    (['--leadtimes', '[0,5]'], 'no lead time 5 in the data'),
    (['--betas', '[1,1,1,1,1,1,1,nan]'], 'betas[7] must be a finite number, got nan'),
    (['--conditioning_members', '0'], 'conditioning_members must be >= 2, got 0'),
    (['--batch', '0'], 'batch must be >= 1, got 0'),
])
def test_bad_values_stop_with_one_line(tmp_path, checkpoint, synthetic_data, flags, message):
    r = run('enrich', '--ckpt_dir', checkpoint, '--real_data_dir', synthetic_data, '--data_dir', tmp_path,
            '--output_dir', tmp_path / 'out', *flags)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert not (tmp_path / 'out').exists()   # stopped before any work


def test_ignored_original_flag_gets_a_notice(tmp_path, checkpoint, synthetic_data):
    r = run('enrich', '--ckpt_dir', checkpoint, '--real_data_dir', synthetic_data, '--data_dir', tmp_path,
            '--output_dir', tmp_path / 'out', '--runtime_metrics', '--date_start', '2031-01-01')
    assert 'notice: --runtime_metrics has no effect here' in r.stderr and r.returncode == 2


@pytest.mark.parametrize('command', ['invert', 'tune', 'enrich'])
def test_help(command):
    r = run(command, '--help')
    assert r.returncode == 0 and '--ckpt_dir' in r.stdout
