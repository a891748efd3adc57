"""Training as users launch it: `python -m enriching_gan.train` and torchrun with gloo on the CPU."""
import os
import subprocess
import sys

import torch

from conftest import ROOT, run_killing_one_worker, torchrun, write_train_config

ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}


def test_bad_config_key_is_one_clear_line(tmp_path, synthetic_data):
    cfg = write_train_config(tmp_path / 'bad.yaml', synthetic_data, tmp_path / 'run', total_step=10)
    r = subprocess.run([sys.executable, '-m', 'enriching_gan.train', '--config', str(cfg)], capture_output=True, text=True, env=ENV)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [f'error: {cfg}: unknown setting(s) total_step']


def test_bad_override_is_one_clear_line(tmp_path, synthetic_data):
    cfg = write_train_config(tmp_path / 'ok.yaml', synthetic_data, tmp_path / 'run')
    r = subprocess.run([sys.executable, '-m', 'enriching_gan.train', '--config', str(cfg), '--lr_g', '0.1'],
                       capture_output=True, text=True, env=ENV)
    assert r.returncode == 2 and r.stderr.strip() == 'error: unknown setting --lr_g'


def test_two_ranks_leave_identical_weights(tmp_path, synthetic_data):
    cfg = write_train_config(tmp_path / 'run.yaml', synthetic_data, tmp_path / 'run')
    r = subprocess.run(torchrun('--nproc_per_node=2', str(ROOT / 'tests' / 'ddp_train_and_dump.py'), str(cfg), str(tmp_path)),
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    ranks = [torch.load(tmp_path / f'rank{i}.pt', weights_only=True) for i in range(2)]
    for net in ('g', 'd', 'g_ema'):
        for k, v in ranks[0][net].items():
            assert torch.equal(v, ranks[1][net][k]), (net, k)
    ckpt = torch.load(tmp_path / 'run' / 'checkpoints' / 'ckpt_0000004.pt', weights_only=True)
    assert ckpt['step'] == 4 and all(torch.equal(v, ranks[0]['g_ema'][k]) for k, v in ckpt['g_ema'].items())


def test_killed_worker_is_restarted_and_resumes(tmp_path, synthetic_data):
    steps = 30
    cfg = write_train_config(tmp_path / 'run.yaml', synthetic_data, tmp_path / 'run', total_steps=steps, ckpt_every=2)
    ckpts = tmp_path / 'run' / 'checkpoints'
    out = run_killing_one_worker(['-m', 'enriching_gan.train', '--config', str(cfg), '--resume'], ckpts, 'ckpt_*.pt', ENV)
    final = torch.load(ckpts / f'ckpt_{steps:07d}.pt', weights_only=True)
    assert final['step'] == steps
    assert 'resumed from' in out   # printed only by a run that found a checkpoint at start: the restarted one
