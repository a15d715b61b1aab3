#!/usr/bin/env bash
# Publishes GpuCheck self-contained for linux-x64 (no .NET needed where it runs) and packs it into
# artifacts/gpucheck-bundle.tar.gz at the repository root (artifacts/ is git-ignored; the device tool's `carry` takes it
# along). Usage: bash benchmarks/GpuCheck/bundle.sh   (prints the bundle's size; fails above 64 MiB, carry's limit)
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$repo"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
rm -rf artifacts/gpucheck-publish artifacts/gpucheck-bundle.tar.gz
mkdir -p artifacts
dotnet publish benchmarks/GpuCheck/GpuCheck.csproj -c Release -r linux-x64 --self-contained \
  -p:PublishTrimmed=false -p:DebugType=none -p:GenerateDocumentationFile=false -o artifacts/gpucheck-publish/gpucheck
# The pdb and xml files are not needed to run it.
find artifacts/gpucheck-publish -name '*.pdb' -delete
tar -C artifacts/gpucheck-publish -czf artifacts/gpucheck-bundle.tar.gz gpucheck
bytes=$(stat -c %s artifacts/gpucheck-bundle.tar.gz)
echo "artifacts/gpucheck-bundle.tar.gz: $bytes bytes ($((bytes / 1024 / 1024)) MiB), unpacked $(du -sh artifacts/gpucheck-publish | cut -f1)"
if [ "$bytes" -ge $((64 * 1024 * 1024)) ]; then
  echo "the bundle is over 64 MiB, the device tool's carry limit" >&2
  exit 1
fi
