#!/usr/bin/env bash
# Generate new members from the inverted codes (the original entry point).
#   scripts/generate_condition.sh [--flag value ...]   (the original flags; see: enriching-gan enrich --help)
# STYLEGAN_DATA_DIR sets the data directory when --real_data_dir is not given.
set -euo pipefail
exec enriching-gan enrich "$@"
