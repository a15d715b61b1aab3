using System.Collections.Generic;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>The values written in one statement, by key, and where each was written. A key whose value could not be
/// read counts as written (so that writing it again is still reported) but has no value (so its default applies).</summary>
internal sealed class StatementArguments
{
    private readonly IReadOnlyList<KeySyntax> _keys;
    private readonly object?[] _values;
    private readonly bool[] _read;
    private readonly bool[] _written;
    private readonly List<KeyLocation> _locations = new();

    /// <param name="keys">The keys of the statement; statements have about ten, so they are found by a linear search.</param>
    public StatementArguments(IReadOnlyList<KeySyntax> keys)
    {
        _keys = keys;
        _values = new object?[keys.Count];
        _read = new bool[keys.Count];
        _written = new bool[keys.Count];
    }

    /// <summary>Where each written key's value is, in the order written.</summary>
    public EquatableArray<KeyLocation> Locations => _locations.ToEquatableArray();

    /// <summary>Whether <paramref name="key"/> was written, whether or not its value could be read.</summary>
    public bool IsWritten(KeySyntax key) => IndexOf(key) is int i && i >= 0 && _written[i];

    /// <summary>Whether <paramref name="key"/> has a value that was read.</summary>
    public bool Has(KeySyntax key) => IndexOf(key) is int i && i >= 0 && _read[i];

    /// <summary>Records that <paramref name="key"/> was written with its value at <paramref name="location"/>; false when
    /// it already was.</summary>
    public bool MarkWritten(KeySyntax key, LocationInfo location)
    {
        int i = IndexOf(key);
        if (_written[i])
        {
            return false;
        }

        _written[i] = true;
        _locations.Add(new KeyLocation(key.Name, location));
        return true;
    }

    public void Set(KeySyntax key, object? value)
    {
        int i = IndexOf(key);
        _values[i] = value;
        _read[i] = true;
    }

    /// <summary>The value read for <paramref name="key"/>, or <paramref name="fallback"/> (the Keras default) when it was not
    /// written or could not be read.</summary>
    public T Get<T>(KeySyntax<T> key, T fallback) => Has(key) ? (T)_values[IndexOf(key)]! : fallback;

    private int IndexOf(KeySyntax key)
    {
        for (int i = 0; i < _keys.Count; i++)
        {
            if (ReferenceEquals(_keys[i], key))
            {
                return i;
            }
        }

        return -1;
    }
}
