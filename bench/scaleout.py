"""Scale-out of inversion and enrichment: ensembles per hour with 1 process and with N processes under torchrun.

Each configuration runs the `enriching-gan` command from scratch in a new output directory (process start-up,
checkpoint loading and the rendezvous included), on a synthetic data set and a random generator of the chosen size.
On a CPU the cores are shared: 1 process uses all threads, N processes one N-th each.

    python bench/scaleout.py [--size 32] [--ensembles 16] [--invstep 100] [--processes 1,2]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from enriching_gan.checkpoints import save_checkpoint
from enriching_gan.networks import Generator
from enriching_gan.synthetic import make_synthetic_dataset
from _timing import device_name, print_table


def launch(command: list[str], processes: int, threads: int, logs: Path) -> float:
    "Wall time of one `enriching-gan` run with `processes` ranks (torchrun's logs in `logs`)."
    prefix = ([sys.executable, '-m', 'enriching_gan.cli'] if processes == 1 else
              [sys.executable, '-m', 'torch.distributed.run', f'--log-dir={logs}', '--standalone',
               f'--nproc_per_node={processes}', '-m', 'enriching_gan.cli'])
    t0 = time.perf_counter()
    r = subprocess.run(prefix + command, capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': str(threads)})
    if r.returncode != 0: raise SystemExit(r.stderr[-3000:])
    return time.perf_counter() - t0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cuda = torch.cuda.is_available()
    p.add_argument('--size', type=int, default=256 if cuda else 32)
    p.add_argument('--channel-max', type=int, default=512 if cuda else 32)
    p.add_argument('--ensembles', type=int, default=16, help='(date, lead time) cases of 16 members')
    p.add_argument('--invstep', type=int, default=1000 if cuda else 100)
    p.add_argument('--samples', type=int, default=120, help='enriched members per ensemble')
    gpus = torch.cuda.device_count()
    p.add_argument('--processes', default=('1' if gpus < 2 else f'1,{gpus}') if cuda else '1,2',
                   help='process counts to compare (on GPUs, one process per GPU)')
    args = p.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data = make_synthetic_dataset(tmp / 'data', n_dates=args.ensembles // 4, lead_times=(3, 12, 24, 45), size=args.size, progress=False)
        torch.manual_seed(0)
        g = Generator(args.size, 3, channel_max=args.channel_max)
        ckpt = save_checkpoint(tmp / 'ckpt_0000001.pt', g=g, train_config={'var_names': ['u', 'v', 't2m']})
        common = ['--ckpt_dir', str(ckpt), '--real_data_dir', str(data)]
        launch(['invert', *common, '--invstep', '1', '--output_dir', str(tmp / 'warm')], 1, cores,
               tmp)   # latent statistics, caches
        rows = []
        for n in [int(v) for v in args.processes.split(',')]:
            threads = 1 if cuda else max(cores // n, 1)
            inv = launch(['invert', *common, '--invstep', str(args.invstep), '--output_dir', str(tmp / f'inv{n}')],
                         n, threads, tmp)
            enr = launch(['enrich', *common, '--data_dir', str(tmp / f'inv{n}'), '--N_samples', str(args.samples),
                          '--output_dir', str(tmp / f'enr{n}')], n, threads, tmp)
            rows.append({'processes': n, 'threads each': threads, 'inversion s': f'{inv:.1f}',
                         'inverted ensembles/h': f'{args.ensembles * 3600 / inv:.0f}', 'enrichment s': f'{enr:.1f}',
                         'enriched ensembles/h': f'{args.ensembles * 3600 / enr:.0f}'})
    print_table(rows, f'{device_name(torch.device("cuda" if cuda else "cpu"))}, {args.size}x{args.size}, channel_max {args.channel_max}, '
                      f'{args.ensembles} ensembles x 16 members, {args.invstep} inversion steps, {args.samples} new members each')


if __name__ == '__main__':
    main()
