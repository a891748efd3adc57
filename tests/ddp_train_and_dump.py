"""Worker of test_two_ranks_leave_identical_weights: trains one rank as `enriching-gan train` does, then saves that
rank's weights for comparison."""
import sys

import torch

from enriching_gan.dist import barrier, finish_distributed, setup_distributed
from enriching_gan.train import Trainer, TrainConfig

cfg = TrainConfig.from_yaml(sys.argv[1])
info = setup_distributed('cpu')
trainer = Trainer(cfg, info, progress=False)
trainer.train()
torch.save({n: getattr(trainer, n).state_dict() for n in ('g', 'd', 'g_ema')}, f'{sys.argv[2]}/rank{info.rank}.pt')
barrier(info)
finish_distributed()
