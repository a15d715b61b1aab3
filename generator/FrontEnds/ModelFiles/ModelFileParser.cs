using System;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>
/// Front end A: reads a <c>.model</c> file (SPEC §1) into a <see cref="ModelDefinition"/>.
/// <para>The file is line-based: each non-empty line is one statement, a keyword followed by values written alone or
/// as <c>key=value</c>, and <c>#</c> starts a comment. <see cref="ModelFileLexer"/> turns a line into tokens,
/// <see cref="ModelFileReader"/> reads the statements (<c>model</c>, <c>input</c>, the layers and <c>compile</c> of
/// <see cref="Statements"/>) and <see cref="ValueParsers"/> the values. Any text, however broken, gives a definition
/// and diagnostics at the offending tokens: this never throws except to honour cancellation.</para>
/// </summary>
internal static class ModelFileParser
{
    public static bool IsModelFile(string path) => path.EndsWith(".model", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path to show for a file: relative to the project directory, with '/' separators.</summary>
    public static string SourceNameOf(string path, ProjectOptions options)
    {
        string normalized = path.Replace('\\', '/');
        string directory = options.ProjectDirectory.Replace('\\', '/');
        if (directory.Length > 0 && !directory.EndsWith("/", StringComparison.Ordinal))
        {
            directory += "/";
        }

        // Not Path.GetFileName: on .NET Framework it throws for characters that are invalid in paths.
        return directory.Length > 0 && normalized.StartsWith(directory, StringComparison.Ordinal)
            ? normalized.Substring(directory.Length)
            : normalized.Substring(normalized.LastIndexOf('/') + 1);
    }

    /// <summary>Reads the <c>.model</c> file at <paramref name="path"/>; <paramref name="text"/> is null when the file
    /// could not be read (reported as MG0004).</summary>
    public static ModelDefinition Parse(string path, SourceText? text, ProjectOptions options, CancellationToken cancellationToken) =>
        ModelFileReader.Read(path ?? string.Empty, text, options, cancellationToken);
}
