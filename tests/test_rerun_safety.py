"""Jobs that a user reruns, races, moves or feeds bad numbers, through the command line: nothing lost, nothing mixed.

Each test reproduces a probe of a user's mistake (the checks below the command line are tested in the notebooks:
08_jobs, 09_train, 10_inversion, 11_perturbation, 12_tuning, 17_debias_apply)."""
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from enriching_gan.checkpoints import save_checkpoint
from enriching_gan.networks import Generator

CLI = str(Path(sys.executable).parent / 'enriching-gan')
ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}


def run(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=300, env=ENV, **kw)


def tiny_generator(path: Path, seed: int) -> Path:
    torch.manual_seed(seed)
    return save_checkpoint(path, g=Generator(32, 3, style_dim=16, n_mlp=1, channel_max=8),
                           train_config={'var_names': ['u', 'v', 't2m']})


@pytest.fixture(scope='module')
def inverted(tmp_path_factory, synthetic_data):
    "Two generators of the same shape (other weights) and an inversion of two cases with the first."
    root = tmp_path_factory.mktemp('rerun')
    first, other = tiny_generator(root / 'a' / 'g.pt', 0), tiny_generator(root / 'b' / 'g.pt', 1)
    common = ['--real_data_dir', synthetic_data, '--date_start', '2024-01-15', '--date_stop', '2024-01-15', '--leadtimes', '[0,2]']
    r = run('invert', '--ckpt_dir', first, *common, '--output_dir', root / 'inv', '--invstep', 6)
    assert r.returncode == 0, r.stderr
    r = run('tune', '--ckpt_dir', first, *common, '--fake_data_dir', root / 'inv', '--steps', 2, '--n_samples', 4)
    assert r.returncode == 0, r.stderr
    return {'root': root, 'first': first, 'other': other, 'common': common, 'inv': root / 'inv'}


def test_codes_of_another_generator_are_refused(inverted):
    "A checkpoint of the same shape but other weights: enrich and tune refuse, and the tuned settings stay as they were."
    s = inverted
    tuned = s['inv'] / 'tuning' / 'perturbation.yaml'
    before = tuned.read_bytes()
    r = run('enrich', '--ckpt_dir', s['other'], *s['common'], '--data_dir', s['inv'], '--output_dir', s['root'] / 'enr')
    assert r.returncode == 2 and 'inverted with another generator' in r.stderr, r.stderr
    r = run('tune', '--ckpt_dir', s['other'], *s['common'], '--fake_data_dir', s['inv'], '--steps', 2, '--n_samples', 4)
    assert r.returncode == 2 and 'inverted with another generator' in r.stderr, r.stderr
    assert tuned.read_bytes() == before and not (s['root'] / 'enr').exists()


def test_bad_numbers_stop_before_work(inverted, tmp_path):
    s = inverted
    np.save(tmp_path / 'mean.npy', np.zeros(4, np.float32))
    np.save(tmp_path / 'nan.npy', np.array([1, np.nan, 1, 1], np.float32))
    np.save(tmp_path / 'zero.npy', np.zeros(4, np.float32))
    for scale, message in (('nan.npy', 'must be finite with scales > 0'), ('zero.npy', 'must be finite with scales > 0')):
        r = run('invert', '--ckpt_dir', s['first'], *s['common'], '--output_dir', tmp_path / 'out', '--mean_file',
                tmp_path / 'mean.npy', '--max_file', tmp_path / scale)
        assert r.returncode == 2 and message in r.stderr, r.stderr
    r = run('invert', '--ckpt_dir', s['first'], *s['common'], '--output_dir', tmp_path / 'out', '--noise_regularize', 'inf')
    assert r.returncode == 2 and 'noise_regularize must be a finite number' in r.stderr
    r = run('invert', '--ckpt_dir', s['first'], *s['common'], '--output_dir', tmp_path / 'out', '--lr', 'nan')
    assert r.returncode == 2 and 'lr must be a finite number' in r.stderr
    assert not (tmp_path / 'out').exists()


def test_a_failed_run_does_not_block_the_corrected_one(inverted, tmp_path):
    s = inverted
    args = ['invert', '--ckpt_dir', s['first'], *s['common'], '--output_dir', tmp_path / 'out', '--invstep', 4]
    assert run(*args, '--lr', -1).returncode == 2
    (tmp_path / 'bad.yaml').write_text('invstep: 2.7\n')
    r = run(*args[:-2], '--config', tmp_path / 'bad.yaml')
    assert r.returncode == 2 and 'invstep must be an integer, got 2.7' in r.stderr
    r = run(*args, '--crop_indexes', '[0,8,0,8]')
    assert r.returncode == 2 and 'crop_indexes' in r.stderr
    r = run(*args, '--lr', 0.1)
    assert r.returncode == 0, r.stderr


def test_two_runs_on_one_fresh_directory(inverted, tmp_path):
    "Two enrichments with other N_samples started together: one writes, the other is refused; no mix."
    s = inverted
    args = lambda n: [CLI, 'enrich', '--ckpt_dir', s['first'], *map(str, s['common']), '--data_dir', str(s['inv']),
                      '--output_dir', str(tmp_path / 'enr'), '--N_samples', str(n)]
    procs = [subprocess.Popen(args(n), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV) for n in (6, 9)]
    codes = [p.wait(timeout=300) for p in procs]
    errors = [p.stderr.read() for p in procs]
    assert sorted(codes) == [0, 2], errors
    assert 'holds the outputs of another enrichment job (N_samples' in errors[codes.index(2)], errors
    sizes = {np.load(f)['members'].shape[0] for f in (tmp_path / 'enr').glob('*.npz')}
    assert len(sizes) == 1 and json.loads((tmp_path / 'enr' / 'manifest.json').read_text())['settings']['N_samples'] in sizes


def test_corrupt_and_leftover_files(inverted, tmp_path):
    "A truncated case is redone, not counted as done; a killed writer's temporary file is cleaned; a corrupt input is named."
    s = inverted
    inv = tmp_path / 'inv'
    shutil.copytree(s['inv'], inv)
    case = inv / '2024-01-15_lt02.npz'
    case.write_bytes(case.read_bytes()[:100])
    host = socket.gethostname().replace('.', '-')
    (inv / f'.2024-01-15_lt00.npz.{host}-999999999.x1y2.tmp').write_bytes(b'partial')   # a killed writer's
    r = run('enrich', '--ckpt_dir', s['first'], *s['common'], '--data_dir', inv, '--output_dir', tmp_path / 'enr')
    assert r.returncode == 2 and '2024-01-15_lt02.npz: corrupt or truncated' in r.stderr, r.stderr
    r = run('invert', '--ckpt_dir', s['first'], *s['common'], '--output_dir', inv, '--invstep', 6)
    assert r.returncode == 0, r.stderr
    assert np.load(case)['wplus'].shape[0] == 8 and not list(inv.glob('.*.tmp'))


def test_a_moved_directory_resumes_and_files_follow_the_umask(inverted, tmp_path):
    s = inverted
    moved = tmp_path / 'moved'
    shutil.copytree(s['inv'], moved)
    before = {p.name: p.stat().st_mtime_ns for p in moved.glob('*.npz')}
    r = run('invert', '--ckpt_dir', s['first'], *s['common'], '--output_dir', moved, '--invstep', 6)
    assert r.returncode == 0, r.stderr
    assert {p.name: p.stat().st_mtime_ns for p in moved.glob('*.npz')} == before       # nothing redone
    r = subprocess.run(['bash', '-c', f'umask 022 && "{CLI}" enrich --ckpt_dir {s["first"]} '
                        f'{" ".join(map(str, s["common"]))} --data_dir {s["inv"]} --output_dir {tmp_path / "enr"}'],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    assert {oct(p.stat().st_mode & 0o777) for p in (tmp_path / 'enr').glob('*.npz')} == {'0o644'}
