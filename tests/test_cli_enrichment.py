"""`enriching-gan invert | tune | enrich` as a user of the original scripts runs them."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from enriching_gan.networks import Generator, save_checkpoint

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
    r = run('tune', *common, '--pack_dir', tmp_path / 'inv', '--sample_rule', 'w', '--style_indices', '[1,1,1,1,0,0,0,0]',
            '--steps', 3, '--N_samples', 6)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / 'inv' / 'perturbation.yaml').exists()
    r = run('enrich', *common, '--pack_dir', tmp_path / 'inv', '--output_dir', tmp_path / 'out', '--N_samples', 20, '--inv_step', 4)
    assert r.returncode == 0, r.stderr
    out = np.load(tmp_path / 'out' / '2024-01-15_lt02.npz')
    assert out['members'].shape == (20, 3, 32, 32) and str(out['sample_rule']) == 'w'
    assert 200 < out['members'][:, 2].mean() < 330   # t2m in kelvin: physical units


@pytest.mark.parametrize('flags, message', [
    (['--sample_rule', 'pca'], "argument --sample_rule: invalid choice: 'pca'"),
    (['--style_indices', '[1,0,1]'], 'style_indices has 3 values, the generator has 8 style layers'),
    (['--date_start', '2031-01-01'], 'no data for dates 2031-01-01'),
    (['--leadtimes', '[a,b]'], 'expected a list of int'),
])
def test_bad_values_stop_with_one_line(tmp_path, checkpoint, synthetic_data, flags, message):
    r = run('enrich', '--ckpt_dir', checkpoint, '--real_data_dir', synthetic_data, '--pack_dir', tmp_path,
            '--output_dir', tmp_path / 'out', *flags)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert not (tmp_path / 'out').exists()   # stopped before any work


@pytest.mark.parametrize('command', ['invert', 'tune', 'enrich'])
def test_help(command):
    r = run(command, '--help')
    assert r.returncode == 0 and '--ckpt_dir' in r.stdout
