"""Inversion, tuning and enrichment split over ranks with torchrun (gloo on the CPU): the same files as one process,
resumable with another number of ranks, and a killed rank costs only its current batch."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from conftest import run_killing_one_worker, torchrun
from enriching_gan.checkpoints import save_checkpoint
from enriching_gan.networks import Generator

CLI = [sys.executable, '-m', 'enriching_gan.cli']
ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    "A 16x16 data set of 3 dates x 3 lead times x 4 members and a tiny generator checkpoint."
    from enriching_gan.synthetic import make_synthetic_dataset
    root = tmp_path_factory.mktemp('scaleout')
    data = make_synthetic_dataset(root / 'data', n_dates=3, n_members=4, lead_times=(3, 24, 45), size=16, progress=False)
    torch.manual_seed(0)
    ckpt = save_checkpoint(root / 'ckpt_0000001.pt', g=Generator(16, 3, style_dim=16, n_mlp=1, channel_max=8),
                           train_config={'var_names': ['u', 'v', 't2m']})
    return {'data': data, 'ckpt': ckpt}


def common(setup):
    return ['--ckpt_dir', str(setup['ckpt']), '--real_data_dir', str(setup['data']), '--device', 'cpu']


def run(args, ranks: int = 1, extra=()) -> subprocess.CompletedProcess:
    "The CLI in one process, or under torchrun with `ranks` processes."
    cmd = [*CLI, *args] if ranks == 1 else torchrun('--standalone', f'--nproc_per_node={ranks}', *extra, '-m', 'enriching_gan.cli', *args)
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=600)


def load_dir(path: Path) -> dict:
    return {p.name: dict(np.load(p)) for p in sorted(path.glob('*.npz'))}


def assert_same_outputs(a: Path, b: Path, key: str):
    da, db = load_dir(a), load_dir(b)
    assert sorted(da) == sorted(db) and len(da) == 9
    for name in da: np.testing.assert_allclose(da[name][key], db[name][key], atol=1e-4, err_msg=name)


def test_two_ranks_make_the_files_of_one(setup, tmp_path):
    inv = ['invert', *common(setup), '--invstep', '10', '--max_members', '8']
    for ranks in (1, 2):
        r = run([*inv, '--output_dir', str(tmp_path / f'inv{ranks}')], ranks)
        assert r.returncode == 0, r.stderr[-3000:]
    assert_same_outputs(tmp_path / 'inv1', tmp_path / 'inv2', 'wplus')
    manifest = json.loads((tmp_path / 'inv2' / 'manifest.json').read_text())
    assert manifest['kind'] == 'inversion' and len(manifest['done']) == 9 and manifest['settings']['invstep'] == 10
    for ranks in (1, 2):
        r = run(['tune', *common(setup), '--fake_data_dir', str(tmp_path / f'inv{ranks}'), '--steps', '4', '--n_samples', '6',
                 '--cases_per_step', '3'], ranks)
        assert r.returncode == 0, r.stderr[-3000:]
    tuned = [yaml.safe_load((tmp_path / f'inv{n}' / 'tuning' / 'perturbation.yaml').read_text()) for n in (1, 2)]
    np.testing.assert_allclose(tuned[0]['betas'], tuned[1]['betas'], atol=1e-4)   # the loss is averaged over ranks
    for ranks in (1, 2):
        r = run(['enrich', *common(setup), '--data_dir', str(tmp_path / 'inv1'), '--output_dir', str(tmp_path / f'enr{ranks}'),
                 '--N_samples', '10'], ranks)
        assert r.returncode == 0, r.stderr[-3000:]
    assert_same_outputs(tmp_path / 'enr1', tmp_path / 'enr2', 'members')


def test_resume_with_another_number_of_ranks_and_refuse_mixing(setup, tmp_path):
    out = tmp_path / 'inv'
    inv = ['invert', *common(setup), '--invstep', '10', '--output_dir', str(out)]
    r = run([*inv, '--leadtimes', '[0]'], 2)            # 3 of the 9 cases, on 2 ranks
    assert r.returncode == 0, r.stderr[-3000:]
    first = {p.name: p.stat().st_mtime_ns for p in out.glob('*.npz')}
    r = run(inv, 1)                                      # the rest, on 1 rank
    assert r.returncode == 0, r.stderr[-3000:]
    assert len(list(out.glob('*.npz'))) == 9 and all(out.joinpath(n).stat().st_mtime_ns == t for n, t in first.items())
    r = run([*inv, '--invstep', '20'], 1)
    assert r.returncode == 2 and 'invstep 10 there, 20 now' in r.stderr


def test_killed_rank_is_restarted_and_nothing_is_missing(setup, tmp_path):
    out = tmp_path / 'inv'
    args = ['invert', *common(setup), '--invstep', '150', '--max_members', '4', '--output_dir', str(out)]
    run_killing_one_worker(['-m', 'enriching_gan.cli', *args], out, '*.npz', ENV)
    assert len(list(out.glob('*.npz'))) == 9 and not list(out.glob('.*.tmp'))       # every case, no partial file
    assert len(json.loads((out / 'manifest.json').read_text())['done']) == 9
    reference = tmp_path / 'one'   # the same batches (one ensemble each): a case's codes depend on its batch-mates only through rounding
    r = run(['invert', *common(setup), '--invstep', '150', '--max_members', '4', '--output_dir', str(reference)], 1)
    assert r.returncode == 0, r.stderr[-3000:]
    assert_same_outputs(out, reference, 'wplus')
