#!/usr/bin/env bash
# On the device machine (no .NET, no network), from the repository root: unpacks the bundle bundle.sh made and runs it, results and log into $OUT. Extra arguments go to GpuCheck (e.g. --quick).
set -o pipefail; d=$(mktemp -d) && tar -xzf artifacts/gpucheck-bundle.tar.gz -C "$d" && nvidia-smi -L 2>&1 | tee "${OUT:-.}/nvidia-smi.txt"; "$d/gpucheck/GpuCheck" --output "${OUT:-.}/gpucheck-results.json" "$@" 2>&1 | tee "${OUT:-.}/gpucheck.log"
