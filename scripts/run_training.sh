#!/usr/bin/env bash
# Train a StyleGAN2 generator on N_GPUS processes of this node (the original entry point).
#   scripts/run_training.sh N_GPUS [CONFIG.yaml] [--name value ...]
# CONFIG defaults to $STYLEGAN_CODE_DIR/config.yaml; STYLEGAN_DATA_DIR sets the data directory.
set -euo pipefail
if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 N_GPUS [CONFIG.yaml] [--name value ...]" >&2
  exit 2
fi
n_gpus=$1; shift
config=${STYLEGAN_CODE_DIR:-.}/config.yaml
if [[ $# -gt 0 && $1 != --* ]]; then config=$1; shift; fi
exec torchrun --standalone --nproc_per_node="$n_gpus" -m enriching_gan.cli train --config "$config" --resume "$@"
