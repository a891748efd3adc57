"""Run the whole test suite and print `N passed, N failed`.

1. every notebook under nbs/ through nbdev's own test runner (cells flagged `slow` are skipped unless
   `--slow`; cells flagged `cuda` run only where a GPU is present);
2. `nbdev_export` must leave enriching_gan/ unchanged (the exported modules are in sync);
3. pytest on tests/ (process-level tests: torchrun, the command line, the browser).

Exit status 1 when anything failed or when no notebook ran.

    python tools/run_tests.py [--slow] [--only NAME ...] [--workers N] [--no-pytest]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def notebooks(only: list[str]) -> list[Path]:
    "Notebooks to test, in reading order; `only` filters by substring of the file name."
    nbs = sorted(p for p in (ROOT / 'nbs').rglob('*.ipynb')
                 if '.ipynb_checkpoints' not in p.parts and not p.name.startswith('_'))
    return [p for p in nbs if not only or any(o in p.name for o in only)]


def skip_flags(run_slow: bool) -> tuple[list[str], list[str]]:
    "(flags to skip, flags to force) from settings.ini, this machine and the command line."
    from nbdev.config import get_config
    skip = get_config().tst_flags.split()
    force = []
    import torch
    if torch.cuda.is_available(): force.append('cuda')
    if run_slow: force.append('slow')
    return skip, force


def run_notebook(path: Path, skip: list[str], force: list[str]) -> tuple[str, bool, float]:
    "Run one notebook with nbdev's `test_nb` in its own process; (name, passed, seconds)."
    code = ('import sys; from pathlib import Path; from nbdev.test import test_nb; '
            f'ok, _ = test_nb(Path({str(path)!r}), skip_flags={skip!r}, force_flags={force!r}, basepath={str(ROOT)!r}); '
            'sys.exit(0 if ok else 1)')
    t0 = time.time()
    # one thread per notebook: several notebooks run at once, and oversubscribed torch threads slow everything down 10x
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'MKL_NUM_THREADS': '1'}
    ok = subprocess.run([sys.executable, '-c', code], cwd=path.parent, env=env).returncode == 0
    return str(path.relative_to(ROOT)), ok, time.time() - t0


def export_in_sync() -> tuple[bool, str]:
    "Whether `nbdev_export` leaves enriching_gan/ as it is in git."
    def status():
        return subprocess.run(['git', 'status', '--porcelain', '--', 'enriching_gan'], cwd=ROOT,
                              capture_output=True, text=True).stdout
    if not (ROOT / '.git').exists(): return True, 'not a git checkout: export check skipped'
    before = status()
    subprocess.run([sys.executable, '-c', 'from nbdev.doclinks import nbdev_export; nbdev_export()'],
                   cwd=ROOT, check=True, capture_output=True)
    after = status()
    return before == after, '' if before == after else f'nbdev_export changed enriching_gan/:\n{after}'


def run_pytest() -> tuple[int, int, int]:
    "Run pytest on tests/; (passed, failed, skipped)."
    tests = ROOT / 'tests'
    if not any(tests.glob('test_*.py')): return 0, 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / 'report.xml'
        # two workers, one test file each at a time (module fixtures are built once); most tests wait on subprocesses
        subprocess.run([sys.executable, '-m', 'pytest', str(tests), '-q', '-n', '2', '--dist', 'loadfile', f'--junitxml={report}'], cwd=ROOT)
        if not report.exists(): return 0, 1, 0
        suites = ET.parse(report).getroot()
        suites = [suites] if suites.tag == 'testsuite' else list(suites)
        total = sum(int(s.get('tests', 0)) for s in suites)
        failed = sum(int(s.get('failures', 0)) + int(s.get('errors', 0)) for s in suites)
        skipped = sum(int(s.get('skipped', 0)) for s in suites)
        return total - failed - skipped, failed, skipped


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--slow', action='store_true', help='also run cells flagged `slow`')
    p.add_argument('--only', nargs='*', default=[], help='notebooks whose name contains one of these')
    p.add_argument('--workers', type=int, default=len(os.sched_getaffinity(0)), help='notebooks run at once (one thread each)')
    p.add_argument('--no-pytest', action='store_true', help='notebooks and export check only')
    args = p.parse_args()
    os.environ.setdefault('MPLBACKEND', 'Agg')
    nbs = notebooks(args.only)
    skip, force = skip_flags(args.slow)
    print(f'testing {len(nbs)} notebooks (skipping {sorted(set(skip) - set(force))}, running {force or "no extra flags"})')
    passed = failed = skipped = 0
    t0 = time.time()
    with ThreadPoolExecutor(args.workers) as pool:
        for name, ok, secs in pool.map(run_notebook, nbs, [skip] * len(nbs), [force] * len(nbs)):
            print(f"{'PASS' if ok else 'FAIL'} {name} ({secs:.0f} s)", flush=True)
            passed, failed = passed + ok, failed + (not ok)
    in_sync, msg = export_in_sync()
    print(f"{'PASS' if in_sync else 'FAIL'} exported modules in sync with the notebooks {msg}".rstrip())
    passed, failed = passed + in_sync, failed + (not in_sync)
    if not args.no_pytest:
        tp, tf, ts = run_pytest()
        passed, failed, skipped = passed + tp, failed + tf, skipped + ts
    print(f'\ntotal time {time.time() - t0:.0f} s')
    if skipped: print(f'{skipped} skipped')
    print(f'{passed} passed, {failed} failed')       # the last line, which CI reads
    if not nbs:
        print('no notebook ran: nothing was tested', file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
