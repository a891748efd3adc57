"""Benchmark of upfirdn2d and bias_act: reference PyTorch path vs this package's CUDA kernels.

Shapes are those of a 256x256 StyleGAN2 generator and discriminator (full channels, batch 16).
On a machine without a GPU only the reference path runs, at batch 2 and 64x64 (`--small`).

    python bench/ops.py [--small] [--dtype float32|bfloat16]
"""
import argparse
import os

import torch

from enriching_gan import ops
from _timing import device_name, print_table, time_call



def fir_kernel() -> torch.Tensor:
    "The [1, 3, 3, 1] filter, normalised."
    k = torch.tensor([1., 3., 3., 1.])
    k = torch.outer(k, k)
    return k / k.sum()


def cases(batch: int, size: int):
    "(name, op, input shape, kwargs) for the ops a `size` generator/discriminator runs."
    k = fir_kernel()
    ch = {256: 128, 128: 256, 64: 512, 32: 512, 16: 512}
    r = size
    return [
        (f'blur after up-conv {r}', 'upfirdn2d', (batch, ch[r], r + 1, r + 1), dict(kernel=k * 4, pad=(1, 1))),
        (f'blur after up-conv {r // 2}', 'upfirdn2d', (batch, ch[r // 2], r // 2 + 1, r // 2 + 1), dict(kernel=k * 4, pad=(1, 1))),
        (f'up-sample skip {r}', 'upfirdn2d', (batch, 3, r // 2, r // 2), dict(kernel=k * 4, up=2, pad=(2, 1))),
        (f'D blur before down-conv {r}', 'upfirdn2d', (batch, ch[r], r, r), dict(kernel=k, pad=(2, 2))),
        (f'bias+lrelu {r}', 'bias_act', (batch, ch[r], r, r), {}),
        (f'bias+lrelu {r // 2}', 'bias_act', (batch, ch[r // 2], r // 2, r // 2), {}),
    ]


def run_case(op, shape, kwargs, device, dtype, backward):
    "Median seconds of one forward (and backward) of `op`."
    x = torch.randn(shape, device=device, dtype=dtype, requires_grad=backward)
    if op == 'upfirdn2d':
        kernel = kwargs['kernel'].to(device)
        fn = lambda: ops.upfirdn2d(x, kernel, kwargs.get('up', 1), kwargs.get('down', 1), kwargs['pad'])
    else:
        b = torch.randn(shape[1], device=device, dtype=dtype, requires_grad=backward)
        fn = lambda: ops.bias_act(x, b)
    if backward:
        g = torch.randn_like(fn())
        step = lambda: torch.autograd.backward(fn(), g)
    else:
        step = fn
    with torch.no_grad() if not backward else torch.enable_grad():
        return time_call(step, device)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--small', action='store_true', help='batch 2 at 64x64 (default on CPU)')
    p.add_argument('--dtype', default='float32', choices=['float32', 'bfloat16', 'float16'])
    args = p.parse_args()
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    small = args.small or device.type == 'cpu'
    batch, size = (2, 64) if small else (16, 256)
    dtype = getattr(torch, args.dtype)
    paths = ['ref', 'cuda'] if device.type == 'cuda' and ops.load_extension() is not None else ['ref']
    if device.type == 'cuda' and 'cuda' not in paths: print(f'CUDA kernels unavailable: {ops.extension_error()}')
    rows = []
    for name, op, shape, kwargs in cases(batch, size):
        row = {'op': name, 'input': 'x'.join(map(str, shape))}
        for path in paths:
            os.environ['ENRICHING_GAN_OPS'] = path
            for backward in (False, True):
                t = run_case(op, shape, kwargs, device, dtype, backward)
                row[f'{path} {"fwd+bwd" if backward else "fwd"} ms'] = f'{t * 1e3:.3f}'
        if len(paths) == 2:
            row['speed-up fwd+bwd'] = f"{float(row['ref fwd+bwd ms']) / float(row['cuda fwd+bwd ms']):.2f}x"
        rows.append(row)
    print_table(rows, f'ops on {device_name(device)}, {args.dtype}, batch {batch}')


if __name__ == '__main__':
    main()
