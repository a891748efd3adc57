"""The four command lines of the original research code (`../shared/original-commands.md`), pasted after
`enriching-gan <subcommand>` with their paths pointed at a tiny synthetic run, end to end: training, inversion, tuning,
enrichment, each reading what the previous one wrote under the original names.

The generator is 256x256 so that it has the 14 style layers the original enrichment line's `--style_indices` lists,
but only a few channels wide (a YAML `--config` added to the training line sets the network's size), and the
ensembles have 2 members (`--N_seeds=16 --N_conditioners=16` then take both; choosing a subset is tested in
11_perturbation), so that the 1000 inversion steps of the original line stay affordable on 2 CPU cores."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from enriching_gan.data import read_labels, write_labels
from enriching_gan.synthetic import make_synthetic_dataset

BIN = Path(sys.executable).parent

TRAIN = ("--world_size=$1 --data_dir=$D/data/ --stat_dir=$D/stats/ --id_file=small_train.csv --output_dir=$D/outputs/ "
         "--epochs_num=5 --var_names=['u','v','t2m'] --config_dir=$C/gan/configs/Set_Exemple/ --use_noise=True --tanh_output=True")
INVERT = ("--loss='mae' --ckpt_dir=$D/weights/000024.pt --stat_dir=$D/stats/ --pack_dir=$D/outputs/pack_val/ "
          "--real_data_dir=$D/data/ --output_dir=$D/outputs/inversion_val/ --dates_file=\"small_val.csv\" "
          "--date_start=\"2021-06-02\" --date_stop=\"2021-06-02\" --leadtimes=[3] --invstep=1000")
TUNE = ("--output_dir=$D/outputs/scale_tune_val/ --fake_data_dir=$D/outputs/inversion_val/ --real_data_dir=$D/data/ "
        "--eigen_dir=$D/weights/ --pack_dir=$D/outputs/pack_val/ --ckpt_dir=$D/weights/000024.pt --inflate=0.2 "
        "--style_cut=10 --n_samples=16 --dates_file='small_val.csv' --date_start=\"2021-06-02\" --date_stop=\"2021-06-02\" "
        "--invstep=200 --leadtimes=[3] --n_epochs=50")
ENRICH = ("--output_dir=$D/outputs/perturbation_val/ --real_data_dir=$D/data/ --eigen_dir=$D/weights/ "
          "--data_dir=$D/outputs/inversion_val/ --stat_dir=$D/stats/ --pack_dir=$D/outputs/pack_val/ "
          "--ckpt_dir=$D/weights/000024.pt --N_samples=112 --N_seeds=16 --N_conditioners=16 "
          "--style_indices=[1,1,1,1,1,1,1,1,1,1,0,0,0,0] --beta_dir=$D/weights/ --dates_file='small_val.csv' "
          "--add_name='this_experiment' --date_start=\"2021-06-02\" --date_stop=\"2021-06-02\" --leadtimes=[3] "
          "--invstep=200 --verbose")


def shell(command: str, root: Path) -> subprocess.CompletedProcess:
    "`command` through bash (its quotes as a user's shell reads them), with $1 = 1 process and the original $D and $C."
    env = {**os.environ, 'D': str(root / 'enriching_with_stylegan'), 'C': str(root / 'code'),
           'PATH': f'{BIN}{os.pathsep}{os.environ["PATH"]}', 'OMP_NUM_THREADS': '1'}
    return subprocess.run(['bash', '-c', f'set -- 1; {command}'], capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope='module')
def original_tree(tmp_path_factory) -> Path:
    "The original directory layout: $D/data (samples, small_train.csv, small_val.csv), $D/stats, $C/gan/configs/Set_Exemple."
    root = tmp_path_factory.mktemp('original')
    d = root / 'enriching_with_stylegan'
    data = make_synthetic_dataset(d / 'data', n_dates=3, n_members=2, lead_times=(3, 6, 9, 12), size=256,
                                  start_date='2021-05-19', progress=False)
    shutil.copytree(data / 'stats', d / 'stats')
    labels = read_labels(data / 'labels.csv')
    write_labels(labels[labels['Date'] == '2021-05-26'], data / 'small_train.csv')
    (data / 'small_val.csv').write_text('Date\n2021-06-02\n')
    configs = root / 'code' / 'gan' / 'configs' / 'Set_Exemple'
    configs.mkdir(parents=True)
    shutil.copy(data / 'dataset_handler_config.yaml', configs)
    (root / 'code' / 'tiny.yaml').write_text(yaml.safe_dump(
        {'batch_size': 8, 'latent_dim': 16, 'n_mlp': 1, 'channel_max': 4, 'num_workers': 0, 'sample_every': 1000}))
    return root


def test_the_four_original_command_lines(original_tree):
    d = original_tree / 'enriching_with_stylegan'
    r = shell(f'enriching-gan train {TRAIN} --config=$C/tiny.yaml', original_tree)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'notice: --tanh_output' not in r.stderr           # a real setting (tanh on rain, here without rain)
    (d / 'weights').mkdir()
    last = sorted((d / 'outputs' / 'checkpoints').glob('ckpt_*.pt'))[-1]
    shutil.copy(last, d / 'weights' / '000024.pt')

    r = shell(f'enriching-gan invert {INVERT}', original_tree)
    assert r.returncode == 0, r.stderr[-3000:]
    inv = d / 'outputs' / 'inversion_val'
    for step in (200, 1000): assert np.load(inv / f'w_2021-06-02_3_{step}.npy').shape == (2, 14, 16)
    assert np.load(d / 'outputs' / 'pack_val' / 'Rsemble_2021-06-02_3.npy').shape == (2, 3, 256, 256)

    r = shell(f'enriching-gan tune {TUNE}', original_tree)
    assert r.returncode == 0, r.stderr[-3000:]
    tuned = d / 'outputs' / 'scale_tune_val'
    assert np.load(tuned / 'ema_betas.npy').shape == (50, 14) and (d / 'weights' / 'Whitening.pt').is_file()
    assert yaml.safe_load((tuned / 'perturbation.yaml').read_text())['style_indices'] == [1] * 10 + [0] * 4
    for name in ('ema_betas.npy', 'ema_alphas.npy'): shutil.copy(tuned / name, d / 'weights')   # where --beta_dir points

    r = shell(f'enriching-gan enrich {ENRICH}', original_tree)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'notice: --pack_dir has no effect here' in r.stderr and 'perturbation settings' in r.stderr   # --verbose
    out = np.load(d / 'outputs' / 'perturbation_val' / 'this_experiment' / '2021-06-02_lt03.npz')
    assert out['members'].shape == (112, 3, 256, 256) and len(set(out['source'].tolist())) == 2   # both members
    np.testing.assert_allclose(out['betas'], np.load(tuned / 'ema_betas.npy')[-1], rtol=1e-6)
