using System.Collections.Generic;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>The values written in one statement, by key, and where each was written. A key whose value could not be
/// read counts as written (so that writing it again is still reported) but has no value (so its default applies).</summary>
internal sealed class StatementArguments
{
    private readonly Dictionary<string, object?> _values = new();
    private readonly HashSet<string> _written = new();
    private readonly List<KeyLocation> _locations = new();

    /// <summary>Where each written key's value is, in the order written.</summary>
    public EquatableArray<KeyLocation> Locations => _locations.ToEquatableArray();

    /// <summary>Whether <paramref name="key"/> was written, whether or not its value could be read.</summary>
    public bool IsWritten(KeySyntax key) => _written.Contains(key.Name);

    /// <summary>Whether <paramref name="key"/> has a value that was read.</summary>
    public bool Has(KeySyntax key) => _values.ContainsKey(key.Name);

    /// <summary>Records that <paramref name="key"/> was written with its value at <paramref name="location"/>; false when
    /// it already was.</summary>
    public bool MarkWritten(KeySyntax key, LocationInfo location)
    {
        if (!_written.Add(key.Name))
        {
            return false;
        }

        _locations.Add(new KeyLocation(key.Name, location));
        return true;
    }

    public void Set(KeySyntax key, object? value) => _values[key.Name] = value;

    /// <summary>The value read for <paramref name="key"/>, or <paramref name="fallback"/> (the Keras default) when it was not
    /// written or could not be read.</summary>
    public T Get<T>(KeySyntax<T> key, T fallback) => _values.TryGetValue(key.Name, out object? value) ? (T)value! : fallback;
}
