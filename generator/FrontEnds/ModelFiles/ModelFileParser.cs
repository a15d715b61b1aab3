using System;
using System.IO;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>Front end A: reads a <c>.model</c> file (SPEC §1) into a <see cref="ModelDefinition"/>. STUB.</summary>
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

        return directory.Length > 0 && normalized.StartsWith(directory, StringComparison.Ordinal)
            ? normalized.Substring(directory.Length)
            : Path.GetFileName(normalized);
    }

    public static ModelDefinition Parse(string path, SourceText? text, ProjectOptions options, CancellationToken cancellationToken)
    {
        throw new NotImplementedException();
    }
}
