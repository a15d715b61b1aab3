#!/usr/bin/env bash
# Makes TorchSharp-cpu's native library loadable on a Linux whose libstdc++ ends before GLIBCXX_3.4.32 (Debian 12's
# GCC 12 libstdc++ ends at GLIBCXX_3.4.30). Run once, after `dotnet restore benchmarks`, before the benchmarks; only
# the TorchSharp rows need it (without it they say "could not load" and everything else runs).
#
# TorchSharp-cpu 0.105+ ships libLibTorchSharp.so built with GCC 13, which needs exactly one GLIBCXX_3.4.32 symbol,
# std::ios_base_library_init(); libtorch's own libraries need nothing newer than this machine has. This script writes,
# under benchmarks/torchsharp-shim/out/ (ignored by git, nothing in the NuGet cache changes):
#   libmodelgen_glibcxx_shim.so  the symbol, empty, as _ZSt21ios_base_library_initv@@GLIBCXX_3.4.32;
#   libLibTorchSharp.so          a copy of TorchSharp's, patched: that symbol's version requirement cleared
#                                (patchelf --clear-symbol-version), the GLIBCXX_3.4.32 need marked weak (weaken_version,
#                                so glibc no longer refuses the library for it) and the shim added as a needed library
#                                (patchelf --add-needed; found through the library's RUNPATH $ORIGIN).
# The benchmarks load libtorch from their own output folder, then that copy (its libtorch dependencies resolve by
# soname to the libraries already loaded), and point TorchSharp's DllImports at it (TorchSharpLoader.cs). Needs gcc and patchelf
# (`apt-get install patchelf`). Environment: NUGET_PACKAGES (default ~/.nuget/packages).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$here/out"
packages=${NUGET_PACKAGES:-$HOME/.nuget/packages}

for tool in gcc patchelf; do
  command -v "$tool" >/dev/null || { echo "build.sh: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

# The TorchSharp-cpu version the benchmarks reference, and the libtorch it depends on.
torchsharp_version=$(sed -n 's/.*PackageVersion Include="TorchSharp-cpu" Version="\([^"]*\)".*/\1/p' "$repo/Directory.Packages.props" | tr -d "\r")
[ -n "$torchsharp_version" ] || { echo "build.sh: no TorchSharp-cpu version in Directory.Packages.props" >&2; exit 1; }
nuspec="$packages/torchsharp-cpu/$torchsharp_version/torchsharp-cpu.nuspec"
[ -f "$nuspec" ] || { echo "build.sh: $nuspec is missing: run 'dotnet restore benchmarks' first" >&2; exit 1; }
libtorch_version=$(sed -n 's/.*dependency id="libtorch-cpu" version="\([^"]*\)".*/\1/p' "$nuspec" | head -n 1 | tr -d "\r")
torchsharp_native="$packages/torchsharp/$torchsharp_version/runtimes/linux-x64/native"
libtorch_native="$packages/libtorch-cpu-linux-x64/$libtorch_version/runtimes/linux-x64/native"
for dir in "$torchsharp_native" "$libtorch_native"; do
  [ -d "$dir" ] || { echo "build.sh: $dir is missing: run 'dotnet restore benchmarks' first" >&2; exit 1; }
done
echo "TorchSharp $torchsharp_version, libtorch $libtorch_version"

rm -rf "$out"
mkdir -p "$out/tools"

gcc -O2 -Wall -o "$out/tools/weaken_version" "$here/weaken_version.c"
gcc -O2 -Wall -o "$out/tools/check_load" "$here/check_load.c" -ldl
gcc -x c++ -O2 -Wall -shared -fPIC -Wl,--version-script="$here/glibcxx_shim.map" \
  -o "$out/libmodelgen_glibcxx_shim.so" "$here/glibcxx_shim.cpp"

cp "$torchsharp_native/libLibTorchSharp.so" "$out/libLibTorchSharp.so"
chmod u+w "$out/libLibTorchSharp.so"
patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$out/libLibTorchSharp.so"
"$out/tools/weaken_version" "$out/libLibTorchSharp.so" GLIBCXX_3.4.32
patchelf --add-needed libmodelgen_glibcxx_shim.so "$out/libLibTorchSharp.so"

# Every symbol bound at once (libtorch from the package): fails here, with the loader's message, if anything is missing.
LD_LIBRARY_PATH="$libtorch_native" "$out/tools/check_load" "$out/libLibTorchSharp.so"
echo "TorchSharp's native library is ready in ${out#"$repo"/}"
