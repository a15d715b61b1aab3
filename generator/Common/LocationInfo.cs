using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Generator.Common;

/// <summary>A value-equatable stand-in for <see cref="Location"/>: a file path with a character span and its
/// line/column span (0-based, as Roslyn counts). Pipeline outputs carry this, never a <see cref="Location"/>.</summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    /// <summary>A location in a file that is not a C# syntax tree (a <c>.model</c> file).</summary>
    public Location ToExternalLocation() => Location.Create(FilePath, Span, LineSpan);

    /// <summary>The location in <paramref name="compilation"/>'s syntax tree of that path when there is one, so that
    /// <c>#pragma warning disable</c> and the IDE treat it as source; else an external location.</summary>
    public Location ToLocation(Compilation? compilation)
    {
        if (compilation is not null)
        {
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                if (tree.FilePath == FilePath)
                {
                    return Location.Create(tree, Span);
                }
            }
        }

        return ToExternalLocation();
    }

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location == Location.None)
        {
            return null;
        }

        FileLinePositionSpan lineSpan = location.GetLineSpan();
        return new LocationInfo(lineSpan.Path ?? string.Empty, location.SourceSpan, lineSpan.Span);
    }

    public override string ToString() => $"{FilePath}({LineSpan.Start.Line + 1},{LineSpan.Start.Character + 1})";
}
