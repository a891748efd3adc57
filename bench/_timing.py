"""Timing helpers shared by the benchmark scripts (not part of the package)."""
import time

import torch


def sync(device: torch.device) -> None:
    "Wait for queued work on `device`."
    if device.type == 'cuda': torch.cuda.synchronize(device)


def time_call(fn, device: torch.device, warmup: int = 3, iters: int = 10) -> float:
    "Median wall time of `fn()` in seconds, after `warmup` calls."
    for _ in range(warmup): fn()
    sync(device)
    times = []
    for _ in range(iters):
        t0 = time.perf_counter(); fn(); sync(device)
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def print_table(rows: list[dict], title: str) -> None:
    "Print `rows` (dicts with the same keys) as an aligned Markdown table."
    if not rows: return
    keys = list(rows[0])
    cells = [[str(r[k]) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    print(f'\n### {title}\n')
    print('| ' + ' | '.join(k.ljust(w) for k, w in zip(keys, widths)) + ' |')
    print('|' + '|'.join('-' * (w + 2) for w in widths) + '|')
    for c in cells: print('| ' + ' | '.join(v.ljust(w) for v, w in zip(c, widths)) + ' |')


def device_name(device: torch.device) -> str:
    "A readable name of the device the benchmark ran on."
    return torch.cuda.get_device_name(device) if device.type == 'cuda' else f'CPU ({torch.get_num_threads()} threads)'
