"""Inversion throughput: members x steps per second by batch size, and the speed-up of batching many
ensembles over inverting one 16-member ensemble at a time.

GPU default: the 256x256 full-size generator (random weights: the cost does not depend on them).
CPU default: a 32x32 generator with 64 channels.

    python bench/inversion.py [--size 256] [--channel-max 512] [--steps 20] [--batches 16,32,64,128,256,512]
"""
import argparse
import time

import torch

from enriching_gan.inversion import InversionConfig, compute_latent_stats, project
from enriching_gan.networks import Generator
from _timing import device_name, print_table, sync


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cuda = torch.cuda.is_available()
    p.add_argument('--size', type=int, default=256 if cuda else 32)
    p.add_argument('--channel-max', type=int, default=512 if cuda else 64)
    p.add_argument('--steps', type=int, default=20 if cuda else 5)
    p.add_argument('--batches', default='16,32,64,128,256,512' if cuda else '16,32,64')
    args = p.parse_args()
    dev = torch.device('cuda' if cuda else 'cpu')
    if cuda: torch.backends.cudnn.benchmark = True
    g = Generator(args.size, 3, channel_max=args.channel_max).to(dev).eval()
    stats = compute_latent_stats(g, 2000)
    stats.mean = stats.mean.to(dev)
    rows = []
    for b in [int(v) for v in args.batches.split(',')]:
        real = torch.randn(b, 3, args.size, args.size, device=dev)
        try:
            project(g, real, InversionConfig(invstep=2), stats)   # warm-up (cuDNN algorithm choice)
            sync(dev); t0 = time.perf_counter()
            project(g, real, InversionConfig(invstep=args.steps), stats)
            sync(dev); secs = time.perf_counter() - t0
        except torch.OutOfMemoryError:
            print(f'{b} members per batch: out of memory; larger batches skipped')
            break
        finally:
            del real
            if cuda: torch.cuda.empty_cache()
        rows.append({'members per batch': b, 'members x steps / s': f'{b * args.steps / secs:.1f}'})
    base = float(rows[0]['members x steps / s'])
    for r in rows: r['speed-up vs 16'] = f"{float(r['members x steps / s']) / base:.2f}x"
    print_table(rows, f'inversion at {args.size}x{args.size}, channel_max {args.channel_max}, {args.steps} steps, {device_name(dev)}')
    steps_240 = 240 * 1000 / max(float(r['members x steps / s']) for r in rows)
    print(f'\nestimated wall time for one 16-member ensemble at 15 lead times (240 members, 1000 steps): {steps_240 / 60:.1f} min')


if __name__ == '__main__':
    main()
