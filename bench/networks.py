"""Throughput of the StyleGAN2 generator and discriminator (images/s), forward and forward+backward.

GPU default: 256x256, nb_var 3, full channels (channel_max 512), batch 8.
CPU default: 64x64, batch 2. Configurations, from the original implementation's way of running
(grouped modulated conv, float32, NCHW, eager) to this package's fast path (shared-weight modulated
conv, bf16 autocast), with channels_last and, optionally, torch.compile.

    python bench/networks.py [--size 256] [--batch 8] [--compile]
"""
import argparse
import os

import torch

from enriching_gan.networks import Discriminator, Generator
from _timing import device_name, print_table, time_call


def configurations(device, with_compile):
    "Named settings: modulated-conv form, autocast dtype, memory formats of G and D, compile, ops path."
    base = dict(mode='shared', amp=None, g_cl=False, d_cl=False, compile=False, ops='auto')
    cfgs = [dict(base, name='original-like: grouped, fp32, NCHW', mode='grouped'),
            dict(base, name='shared, fp32, NCHW')]
    if device.type == 'cuda':
        bf16 = dict(base, amp=torch.bfloat16)
        cfgs += [dict(bf16, name='shared, bf16, NCHW (training default)'),
                 dict(bf16, name='shared, bf16, channels_last', g_cl=True, d_cl=True)]
        if with_compile:
            cfgs += [dict(bf16, name='shared, bf16, compiled, CUDA ops', compile=True),
                     dict(bf16, name='shared, bf16, compiled, reference ops', compile=True, ops='ref')]
    return cfgs


def measure(cfg, size, batch, device, channel_max):
    "images/s of G and D forward and forward+backward under `cfg`."
    torch.manual_seed(0)
    os.environ['ENRICHING_GAN_OPS'] = cfg['ops']
    torch._dynamo.reset()
    g = Generator(size, 3, channel_max=channel_max).to(device).set_modconv_mode(cfg['mode']).use_channels_last(cfg['g_cl'])
    d = Discriminator(size, 3, channel_max=channel_max).to(device)
    if cfg['d_cl']: d = d.to(memory_format=torch.channels_last)
    g_fn, d_fn = (torch.compile(g), torch.compile(d)) if cfg['compile'] else (g, d)
    z = torch.randn(batch, 512, device=device)
    x = torch.randn(batch, 3, size, size, device=device)
    if cfg['d_cl']: x = x.to(memory_format=torch.channels_last)
    amp = torch.autocast(device.type, dtype=cfg['amp'], enabled=cfg['amp'] is not None)

    def g_fwd():
        with torch.no_grad(), amp: g_fn(z)

    def g_train():
        with amp: out = g_fn(z)
        out.float().square().mean().backward()

    def d_fwd():
        with torch.no_grad(), amp: d_fn(x)

    def d_train():
        xr = x.detach().requires_grad_(False)
        with amp: out = d_fn(xr)
        out.float().mean().backward()

    iters = 10 if device.type == 'cuda' else 3
    row = {'configuration': cfg['name']}
    for label, fn in [('G fwd', g_fwd), ('G fwd+bwd', g_train), ('D fwd', d_fwd), ('D fwd+bwd', d_train)]:
        t = time_call(fn, device, warmup=3 if not cfg['compile'] else 5, iters=iters)
        row[f'{label} img/s'] = f'{batch / t:.1f}'
    if device.type == 'cuda': row['peak GiB'] = f'{torch.cuda.max_memory_allocated(device) / 2**30:.1f}'
    return row


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--size', type=int, default=None, help='field size (default 256 on GPU, 64 on CPU)')
    p.add_argument('--batch', type=int, default=None, help='batch (default 8 on GPU, 2 on CPU)')
    p.add_argument('--channel-max', type=int, default=512)
    p.add_argument('--compile', action='store_true', help='also time torch.compile')
    args = p.parse_args()
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    size = args.size or (256 if device.type == 'cuda' else 64)
    batch = args.batch or (8 if device.type == 'cuda' else 2)
    if device.type == 'cuda': torch.backends.cudnn.benchmark = True
    rows = []
    for cfg in configurations(device, args.compile):
        if device.type == 'cuda': torch.cuda.reset_peak_memory_stats(device)
        rows.append(measure(cfg, size, batch, device, args.channel_max))
    base = float(rows[0]['G fwd+bwd img/s'])
    for r in rows: r['G train vs original'] = f"{float(r['G fwd+bwd img/s']) / base:.2f}x"
    print_table(rows, f'networks at {size}x{size}, nb_var 3, channel_max {args.channel_max}, batch {batch}, '
                      f'on {device_name(device)}')


if __name__ == '__main__':
    main()
