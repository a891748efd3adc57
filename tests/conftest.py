"""Shared fixtures of the process-level tests: a small synthetic data set and tiny training configurations."""
import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='session')
def synthetic_data(tmp_path_factory) -> Path:
    "A 32×32 synthetic ensemble data set (2 dates × 3 lead times × 8 members)."
    from enriching_gan.synthetic import make_synthetic_dataset
    return make_synthetic_dataset(tmp_path_factory.mktemp('data') / 'synth', n_dates=2, n_members=8,
                                  lead_times=(3, 24, 45), size=32, progress=False)


def write_train_config(path: Path, data_dir: Path, out_dir: Path, **overrides) -> Path:
    "A YAML training configuration for a tiny CPU model."
    cfg = dict(data_dir=str(data_dir), output_dir=str(out_dir), crop_size=[16, 16], batch_size=2, latent_dim=32,
               n_mlp=2, channel_max=16, total_steps=4, d_reg_every=2, g_reg_every=2, ckpt_every=2,
               sample_every=1000, log_every=2, num_workers=0)
    cfg.update(overrides)
    path.write_text(yaml.safe_dump(cfg))
    return path


@functools.cache
def torchrun_logs() -> Path:
    "The folder of torchrun's logs of this test process, removed at its end (by default each run leaves one in /tmp)."
    from enriching_gan.files import scratch_dir
    return scratch_dir(prefix='enriching_gan-torchrun-')


def torchrun(*args) -> list[str]:
    "Command line of torchrun from this interpreter's environment, its logs in `torchrun_logs()`."
    return [sys.executable, '-m', 'torch.distributed.run', f'--log-dir={torchrun_logs()}', *args]


def run_cli(*args, ranks: int = 1, timeout: float = 600) -> subprocess.CompletedProcess:
    "`python -m enriching_gan.cli ARGS` (under torchrun with `ranks` > 1 processes), one thread each, output captured."
    args = ['-m', 'enriching_gan.cli', *map(str, args)]
    cmd = [sys.executable, *args] if ranks == 1 else torchrun('--standalone', f'--nproc_per_node={ranks}', *args)
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def children(pid: int) -> list[int]:
    "Direct child processes of `pid` (Linux /proc)."
    path = Path(f'/proc/{pid}/task/{pid}/children')
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def run_killing_one_worker(args: list[str], first_output: Path, pattern: str, env: dict, timeout: float = 600) -> str:
    "Run torchrun with 2 workers and one restart; SIGKILL a worker as soon as `first_output` holds a `pattern` file; the log."
    proc = subprocess.Popen(torchrun('--standalone', '--nproc_per_node=2', '--max-restarts=1', *args),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.time() + timeout / 2
    while not list(first_output.glob(pattern)) and time.time() < deadline: time.sleep(0.1)
    assert list(first_output.glob(pattern)), f'no {pattern} appeared in {first_output}'
    workers = children(proc.pid)
    assert workers, 'torchrun has no worker processes'
    os.kill(workers[-1], signal.SIGKILL)
    log, _ = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, log[-3000:]
    return log
