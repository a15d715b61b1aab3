#!/usr/bin/env bash
# NativeAOT check: publishes samples/AotSmoke as a NativeAOT binary, with no trim or AOT warning, runs it and
# compares its output with the JIT build's (`dotnet run`) byte for byte. AotSmoke drives the circles model through
# Fit, TrainOnBatch, Evaluate, Predict, SaveWeights/LoadWeights and ExportOnnx and prints only deterministic figures.
#
#   bash .ci/native-aot.sh              # builds samples/AotSmoke (Release) first
#   bash .ci/native-aot.sh --no-build   # .ci/run: the solution is already built
#
# IlcInstructionSet=native: the binary is compiled for this machine's CPU, as the JIT compiles for it, so both take
# the same SIMD paths (without it NativeAOT targets x86-64-v2: no Vector256/Vector512 and no FMA, and the last bits of
# the numbers differ). Installs the native toolchain (clang, zlib's headers) with apt-get where it is missing.
# Prints PASS/FAIL lines; exits non-zero on the first failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
work=$(mktemp -d "${TMPDIR:-/tmp}/modelgen-aot.XXXXXX")
trap 'rm -rf "$work"' EXIT
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

project=samples/AotSmoke
build=1
[ "${1:-}" = "--no-build" ] && build=0

fail() {
  echo "FAIL: aot: $1"
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "----- last lines of $(basename "$2") -----"
    tail -n 40 "$2"
    echo "-----"
  fi
  exit 1
}

# 1. The native toolchain NativeAOT links with: clang (with binutils and libc6-dev, its dependencies) and zlib's headers
#    (Microsoft's prerequisites list them; .NET 10's NativeAOT package also carries a libz.a). Debian's packages, as root.
missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
if command -v dpkg >/dev/null 2>&1 && ! dpkg -s zlib1g-dev >/dev/null 2>&1; then missing+=(zlib1g-dev); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "aot: installing ${missing[*]}"
  apt-get update -qq >"$work/apt.log" 2>&1 || fail "apt-get update" "$work/apt.log"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$work/apt.log" 2>&1 ||
    fail "apt-get install ${missing[*]}" "$work/apt.log"
fi
echo "PASS: aot: toolchain: $(clang --version | head -n 1)"

# 2. The JIT build's output: the reference.
if [ "$build" -eq 1 ]; then
  dotnet build "$project" -c Release >"$work/build.log" 2>&1 || fail "dotnet build $project" "$work/build.log"
fi
dotnet run --project "$project" -c Release --no-build -- --output "$work/jit-files" >"$work/jit.txt" 2>&1 ||
  fail "JIT run of $project" "$work/jit.txt"
echo "PASS: aot: JIT run (dotnet run)"

# 3. Publish with NativeAOT (PublishAot is in the project: as a global -p it would reach the netstandard2.0 generator,
#    which cannot be compiled ahead of time). Warnings are errors in this repository (TreatWarningsAsErrors, trim and
#    AOT analysis included); the log is searched as well, so that a warning that is not an error fails too.
start=$SECONDS
dotnet publish "$project" -c Release -r linux-x64 -p:IlcInstructionSet=native -o "$work/publish" \
  >"$work/publish.log" 2>&1 || fail "dotnet publish $project with NativeAOT" "$work/publish.log"
if grep -E ': (warning|error) [A-Z]+[0-9]+' "$work/publish.log"; then
  fail "dotnet publish printed the warnings above" "$work/publish.log"
fi
binary="$work/publish/AotSmoke"
[ -x "$binary" ] || fail "no native binary at publish/AotSmoke" "$work/publish.log"
echo "PASS: aot: published with NativeAOT, no warning ($((SECONDS - start)) s; binary $(stat -c %s "$binary") bytes)"

# 4. The native binary prints exactly what the JIT build printed.
"$binary" --output "$work/aot-files" >"$work/aot.txt" 2>&1 || { cat "$work/aot.txt"; fail "the native binary exited with an error"; }
if diff -u "$work/jit.txt" "$work/aot.txt"; then
  echo "PASS: aot: the native binary's output equals the JIT build's ($(wc -l <"$work/aot.txt") lines)"
else
  fail "the native binary's output differs from the JIT build's (diff above: JIT -, NativeAOT +)"
fi
cat "$work/aot.txt"

# Start-up, for information (not compared: it is a time).
"$binary" --first-prediction "$work/aot-files/BnAfterRelu.weights" || fail "the native binary's --first-prediction"

# samples/Serving (ASP.NET Core minimal API) publishes with NativeAOT as well (PublishAot in its project); publishing it
# here too would add about a minute:
#   dotnet publish samples/Serving -c Release -r linux-x64 -p:IlcInstructionSet=native -o "$work/serving"
echo "PASS: NativeAOT check"
