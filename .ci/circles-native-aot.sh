#!/usr/bin/env bash
# samples/Circles as a NativeAOT binary: publishes it (`dotnet publish -c Release -r linux-x64`, PublishAot is in its
# project; the GPU option is left out of the native build), runs it and the JIT build with the same arguments, and
# compares the two outputs with every timing figure ("0.15 s", "0.31 ms") masked. By hand: .ci/run publishes only
# samples/AotSmoke (.ci/native-aot.sh), which makes the same promise in less time.
#
#   bash .ci/circles-native-aot.sh [Circles arguments, e.g. --seeds 1 --epochs 20]
#
# IlcInstructionSet=native, as in .ci/native-aot.sh: the binary takes the SIMD paths the JIT takes on this machine.
# Leaves the binary in artifacts/circles-aot/publish; exits non-zero when the outputs differ.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
out="$repo/artifacts/circles-aot"
rm -rf "$out"
mkdir -p "$out/jit" "$out/aot"

# The native publish restores Circles without ILGPU; the JIT build after it restores it with ILGPU again.
dotnet publish samples/Circles -c Release -r linux-x64 -p:IlcInstructionSet=native -o "$out/publish" >"$out/publish.log" 2>&1 ||
  { tail -n 40 "$out/publish.log"; echo "FAIL: dotnet publish samples/Circles"; exit 1; }
if grep -E ': (warning|error) [A-Z]+[0-9]+' "$out/publish.log" | grep -v 'warning MG0008'; then
  echo "FAIL: the NativeAOT publish printed the warnings above (MG0008, the samples' own model warning, aside)"
  exit 1
fi
dotnet build samples/Circles -c Release >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log"; echo "FAIL: dotnet build samples/Circles"; exit 1; }

(cd "$out/jit" && dotnet "$repo/samples/Circles/bin/Release/net10.0/Circles.dll" "$@" >output.txt 2>&1)
(cd "$out/aot" && "$out/publish/Circles" "$@" >output.txt 2>&1)

# Timing figures, and the column padding that their widths change, masked.
mask() { sed -E 's/[0-9]+(\.[0-9]+)? (ms|s)\b/<time>/g; s/ +/ /g' "$1"; }
if diff -u <(mask "$out/jit/output.txt") <(mask "$out/aot/output.txt"); then
  echo "PASS: samples/Circles: the NativeAOT binary prints what the JIT build prints, timings aside"
else
  echo "FAIL: samples/Circles: the outputs differ (diff above: JIT -, NativeAOT +)"
  exit 1
fi
cat "$out/aot/output.txt"
echo "binary: $(stat -c %s "$out/publish/Circles") bytes, beside SkiaSharp's and HarfBuzzSharp's native libraries:"
ls -l "$out/publish"
