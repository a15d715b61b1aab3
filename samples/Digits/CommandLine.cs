using System.IO;
using Samples.Shared;

namespace Samples.Digits;

/// <summary>This sample's usage text and defaults; the parsing is <see cref="SampleOptions"/>'s.</summary>
internal static class CommandLine
{
    public const string Usage =
        "usage: Digits [--output DIR] [--seeds N] [--epochs N] [--gpu]\n" +
        "  --output DIR  where the PNG goes (default: artifacts/digits under the current directory)\n" +
        "  --seeds N     runs per model and learning rate, seeds 1..N, each for the initial weights and the batch order (default: 3)\n" +
        "  --epochs N    epochs per run (default: 20)\n" +
        "  --gpu         train on the best ILGPU accelerator present (CUDA, then OpenCL, then ILGPU's CPU accelerator) through M.Gpu";

    /// <summary>Parses the arguments (see <see cref="SampleOptions.Parse"/>).</summary>
    public static SampleOptions? Parse(string[] args, out string? error) =>
        SampleOptions.Parse(args, Path.Combine("artifacts", "digits"), seeds: 3, epochs: 20, allowGpu: true, out error);
}
