using System.Globalization;
using System.IO;

namespace Samples.Digits;

/// <summary>The sample's options: <c>--output DIR</c>, <c>--seeds N</c>, <c>--epochs N</c>.</summary>
internal sealed record CommandLine(string OutputDirectory, int Seeds, int Epochs)
{
    public const string Usage =
        "usage: Digits [--output DIR] [--seeds N] [--epochs N]\n" +
        "  --output DIR  where the PNG goes (default: artifacts/digits under the current directory)\n" +
        "  --seeds N     runs per model and learning rate, seeds 1..N, each for the initial weights and the batch order (default: 3)\n" +
        "  --epochs N    epochs per run (default: 20)";

    /// <summary>Parses the arguments; returns null and writes the problem to <paramref name="error"/> when they are wrong.</summary>
    public static CommandLine? Parse(string[] args, out string? error)
    {
        string output = Path.Combine("artifacts", "digits");
        int seeds = 3, epochs = 20;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                return null;
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

        return new CommandLine(Path.GetFullPath(output), seeds, epochs);
    }

    private static bool TryParsePositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
