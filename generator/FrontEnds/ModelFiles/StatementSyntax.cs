using System;
using System.Collections.Generic;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>The shape of a statement that is a keyword followed by values: an optional positional value (which may also
/// be written by its key name, as <c>dense units=64</c>), the keys it accepts, and how its spec is built from the values
/// read, with Keras's defaults for the rest. The layers and <c>compile</c> are described this way (<see cref="Statements"/>).</summary>
internal sealed class StatementSyntax<TSpec>
{
    public StatementSyntax(
        string keyword,
        string usage,
        KeySyntax? positional,
        bool isPositionalRequired,
        KeySyntax[] keys,
        Func<StatementArguments, TSpec> build)
    {
        Keyword = keyword;
        Usage = usage;
        Positional = positional;
        IsPositionalRequired = isPositionalRequired;
        var all = new List<KeySyntax>(keys.Length + 1);
        if (positional is not null)
        {
            all.Add(positional);
        }

        all.AddRange(keys);
        Keys = all;
        Build = build;
    }

    /// <summary>The keyword, lowercase, as in <c>dense</c>.</summary>
    public string Keyword { get; }

    /// <summary>An example of the statement, shown in messages about a missing value.</summary>
    public string Usage { get; }

    /// <summary>The key of the value written without a name, or null when the statement takes only <c>key=value</c>.</summary>
    public KeySyntax? Positional { get; }

    /// <summary>Whether the statement cannot be built without its positional value.</summary>
    public bool IsPositionalRequired { get; }

    /// <summary>Every key accepted, the positional first.</summary>
    public IReadOnlyList<KeySyntax> Keys { get; }

    /// <summary>Builds the spec from the values read; called only when the required positional value was read.</summary>
    public Func<StatementArguments, TSpec> Build { get; }

    /// <summary>The key named <paramref name="name"/> (case-insensitive), or null.</summary>
    public KeySyntax? FindKey(string name)
    {
        foreach (KeySyntax key in Keys)
        {
            if (string.Equals(key.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>The names of the keys, for "expected one of" messages.</summary>
    public IEnumerable<string> KeyNames
    {
        get
        {
            foreach (KeySyntax key in Keys)
            {
                yield return key.Name;
            }
        }
    }
}
