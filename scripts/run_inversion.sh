#!/usr/bin/env bash
# Invert real ensembles into W+ codes (the original entry point).
#   scripts/run_inversion.sh [--flag value ...]   (the original flags; see: enriching-gan invert --help)
# STYLEGAN_DATA_DIR sets the data directory when --real_data_dir is not given.
set -euo pipefail
exec enriching-gan invert "$@"
