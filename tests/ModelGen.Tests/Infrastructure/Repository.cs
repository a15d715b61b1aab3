using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;

namespace ModelGen.Tests.Infrastructure;

/// <summary>Paths in the repository, found from this source file's location (tests run from bin/).</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string TestsDirectory => Path.Combine(Root, "tests", "ModelGen.Tests");

    public static string SamplesDirectory => Path.Combine(Root, "samples");

    /// <summary>Every sample project folder that defines models (has <c>.model</c> files).</summary>
    public static IEnumerable<string> SampleProjects() =>
        Directory.EnumerateDirectories(SamplesDirectory)
            .Where(d => Directory.EnumerateFiles(d, "*.model", SearchOption.AllDirectories).Any())
            .OrderBy(d => d, StringComparer.Ordinal);

    /// <summary>A sample's model definitions, its <c>.model</c> files and its <c>AttributeForm.cs</c> (the rest of a sample,
    /// its program and plotting, needs packages these compilations do not reference), with paths as a project at
    /// <see cref="GeneratorHarness.ProjectDirectory"/> would see them.</summary>
    public static (List<(string Path, string Text)> ModelFiles, List<(string Path, string Text)> Sources) LoadSample(string sampleDirectory)
    {
        var models = new List<(string, string)>();
        var sources = new List<(string, string)>();
        foreach (string file in Directory.EnumerateFiles(sampleDirectory, "*", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(sampleDirectory, file).Replace('\\', '/');
            if (relative.StartsWith("bin/", StringComparison.Ordinal) || relative.StartsWith("obj/", StringComparison.Ordinal))
            {
                continue;
            }

            if (file.EndsWith(".model", StringComparison.OrdinalIgnoreCase))
            {
                models.Add((GeneratorHarness.ProjectDirectory + relative, File.ReadAllText(file)));
            }
            else if (Path.GetFileName(file) == "AttributeForm.cs")
            {
                sources.Add((GeneratorHarness.ProjectDirectory + relative, File.ReadAllText(file)));
            }
        }

        return (models, sources);
    }

    private static string FindRoot([CallerFilePath] string thisFile = "")
    {
        foreach (string? start in new[] { Path.GetDirectoryName(thisFile), AppContext.BaseDirectory })
        {
            for (string? directory = start; directory is not null; directory = Path.GetDirectoryName(directory))
            {
                if (File.Exists(Path.Combine(directory, "ModelGen.sln")))
                {
                    return directory;
                }
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (the folder with ModelGen.sln).");
    }
}
