#!/usr/bin/env bash
# Tune the per-layer perturbation strengths (the original entry point).
#   scripts/scale_tune.sh [--flag value ...]   (the original flags; see: enriching-gan tune --help)
# STYLEGAN_DATA_DIR sets the data directory when --real_data_dir is not given.
set -euo pipefail
exec enriching-gan tune "$@"
