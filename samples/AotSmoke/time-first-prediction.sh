#!/usr/bin/env bash
# The README's "first prediction" figure: the median wall-clock time, over N runs (default 11) after one warm-up run,
# from starting a command to its exit, which follows the first prediction it prints. For example:
#
#   dotnet run --project samples/AotSmoke -c Release                       # writes artifacts/aot-smoke/BnAfterRelu.weights
#   dotnet publish samples/AotSmoke -c Release -r linux-x64 -p:IlcInstructionSet=native -o artifacts/aot-smoke/native
#   bash samples/AotSmoke/time-first-prediction.sh artifacts/aot-smoke/native/AotSmoke --first-prediction artifacts/aot-smoke/BnAfterRelu.weights
#   bash samples/AotSmoke/time-first-prediction.sh dotnet samples/AotSmoke/bin/Release/net10.0/AotSmoke.dll --first-prediction artifacts/aot-smoke/BnAfterRelu.weights
set -euo pipefail
n=${N:-11}
[ $# -gt 0 ] || { echo "usage: [N=11] time-first-prediction.sh COMMAND [ARGS...]" >&2; exit 2; }
"$@" >/dev/null
times=()
for _ in $(seq "$n"); do
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  times+=($(((end - start) / 1000)))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
median=${sorted[$((n / 2))]}
printf 'median %d.%d ms over %d runs (fastest %d.%d ms, slowest %d.%d ms): %s\n' \
  $((median / 1000)) $((median % 1000 / 100)) "$n" $((sorted[0] / 1000)) $((sorted[0] % 1000 / 100)) \
  $((sorted[n - 1] / 1000)) $((sorted[n - 1] % 1000 / 100)) "$*"
