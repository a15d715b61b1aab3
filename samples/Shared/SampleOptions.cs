using System.Globalization;
using System.IO;

namespace Samples.Shared;

/// <summary>The options every training sample takes: <c>--output DIR</c>, <c>--seeds N</c>, <c>--epochs N</c>, and
/// <c>--gpu</c> where the sample can train through <c>M.Gpu</c>.</summary>
internal sealed record SampleOptions(string OutputDirectory, int Seeds, int Epochs, bool Gpu)
{
    /// <summary>What a sample does when <see cref="Parse"/> gave no options: the usage on standard output for
    /// <c>--help</c> (exit code 0), or the error and the usage on standard error (exit code 2).</summary>
    /// <param name="sample">The sample's name, prefixed to the error.</param>
    /// <param name="error">What <see cref="Parse"/> reported, or null for <c>--help</c>.</param>
    /// <param name="usage">The sample's usage text.</param>
    /// <returns>The process exit code.</returns>
    public static int Refuse(string sample, string? error, string usage)
    {
        if (error is null)
        {
            System.Console.Out.WriteLine(usage);
            return 0;
        }

        System.Console.Error.WriteLine($"{sample}: {error}");
        System.Console.Error.WriteLine(usage);
        return 2;
    }

    /// <summary>Parses the arguments; returns null for <c>--help</c>, and null with <paramref name="error"/> set when they are wrong.</summary>
    /// <param name="args">The program's arguments.</param>
    /// <param name="output">The default output folder, relative to the current directory.</param>
    /// <param name="seeds">The default number of seeds.</param>
    /// <param name="epochs">The default number of epochs.</param>
    /// <param name="allowGpu">Whether <c>--gpu</c> is an option of this sample.</param>
    /// <param name="error">Receives what is wrong, or null.</param>
    public static SampleOptions? Parse(string[] args, string output, int seeds, int epochs, bool allowGpu, out string? error)
    {
        bool gpu = false;
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                return null;
            }

            if (name == "--gpu" && allowGpu)
            {
                gpu = true;
                continue;
            }

            if (name is not ("--output" or "--seeds" or "--epochs"))
            {
                error = $"unknown option '{name}'";
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
                default:
                    error = $"{name} needs a positive integer, not '{value}'";
                    return null;
            }
        }

        return new SampleOptions(Path.GetFullPath(output), seeds, epochs, gpu);
    }

    private static bool TryParsePositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
