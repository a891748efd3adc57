"""Throughput of the data pipeline at 256x256, on both sample layouts (one .npy per sample, and one sharded Zarr
store samples.zarr): training samples/s through a DataLoader (0 and 2 workers) and whole 16-member ensembles/s through
EnsembleStore, from a warm page cache. On a shared machine the wall-clock rates follow the other jobs' load; the
per-CPU-second rates (this process's CPU time: 0 workers and EnsembleStore only) much less.

    python bench/data.py [--dir /tmp/eg_bench_data] [--size 256] [--batch 16]
"""
import argparse
import shutil
import time
from pathlib import Path

import torch

from enriching_gan.data import (EnsembleStore, FieldDataset, NormalisationConfig, Normaliser, Samples, read_labels,
                                write_sample_store)
from enriching_gan.synthetic import make_synthetic_dataset
from _timing import print_table


def loader_rate(ds, workers: int, batch: int, epochs: int = 2) -> tuple[float, float]:
    """(samples per second, per CPU second of this process) over `epochs` passes (the first pass warms the page cache
    and is not timed)."""
    dl = torch.utils.data.DataLoader(ds, batch_size=batch, shuffle=True, num_workers=workers,
                                     pin_memory=torch.cuda.is_available(), persistent_workers=workers > 0)
    for _ in dl: pass
    t0, c0, n = time.perf_counter(), time.process_time(), 0
    for _ in range(epochs):
        for x in dl: n += x.shape[0]
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)


def zarr_copy(root: Path) -> Path:
    "The data set `root` in the Zarr layout (samples.zarr beside the same labels, statistics and grid), made once."
    out = root.with_name(root.name + '_zarr')
    if not (out / 'samples.zarr').is_dir():
        shutil.copytree(root, out, ignore=shutil.ignore_patterns('*.npy', 'stats'), dirs_exist_ok=True)
        shutil.copytree(root / 'stats', out / 'stats', dirs_exist_ok=True)
        names, npy = read_labels(root / 'labels.csv')['Name'], Samples(root)
        write_sample_store(out, names, (npy.load(n) for n in names))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--dir', default='/tmp/eg_bench_data', help='where the synthetic data set is written (reused)')
    p.add_argument('--size', type=int, default=256)
    p.add_argument('--batch', type=int, default=16)
    args = p.parse_args()
    root = Path(args.dir) / f'synth_{args.size}'
    t0 = time.perf_counter()
    make_synthetic_dataset(root, n_dates=1, size=args.size, progress=False)
    layouts = {'npy': root, 'zarr': zarr_copy(root)}
    print(f'data sets ready in {time.perf_counter() - t0:.1f} s: {", ".join(map(str, layouts.values()))}')
    cfg = NormalisationConfig.from_yaml(root / 'dataset_handler_config.yaml')
    rows = []
    for var_names in (['u', 'v', 't2m'], ['rr', 'u', 'v', 't2m']):
        norm = Normaliser.load(root / cfg.stat_folder, cfg, var_names)
        for layout, data in layouts.items():
            ds = FieldDataset(data, norm)
            for workers in (0, 2):
                rate, cpu_rate = loader_rate(ds, workers, args.batch)
                rows.append({'what': f'training loader, {len(var_names)} variables, {workers} workers', 'layout': layout,
                             'rate': f'{rate:.0f} samples/s',
                             'per CPU second': f'{cpu_rate:.0f} samples' if workers == 0 else '(in the workers)'})
            store = EnsembleStore(data, var_names, normaliser=norm)
            cases = store.cases()
            for c in cases: store.ensemble(*c)
            t0, c0 = time.perf_counter(), time.process_time()
            for c in cases: store.ensemble(*c, normalised=True)
            rows.append({'what': f'EnsembleStore, 16 members, {len(var_names)} variables, normalised', 'layout': layout,
                         'rate': f'{len(cases) / (time.perf_counter() - t0):.1f} ensembles/s',
                         'per CPU second': f'{len(cases) / (time.process_time() - c0):.1f} ensembles'})
    print_table(rows, f'data pipeline at {args.size}x{args.size}, batch {args.batch}, {torch.get_num_threads()} threads')


if __name__ == '__main__':
    main()
