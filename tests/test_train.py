"""Training as users launch it: `enriching-gan train` (`python -m enriching_gan.cli train`), and torchrun with gloo on
the CPU."""
import os
import subprocess
import sys

import pytest
import torch

from conftest import ROOT, run_killing_one_worker, torchrun, write_train_config

ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}
TRAIN = ['-m', 'enriching_gan.cli', 'train']


def train(cfg, *flags, timeout=300) -> subprocess.CompletedProcess:
    "`enriching-gan train --config cfg flags...` in a fresh process."
    return subprocess.run([sys.executable, *TRAIN, '--config', str(cfg), *map(str, flags)],
                          capture_output=True, text=True, env=ENV, timeout=timeout)


def one_line_error(r: subprocess.CompletedProcess, contains: str) -> None:
    "The run failed with exit status 2 and one line of stderr that contains `contains`."
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and contains in lines[0], (r.returncode, r.stderr[-3000:])


def weights(path, net='g_ema') -> dict:
    return torch.load(path, weights_only=True)[net]


def test_bad_config_key_is_one_clear_line(tmp_path, synthetic_data):
    cfg = write_train_config(tmp_path / 'bad.yaml', synthetic_data, tmp_path / 'run', total_step=10)
    one_line_error(train(cfg), 'unknown setting(s) total_step')


def test_bad_override_is_one_clear_line(tmp_path, synthetic_data):
    cfg = write_train_config(tmp_path / 'ok.yaml', synthetic_data, tmp_path / 'run')
    one_line_error(train(cfg, '--lr_g', '0.1'), '--lr_g')


def test_original_flags_are_accepted(tmp_path, synthetic_data):
    "Original names with their meaning (save_step, beta2_G, world_size), ignored ones with a notice."
    cfg = write_train_config(tmp_path / 'run.yaml', synthetic_data, tmp_path / 'run', total_steps=3, ckpt_every=1000)
    r = train(cfg, '--save_step', 2, '--beta2_G', 0.9, '--world_size', 1, '--augment', '--plot_samples', 2)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '--augment has no effect here' in r.stderr
    ckpts = sorted(p.name for p in (tmp_path / 'run' / 'checkpoints').iterdir())
    assert ckpts == ['ckpt_0000002.pt', 'ckpt_0000003.pt']
    opt = torch.load(tmp_path / 'run' / 'checkpoints' / 'ckpt_0000003.pt', weights_only=True)['g_optim']
    assert opt['param_groups'][0]['betas'][1] == pytest.approx(0.9 ** (2 / 3))


def test_rerun_without_resume_is_refused_and_touches_nothing(tmp_path, synthetic_data):
    cfg = write_train_config(tmp_path / 'run.yaml', synthetic_data, tmp_path / 'run', total_steps=2)
    assert train(cfg).returncode == 0
    run = tmp_path / 'run'
    before = {p: p.read_bytes() for p in run.rglob('*') if p.is_file()}
    one_line_error(train(cfg, '--lr_G', 0.01), 'holds checkpoints of a run: pass --resume to continue it')
    assert {p: p.read_bytes() for p in run.rglob('*') if p.is_file()} == before


def test_unusable_settings_are_refused_before_any_work(tmp_path, synthetic_data):
    (tmp_path / 'a_file').touch()
    cfg = write_train_config(tmp_path / 'run.yaml', synthetic_data, tmp_path / 'a_file' / 'run')
    one_line_error(train(cfg), 'cannot be written')
    cfg = write_train_config(tmp_path / 'ws.yaml', synthetic_data, tmp_path / 'ws', world_size=2)
    one_line_error(train(cfg), 'world_size 2 does not match the 1 process(es)')
    if not torch.cuda.is_available():
        cfg = write_train_config(tmp_path / 'gpu.yaml', synthetic_data, tmp_path / 'gpu', device='cuda')
        one_line_error(train(cfg), 'no CUDA device is available')
        assert not (tmp_path / 'gpu').exists()


def test_resume_is_exact_and_skips_a_truncated_checkpoint(tmp_path, synthetic_data):
    full = write_train_config(tmp_path / 'full.yaml', synthetic_data, tmp_path / 'full', total_steps=4)
    split = write_train_config(tmp_path / 'split.yaml', synthetic_data, tmp_path / 'split', total_steps=4)
    assert train(full).returncode == 0
    assert train(split, '--total_steps', 2).returncode == 0
    r = train(split, '--resume')
    assert r.returncode == 0 and 'resumed from' in r.stderr, r.stderr[-3000:]
    last = tmp_path / 'split' / 'checkpoints' / 'ckpt_0000004.pt'
    reference = weights(tmp_path / 'full' / 'checkpoints' / 'ckpt_0000004.pt')
    assert all(torch.equal(v, weights(last)[k]) for k, v in reference.items())
    last.write_bytes(last.read_bytes()[:4096])
    r = train(split, '--resume')
    assert r.returncode == 0 and f'warning: {last}' in r.stderr, r.stderr[-3000:]
    assert all(torch.equal(v, weights(last)[k]) for k, v in reference.items())


def test_two_ranks_leave_identical_weights(tmp_path, synthetic_data):
    cfg = write_train_config(tmp_path / 'run.yaml', synthetic_data, tmp_path / 'run', world_size=2)
    worker = str(ROOT / 'tests' / 'ddp_train_and_dump.py')
    r = subprocess.run(torchrun('--nproc_per_node=2', worker, str(cfg), str(tmp_path)),
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
    out = run_killing_one_worker([*TRAIN, '--config', str(cfg), '--resume'], ckpts, 'ckpt_*.pt', ENV)
    final = torch.load(ckpts / f'ckpt_{steps:07d}.pt', weights_only=True)
    assert final['step'] == steps
    assert 'resumed from' in out   # printed only by a run that found a checkpoint at start: the restarted one
