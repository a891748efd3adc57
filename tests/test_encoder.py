"""`enriching-gan train-encoder` as users launch it: under torchrun (2 gloo ranks on the CPU), then resumed in one
process, and its encoder used by `enriching-gan invert --init encoder`."""
import os
import subprocess
import sys

import torch

from conftest import torchrun

ENV = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}
CLI = ['-m', 'enriching_gan.cli']


def test_two_ranks_then_resume_then_invert(tmp_path, synthetic_data):
    from enriching_gan.checkpoints import save_checkpoint
    from enriching_gan.networks import Generator
    torch.manual_seed(0)
    gen = save_checkpoint(tmp_path / 'g' / 'ckpt_0000001.pt', g=Generator(32, 3, style_dim=16, n_mlp=1, channel_max=8))
    run = tmp_path / 'enc'
    flags = ['train-encoder', '--ckpt_dir', str(gen), '--output_dir', str(run), '--generated', '1', '--batch_size', '2',
             '--channels', '8', '--ckpt_every', '2', '--device', 'cpu']
    r = subprocess.run(torchrun('--standalone', '--nproc_per_node=2', *CLI, *flags, '--total_steps', '2',
                                '--world_size', '2'), capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (run / 'checkpoints' / 'ckpt_0000002.pt').is_file() and (run / 'logs').is_dir()
    r = subprocess.run([sys.executable, *CLI, *flags, '--total_steps', '3', '--resume'], capture_output=True,
                       text=True, env=ENV, timeout=300)
    assert r.returncode == 0 and 'resumed from' in r.stderr, r.stderr[-3000:]
    assert torch.load(run / 'checkpoints' / 'ckpt_0000003.pt', weights_only=True)['step'] == 3
    r = subprocess.run([sys.executable, *CLI, 'invert', '--ckpt_dir', str(gen), '--real_data_dir', str(synthetic_data),
                        '--output_dir', str(tmp_path / 'inv'), '--leadtimes', '[0]', '--date_stop', '2024-01-15',
                        '--invstep', '3', '--init', 'encoder', '--encoder', str(run), '--var_names', '[u,v,t2m]'],
                       capture_output=True, text=True, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '"init": "encoder"' in (tmp_path / 'inv' / 'manifest.json').read_text()
