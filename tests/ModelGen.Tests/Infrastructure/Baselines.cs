using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using ModelGen.Generator.Emitters;
using Xunit;

namespace ModelGen.Tests.Infrastructure;

/// <summary>
/// Snapshot testing of generated source against checked-in files <c>Baselines/{Suite}/{hint}.txt</c>, compared byte
/// for byte after normalizing line endings and the ModelGen version (written as <c>%VERSION%</c>). Set
/// <c>MODELGEN_UPDATE_BASELINES=1</c> to rewrite the files of a suite and delete the ones no longer generated; it is
/// ignored under <c>CI=true</c>, where a missing or different baseline always fails.
/// </summary>
public static class Baselines
{
    public static bool Updating =>
        Environment.GetEnvironmentVariable("MODELGEN_UPDATE_BASELINES") == "1"
        && !string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string Directory(string suite) => Path.Combine(Repository.TestsDirectory, "Baselines", suite);

    public static string Normalize(string source) =>
        source.Replace("\r\n", "\n").Replace($"ModelGen {SourceWriter.Version}", "ModelGen %VERSION%")
            .Replace($"\"ModelGen\", \"{SourceWriter.Version}\"", "\"ModelGen\", \"%VERSION%\"");

    /// <summary>Compares every generated file with its baseline, and checks that no baseline is left without a file.</summary>
    public static void Verify(string suite, IReadOnlyDictionary<string, string> generated)
    {
        string directory = Directory(suite);
        var expectedFiles = generated.Keys.Select(hint => hint + ".txt").ToHashSet(StringComparer.Ordinal);
        if (Updating)
        {
            System.IO.Directory.CreateDirectory(directory);
            foreach (string stale in System.IO.Directory.EnumerateFiles(directory, "*.txt").Where(f => !expectedFiles.Contains(Path.GetFileName(f))))
            {
                File.Delete(stale);
            }

            foreach ((string hint, string text) in generated)
            {
                File.WriteAllText(Path.Combine(directory, hint + ".txt"), Normalize(text));
            }

            return;
        }

        var failures = new List<string>();
        foreach ((string hint, string text) in generated.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string path = Path.Combine(directory, hint + ".txt");
            if (!File.Exists(path))
            {
                failures.Add($"{hint}: no baseline at {path} (run the tests with MODELGEN_UPDATE_BASELINES=1 to create it)");
                continue;
            }

            string expected = File.ReadAllText(path).Replace("\r\n", "\n");
            string actual = Normalize(text);
            if (expected != actual)
            {
                failures.Add($"{hint}: differs from its baseline at {FirstDifference(expected, actual)} (MODELGEN_UPDATE_BASELINES=1 rewrites it)");
            }
        }

        if (System.IO.Directory.Exists(directory))
        {
            foreach (string file in System.IO.Directory.EnumerateFiles(directory, "*.txt"))
            {
                if (!expectedFiles.Contains(Path.GetFileName(file)))
                {
                    failures.Add($"{Path.GetFileName(file)}: baseline for a file that is no longer generated");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string left = i < a.Length ? a[i] : "<end of file>";
            string right = i < b.Length ? b[i] : "<end of file>";
            if (left != right)
            {
                return $"line {i + 1}:\n  expected: {left}\n  actual:   {right}";
            }
        }

        return "?";
    }
}
