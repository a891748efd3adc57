"""Train the enrichment flow of the benchmark and write its sampling-only copy to bench/quality_flow/.

The flow learns from the same synthetic weather as the quality generator (seed 0: 180 dates every 2 days from
2023-01-02, lead times 3, 12, 24 and 45 h, 16 members, 32 x 32), leave-one-out, with the settings of
bench/quality_flow/train.yaml. The run directory resumes when the script is run again. The copy keeps the averaged
weights, the settings and the scales (about 6 MB); `enriching-gan enrich --method flow --flow_dir bench/quality_flow`
and `bench/quality.py --flow bench/quality_flow` read it.

    python bench/train_quality_flow.py --data DIR --run DIR [--device cpu]
"""
import argparse
import shutil
import time
from pathlib import Path

import torch
import yaml

from enriching_gan.files import atomic_torch_save
from enriching_gan.flow import flow_checkpoints, load_flow_checkpoint
from enriching_gan.flow_enrichment import SCALES_FILE, FlowEnrichConfig, flow_enrichment_trainer
from enriching_gan.synthetic import STATIC_FILE, make_synthetic_dataset

HERE = Path(__file__).parent / 'quality_flow'


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', required=True, help='where the seed-0 synthetic data set is (made when missing)')
    p.add_argument('--run', required=True, help='run directory of the training (resumes)')
    p.add_argument('--device', default='auto')
    args = p.parse_args()
    t0 = time.time()
    data = make_synthetic_dataset(args.data, n_dates=180, n_members=16, lead_times=(3, 12, 24, 45), size=32, seed=0,
                                  start_date='2023-01-02', date_step_days=2, progress=False)
    settings = yaml.safe_load((HERE / 'train.yaml').read_text())
    cfg = FlowEnrichConfig.from_dict({**settings, 'data_dir': str(data), 'output_dir': args.run,
                                      'static_file': str(data / STATIC_FILE), 'device': args.device})
    trainer = flow_enrichment_trainer(cfg)
    losses = trainer.train()
    minutes = (time.time() - t0) / 60
    last = load_flow_checkpoint(flow_checkpoints(args.run)[-1])
    slim = {k: last[k] for k in ('format', 'step', 'ema', 'net_config', 'settings')}
    slim['settings'] = {**slim['settings'], 'data_dir': 'seed-0 synthetic data (bench/train_quality_flow.py)',
                        'output_dir': 'bench/quality_flow', 'static_file': None}
    for old in flow_checkpoints(HERE): old.unlink()
    atomic_torch_save(slim, HERE / 'checkpoints' / f'flow_{last["step"]:07d}.pt')
    shutil.copy(Path(args.run) / SCALES_FILE, HERE / SCALES_FILE)
    print(f'trained to step {trainer.step} in {minutes:.1f} min (last logged losses {losses[-3:]}); copy in {HERE}')


if __name__ == '__main__':
    torch.set_num_threads(2)
    main()
