#!/usr/bin/env bash
# Package smoke test: packs ModelGen as a user gets it, then builds and runs a throwaway console app (net10.0,
# outside this repository) that references only the ModelGen package, with one model from a .model file and one
# from attributes, and checks the package's layout and the two models' Summary.
#
#   bash .ci/package-smoke-test.sh            # MODELGEN_SMOKE_KEEP=1 keeps the temp folder for a look
#
# The package gets a unique prerelease version and restores into a fresh NUGET_PACKAGES folder, so neither a
# stale cached ModelGen nor a same-named package on the registry can be used. Prints PASS/FAIL lines; exits
# non-zero on the first failure that stops the test.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/modelgen-smoke.XXXXXX")
cleanup() {
  if [ -n "${MODELGEN_SMOKE_KEEP:-}" ]; then echo "smoke test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

failures=0
pass() { echo "PASS: smoke: $*"; }
fail() { echo "FAIL: smoke: $*"; failures=$((failures + 1)); }
stop() {
  fail "$1"
  if [ -n "${2:-}" ] && [ -f "$2" ]; then
    echo "----- last lines of $(basename "$2") -----"
    tail -n 40 "$2"
    echo "-----"
  fi
  exit 1
}

# 1. Pack, as a release would, with a version no cache or feed can already hold.
base_version=$(dotnet msbuild "$repo/runtime/ModelGen.csproj" -getProperty:Version 2>/dev/null | tr -d '[:space:]') || base_version=""
[ -n "$base_version" ] || base_version=0.0.0
requested_version="$base_version-smoke.$(date -u +%Y%m%d%H%M%S).$$"
feed="$work/feed"
if dotnet pack "$repo/runtime/ModelGen.csproj" -c Release -o "$feed" -p:PackageVersion="$requested_version" \
    >"$work/pack.log" 2>&1; then
  pass "dotnet pack runtime/ModelGen.csproj"
else
  stop "dotnet pack runtime/ModelGen.csproj" "$work/pack.log"
fi

nupkgs=("$feed"/ModelGen.*.nupkg)
[ ${#nupkgs[@]} -eq 1 ] && [ -f "${nupkgs[0]}" ] || stop "expected one ModelGen.*.nupkg in the pack output, found: ${nupkgs[*]}"
version=$(basename "${nupkgs[0]}" .nupkg)
version=${version#ModelGen.}
pass "packed ModelGen $version"

# From here on, packages restore into a fresh folder (the repository's own restores above used the usual one).
export NUGET_PACKAGES="$work/packages"

# 2. A console app outside the repository (empty Directory.* files stop MSBuild from looking further up).
app="$work/app"
mkdir -p "$app/Models" "$app/bin/stale"
for f in Directory.Build.props Directory.Build.targets Directory.Packages.props; do
  echo '<Project />' >"$work/$f"
done
cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <!-- No <clear/>: the machine's own sources stay, the freshly packed ModelGen is added. -->
  <packageSources>
    <add key="modelgen-smoke" value="$feed" />
  </packageSources>
</configuration>
XML
cat >"$app/SmokeApp.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <RootNamespace>Smoke</RootNamespace>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
    <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="ModelGen" Version="[$version]" />
  </ItemGroup>
</Project>
XML
cat >"$app/Models/FileModel.model" <<'MODEL'
# SPEC section 1: the circles MLP with batch normalization after the activation
model Smoke.FileModel
input 2
dense 50 activation=relu kernel_initializer=he_uniform
batch_normalization
dense 1 activation=sigmoid
compile loss=binary_crossentropy optimizer=sgd learning_rate=0.01 momentum=0.9 metrics=accuracy
MODEL
# Under bin/: must not be picked up (it is not even a model).
echo 'this is not a model' >"$app/bin/stale/Stale.model"
cat >"$app/AttributeModel.cs" <<'CS'
using ModelGen;

namespace Smoke;

// SPEC section 2.
[Model]
[Input(2)]
[Dense(50, Activation = Activation.Relu, KernelInitializer = Initializer.HeUniform)]
[BatchNormalization]
[Dense(1, Activation = Activation.Sigmoid)]
[Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9)]
public partial class AttributeModel;
CS
cat >"$app/Program.cs" <<'CS'
using System;

Console.WriteLine(Smoke.FileModel.Summary);
Console.WriteLine(Smoke.AttributeModel.Summary);
CS

# 3. Restore: the package must come from the local feed, with the expected layout and no dependencies.
if dotnet restore "$app/SmokeApp.csproj" >"$work/restore.log" 2>&1; then
  pass "restore of a console app that references only ModelGen $version"
else
  stop "restore of the console app" "$work/restore.log"
fi

installed="$NUGET_PACKAGES/modelgen/$(echo "$version" | tr '[:upper:]' '[:lower:]')"
for file in lib/net8.0/ModelGen.dll lib/net8.0/ModelGen.xml analyzers/dotnet/cs/ModelGen.Generator.dll \
    build/ModelGen.props buildTransitive/ModelGen.props README.md; do
  if [ -f "$installed/$file" ]; then pass "package contains $file"; else fail "package lacks $file"; fi
done
# The one dependency is Google.Protobuf (ExportOnnx writes ONNX's protobuf with it); never Roslyn or anything else.
others=$(grep -io '<dependency [^>]*>' "$installed"/modelgen.nuspec 2>/dev/null | grep -vi 'id="Google.Protobuf"' || true)
if [ -n "$others" ]; then
  fail "package has unexpected dependencies: $(echo "$others" | tr '\n' ' ')"
else
  pass "package depends on nothing but Google.Protobuf"
fi
# Only the generator under analyzers/ (no Roslyn or other assemblies).
extra=$(find "$installed/analyzers" -type f ! -name 'ModelGen.Generator.dll' ! -name 'ModelGen.CodeFixes.dll' 2>/dev/null || true)
if [ -z "$extra" ]; then pass "analyzers/ holds only ModelGen's own assemblies"; else fail "unexpected files under analyzers/: $extra"; fi
[ "$failures" -eq 0 ] || stop "package layout"

# The package's props give the generator the project's .model files (none from bin/ or obj/) and the build
# properties it reads.
if dotnet msbuild "$app/SmokeApp.csproj" -getItem:AdditionalFiles -getItem:CompilerVisibleProperty \
    >"$work/items.log" 2>&1; then
  if grep -q '"Identity": "Models/FileModel.model"' "$work/items.log" && ! grep -q 'Stale.model' "$work/items.log"; then
    pass "AdditionalFiles: Models/FileModel.model, nothing from bin/"
  else
    fail "AdditionalFiles: expected Models/FileModel.model only; got: $(grep '"Identity"' "$work/items.log" | tr -s ' ' | tr '\n' ' ')"
  fi
  for property in RootNamespace ProjectDir; do
    if grep -q "\"Identity\": \"$property\"" "$work/items.log"; then pass "CompilerVisibleProperty $property"; else fail "CompilerVisibleProperty $property missing"; fi
  done
else
  fail "dotnet msbuild -getItem on the console app"
fi
[ "$failures" -eq 0 ] || stop "package props" "$work/items.log"

# 4. Build (warnings are errors) and run.
if dotnet build "$app/SmokeApp.csproj" -c Release --no-restore >"$work/build.log" 2>&1; then
  pass "build of the console app (both front ends generated code)"
else
  grep -q 'Stale.model' "$work/build.log" && fail "bin/stale/Stale.model was given to the generator: bin/ must be excluded"
  stop "build of the console app" "$work/build.log"
fi

if dotnet run --project "$app/SmokeApp.csproj" -c Release --no-build >"$work/run.log" 2>&1; then
  pass "run of the console app"
else
  stop "run of the console app" "$work/run.log"
fi
cat "$work/run.log"

# Both models are the SPEC's circles MLP: 2*50+50 + 2*50 + 50+1 trainable, 2*50 moving statistics.
for expected in "Trainable params: 301" "Non-trainable params: 100"; do
  count=$(grep -cF "$expected" "$work/run.log" || true)
  if [ "$count" -ge 2 ]; then pass "both summaries show '$expected'"; else fail "'$expected' appears $count times, expected 2 (one per model)"; fi
done

[ "$failures" -eq 0 ] || exit 1
echo "PASS: package smoke test"
