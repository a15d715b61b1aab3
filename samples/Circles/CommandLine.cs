using System;
using System.Globalization;
using System.IO;

namespace Samples.Circles;

/// <summary>The sample's options: <c>--output DIR</c>, <c>--seeds N</c>, <c>--epochs N</c>, <c>--gpu</c>.</summary>
internal sealed record CommandLine(string OutputDirectory, int Seeds, int Epochs, bool Gpu)
{
    public const string Usage =
        "usage: Circles [--output DIR] [--seeds N] [--epochs N] [--gpu]\n" +
        "  --output DIR  where the learning-curve PNG goes (default: artifacts/circles under the current directory)\n" +
        "  --seeds N     seeds per model, 1..N, each for the initial weights and the shuffling (default: 5)\n" +
        "  --epochs N    epochs per fit (default: 100, as in the tutorial)\n" +
        "  --gpu         train on the best ILGPU accelerator present (CUDA, then OpenCL, then ILGPU's CPU accelerator) through M.Gpu";

    /// <summary>Parses the arguments; returns null and writes the problem to <paramref name="error"/> when they are wrong.</summary>
    public static CommandLine? Parse(string[] args, out string? error)
    {
        string output = Path.Combine("artifacts", "circles");
        int seeds = 5, epochs = 100;
        bool gpu = false;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                return null;
            }

            if (name == "--gpu")
            {
                gpu = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value";
                return null;
            }

            string value = args[++i];
            switch (name)
            {
                case "--output":
                    output = value;
                    break;
                case "--seeds" when TryParsePositive(value, out int s):
                    seeds = s;
                    break;
                case "--epochs" when TryParsePositive(value, out int e):
                    epochs = e;
                    break;
                case "--seeds" or "--epochs":
                    error = $"{name} needs a positive integer, not '{value}'";
                    return null;
                default:
                    error = $"unknown option '{name}'";
                    return null;
            }
        }

        return new CommandLine(Path.GetFullPath(output), seeds, epochs, gpu);
    }

    private static bool TryParsePositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
