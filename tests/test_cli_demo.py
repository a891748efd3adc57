"""`enriching-gan demo` in its smallest setting, `evaluate` on its output, `synth | stats | train`, and every subcommand's help."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import torchrun_logs
from enriching_gan.cli import main

CLI = str(Path(sys.executable).parent / 'enriching-gan')
COMMANDS = ['synth', 'stats', 'train', 'train-flow', 'invert', 'tune', 'enrich', 'evaluate', 'demo', 'debias train', 'debias validate', 'debias infer']


def run(*args, env=None):
    return subprocess.run([CLI, *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope='module')
def demo_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp('demo') / 'run'
    r = run('demo', '--out', out, '--scale', 'tiny')
    assert r.returncode == 0, r.stderr[-3000:]
    assert f'metrics report: {out / "evaluation" / "report.html"}' in r.stdout
    return out


def test_demo_artefacts(demo_dir):
    enriched = sorted((demo_dir / 'enriched' / 'enriched').glob('*.npz'))
    assert [p.name for p in enriched] == ['2024-02-12_lt00.npz', '2024-02-12_lt01.npz']   # the last date, both lead times
    with np.load(enriched[0]) as f:
        members = f['members']
        assert members.shape == (24, 3, 16, 16) and list(f['var_names']) == ['u', 'v', 't2m']
    assert 230 < members[:, 2].mean() < 310 and np.abs(members[:, :2]).max() < 80   # kelvin and m/s
    tuned = json.loads((demo_dir / 'tuned' / 'enriched' / 'manifest.json').read_text())
    assert tuned['inputs']['cases'] == ['2024-02-05_lt00', '2024-02-05_lt01']      # tuned on the date before, not scored
    doc = json.loads((demo_dir / 'evaluation' / 'metrics.json').read_text())
    assert doc['n_cases'] == 2 and {'u | fair CRPS', 'u | standard CRPS', 't2m | variogram score'} <= set(doc['summary'])
    assert set(doc['summary']['t2m | fair CRPS']) == {'real', 'reconstruction', 'enriched', 'flow', 'flow_with_real',
                                                      'dressing', 'dressing_centred', 'ideal', 'ideal_given_real',
                                                      'reference'}
    # 4 truths per case: ranks pooled over them
    assert len(doc['rank_histograms']['enriched | t2m']) == 25 and sum(doc['rank_histograms']['real | u']) == 2 * 4 * 16 * 16
    quality = json.loads((demo_dir / 'evaluation' / 'quality.json').read_text())
    assert {'crps_fair', 'crps_std', 'q01_error', 'q99_error', 'brier_q90', 'outlier_fraction'} <= set(quality['t2m']['enriched'])
    mean, low, high = quality['intervals']['t2m']['ideal']['crps_std']
    assert low <= mean <= high and set(quality['gain_captured']['u']) >= {'enriched', 'flow', 'dressing'}
    assert set(quality['seconds']) == {'enriched', 'flow'}
    with np.load(demo_dir / 'enriched' / 'flow' / '2024-02-12_lt01.npz') as f:     # the flow route, trained on 3 dates
        assert f['members'].shape == (24, 3, 16, 16) and str(f['method']) == 'flow'
    assert "date_stop: '2024-01-29'" in (demo_dir / 'flow' / 'config.yaml').read_text()      # the training dates alone
    assert quality['split'] == {'train': ['2024-01-15', '2024-01-22', '2024-01-29'], 'tune': ['2024-02-05'],
                                'evaluate': ['2024-02-12']}
    report = (demo_dir / 'evaluation' / 'report.html').read_text()
    assert report.count('data:image/png;base64') >= 10 and 'Rank histograms' in report and 'gain captured' in report


def test_demo_resumes(demo_dir):
    ckpt = demo_dir / 'run' / 'checkpoints' / 'ckpt_0000060.pt'
    before = ckpt.stat().st_mtime_ns, (demo_dir / 'enriched' / 'enriched' / '2024-02-12_lt00.npz').stat().st_mtime_ns
    r = run('demo', '--out', demo_dir, '--scale', 'tiny')
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'resumed from' in r.stderr and 'step 60' in r.stderr
    assert before == (ckpt.stat().st_mtime_ns, (demo_dir / 'enriched' / 'enriched' / '2024-02-12_lt00.npz').stat().st_mtime_ns)
    r = run('demo', '--out', demo_dir, '--scale', 'cpu')
    assert r.returncode == 2 and 'holds a demo run at scale tiny' in r.stderr


def test_evaluate_command(demo_dir, tmp_path):
    r = run('evaluate', '--enriched_dir', demo_dir / 'enriched' / 'enriched', '--output_dir', tmp_path, '--leadtimes', '[1]', '--maps', 1,
            env={'STYLEGAN_DATA_DIR': str(demo_dir / 'data')})
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'fair CRPS' in r.stdout and (tmp_path / 'report.html').is_file()
    rows = (tmp_path / 'metrics.csv').read_text().splitlines()
    assert rows[0] == 'date,lead_time,set,variable,score,value' and all(',1,' in row for row in rows[1:])


def test_synth_stats_train(tmp_path):
    data = tmp_path / 'data'
    r = run('synth', '--out', data, '--n_dates', 1, '--n_members', 4, '--lead_times', '[3,6]', '--size', 16)
    assert r.returncode == 0, r.stderr
    assert len((data / 'labels.csv').read_text().splitlines()) == 1 + 8
    for f in (data / 'stats').glob('*.npy'): f.unlink()
    r = run('stats', '--data_dir', data)
    assert r.returncode == 0 and len(list((data / 'stats').glob('*.npy'))) == 4, r.stderr
    config = tmp_path / 'train.yaml'
    config.write_text('batch_size: 2\nlatent_dim: 16\nn_mlp: 1\nchannel_max: 8\ntotal_steps: 100\nnum_workers: 0\n')
    r = run('train', '--config', config, '--output_dir', tmp_path / 'run', '--total_steps', 2, '--ckpt_every', 2,
            env={'STYLEGAN_DATA_DIR': str(data)})
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / 'run' / 'checkpoints' / 'ckpt_0000002.pt').is_file() and 'step 2' in r.stdout


def run_in_process(capsys, *args) -> tuple[int, str, str]:
    "Exit status, stdout and stderr of `enriching-gan ARGS`, run in this process (parsing needs no subprocess)."
    try: code = main(list(map(str, args)))
    except SystemExit as e: code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize('command', COMMANDS)
def test_help(capsys, command):
    code, out, _ = run_in_process(capsys, *command.split(), '--help')
    assert code == 0 and '--config' in out and 'default' in out


@pytest.mark.parametrize('args, message', [
    (['demo', '--scale', 'huge'], "scale must be one of tiny, cpu, quality, gpu, got 'huge'"),
    (['synth', '--size', 'big'], "size must be an integer, got 'big'"),
    (['evaluate', '--enriched_dir', 'x', '--output_dir', 'y'], 'missing real_data_dir'),
    (['train', '--data_dir', 'nowhere', '--amp', 'fp8'], "amp must be one of auto, bf16, off, got 'fp8'"),
    (['train', '--data_dir', 'nowhere', '--total_steps', 'ten'], "total_steps must be an integer, got 'ten'"),
    (['invert', '--ckpt_dir', 'c', '--real_data_dir', 'd', '--output_dir', 'o', '--invstep', '2.7'],
     'invstep must be an integer, got 2.7'),
    (['train', '--data_dir', 'nowhere', '--device', 'cuda'], "device 'cuda': no CUDA device is available"),
    (['demo', '--device', 'cuda', '--out', '/nonexistent/never'], "device 'cuda': no CUDA device is available"),
    (['debias', 'train', '--source_dir', 's', '--reference_dir', 'r', '--output_dir', '/nonexistent/never', '--device', 'cuda'],
     "device 'cuda': no CUDA device is available"),
    (['demo', '--frobnicate'], 'unrecognized arguments: --frobnicate'),
])
def test_bad_flags_one_line(capsys, monkeypatch, args, message):
    monkeypatch.delenv('STYLEGAN_DATA_DIR', raising=False)
    code, _, err = run_in_process(capsys, *args)
    assert code == 2 and len(err.strip().splitlines()) == 1 and message in err, err


SCRIPTS = Path(__file__).resolve().parents[1] / 'scripts'


def run_script(name, *args, env=None):
    path = f'{Path(sys.executable).parent}{os.pathsep}{os.environ.get("PATH", "")}'
    return subprocess.run([str(SCRIPTS / name), *map(str, args)], capture_output=True, text=True, timeout=600,
                          env={**os.environ, 'PATH': path, **(env or {})})


@pytest.mark.parametrize('script, command', [('run_inversion.sh', 'invert'), ('scale_tune.sh', 'tune'),
                                             ('generate_condition.sh', 'enrich')])
def test_original_scripts_wrap_the_cli(script, command):
    r = run_script(script, '--help')
    assert r.returncode == 0 and f'usage: enriching-gan {command}' in r.stdout


def test_run_training_script(tmp_path, synthetic_data):
    assert run_script('run_training.sh').returncode == 2
    (tmp_path / 'config.yaml').write_text(f'output_dir: {tmp_path / "run"}\ncrop_size: [16, 16]\nbatch_size: 2\nlatent_dim: 16\n'
                                          'n_mlp: 1\nchannel_max: 8\ntotal_steps: 2\nckpt_every: 2\nnum_workers: 0\n')
    env = {'STYLEGAN_CODE_DIR': str(tmp_path), 'STYLEGAN_DATA_DIR': str(synthetic_data),
           'TMPDIR': str(torchrun_logs())}                                   # where its torchrun leaves its logs
    r = run_script('run_training.sh', 1, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert (tmp_path / 'run' / 'checkpoints' / 'ckpt_0000002.pt').is_file()
