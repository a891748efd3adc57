"""Training throughput (images/s) of the default configuration, against the original
implementation's way of running (grouped modulated convolutions, float32) at equal batch size.

GPU default: 256x256, batch 16, full channels. CPU default: 64x64, batch 4.
Regularisation steps (R1 every 16, path length every 4) are included, as in real training.

    python bench/train.py [--size 256] [--batch 16] [--steps 20] [--channel-max 512]
"""
import argparse
import time
from pathlib import Path

import torch

from enriching_gan.files import scratch_dir
from enriching_gan.synthetic import make_synthetic_dataset
from enriching_gan.train import Trainer, TrainConfig
from _timing import device_name, print_table, sync


def images_per_second(trainer: Trainer, steps: int, warmup: int = 4) -> float:
    "Training images per second over `steps` steps after `warmup`."
    data = trainer.batches(0)
    for _ in range(warmup): trainer.train_step(next(data))
    sync(trainer.device)
    t0 = time.perf_counter()
    for _ in range(steps): trainer.train_step(next(data))
    sync(trainer.device)
    return steps * trainer.cfg.batch_size / (time.perf_counter() - t0)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--size', type=int, default=None)
    p.add_argument('--batch', type=int, default=None)
    p.add_argument('--steps', type=int, default=None)
    p.add_argument('--channel-max', type=int, default=512)
    p.add_argument('--dir', default=None, help='data directory to reuse (default: a temporary one)')
    args = p.parse_args()
    cuda = torch.cuda.is_available()
    size, batch = args.size or (256 if cuda else 64), args.batch or (16 if cuda else 4)
    steps = args.steps or (20 if cuda else 3)
    if cuda: torch.backends.cudnn.benchmark = True
    root = (Path(args.dir) if args.dir else scratch_dir()) / f'synth_{size}'
    make_synthetic_dataset(root, n_dates=1, size=size, progress=False)
    rows = []
    for name, amp, mode in [('original-like: grouped modulated conv, float32', 'off', 'grouped'),
                            ('shared-weight modulated conv, float32', 'off', 'shared'),
                            ('default: shared-weight, bf16 autocast on GPU', 'auto', 'shared')]:
        if amp == 'auto' and not cuda: continue   # on a CPU 'auto' means float32: the row above
        cfg = TrainConfig(data_dir=str(root), output_dir=str(root.parent / 'run'), batch_size=batch,
                          channel_max=args.channel_max, amp=amp, num_workers=2, total_steps=10 ** 6)
        trainer = Trainer(cfg, progress=False)
        trainer.g.set_modconv_mode(mode)
        rows.append({'configuration': name, 'amp': amp, 'images/s': f'{images_per_second(trainer, steps):.1f}'})
        del trainer
        if cuda: torch.cuda.empty_cache()
    base = float(rows[0]['images/s'])
    for r in rows: r['vs original'] = f"{float(r['images/s']) / base:.2f}x"
    print_table(rows, f'training at {size}x{size}, batch {batch}, channel_max {args.channel_max}, {device_name(torch.device("cuda" if cuda else "cpu"))}')


if __name__ == '__main__':
    main()
