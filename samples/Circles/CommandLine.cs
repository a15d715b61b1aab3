using System.IO;
using Samples.Shared;

namespace Samples.Circles;

/// <summary>This sample's usage text and defaults; the parsing is <see cref="SampleOptions"/>'s.</summary>
internal static class CommandLine
{
    public const string Usage =
        "usage: Circles [--output DIR] [--seeds N] [--epochs N] [--gpu]\n" +
        "  --output DIR  where the learning-curve PNG goes (default: artifacts/circles under the current directory)\n" +
        "  --seeds N     seeds per model, 1..N, each for the initial weights and the shuffling (default: 5)\n" +
        "  --epochs N    epochs per fit (default: 100, as in the tutorial)\n" +
        "  --gpu         train on the best ILGPU accelerator present (CUDA, then OpenCL, then ILGPU's CPU accelerator) through M.Gpu\n" +
        "                (JIT build only: not in the NativeAOT binary of dotnet publish)";

    /// <summary>Parses the arguments (see <see cref="SampleOptions.Parse"/>).</summary>
    public static SampleOptions? Parse(string[] args, out string? error)
    {
        SampleOptions? options = SampleOptions.Parse(args, Path.Combine("artifacts", "circles"), seeds: 5, epochs: 100, allowGpu: true, out error);
#if !CIRCLES_GPU
        if (options is { Gpu: true })
        {
            // The NativeAOT publish leaves ILGPU out (Circles.csproj): it cannot compile kernels in a native binary.
            error = "--gpu is not in this build (the NativeAOT binary has no ILGPU); run the JIT build: dotnet run --project samples/Circles -c Release -- --gpu";
            return null;
        }
#endif
        return options;
    }
}
