#!/usr/bin/env bash
# The quick start's first command: everything a fresh Debian/Ubuntu machine with Node 20 needs (system
# packages, npm packages, the build), then the main job: `mnv4-bench run --device host`.
# Extra arguments go to `run` (e.g. `bash scripts/quickstart.sh --preset default`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-packages.sh
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
npm run build
exec node dist/src/cli/main.js run --device host "$@"
