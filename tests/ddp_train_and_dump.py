"""Worker of test_train_ddp: trains one rank, then saves that rank's weights for comparison."""
import sys

import torch
import torch.distributed as dist

from enriching_gan.train import Trainer, TrainConfig, setup_distributed

cfg = TrainConfig.from_yaml(sys.argv[1])
info = setup_distributed('cpu')
trainer = Trainer(cfg, info, progress=False)
trainer.train()
torch.save({n: getattr(trainer, n).state_dict() for n in ('g', 'd', 'g_ema')}, f'{sys.argv[2]}/rank{info.rank}.pt')
dist.barrier()
dist.destroy_process_group()
