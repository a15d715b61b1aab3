using System;
using ModelGen.Generator.Common;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.Description;

/// <summary>What a front end hands to the rest of the pipeline: the type to generate, the model description, where
/// each part was written (for diagnostics), and the diagnostics the front end itself found.</summary>
internal sealed record ModelDefinition(
    ModelOrigin Origin,
    TypeIdentity Type,
    string SourceName,
    ModelSpec Spec,
    ModelSourceMap Map,
    EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>The generated type: namespace (empty for the global namespace), name, and the declarations of the
/// types it is nested in, outermost first (for example <c>partial class Outer</c>).</summary>
internal sealed record TypeIdentity(string Namespace, string Name, EquatableArray<string> ContainingTypes, string Accessibility)
{
    public string FullName =>
        (Namespace.Length == 0 ? string.Empty : Namespace + ".")
        + string.Concat(ContainingTypeNames()) + Name;

    private EquatableArray<string> ContainingTypeNames()
    {
        var names = new string[ContainingTypes.Count];
        for (int i = 0; i < names.Length; i++)
        {
            string declaration = ContainingTypes[i];
            names[i] = declaration.Substring(declaration.LastIndexOf(' ') + 1) + ".";
        }

        return names.ToEquatableArray();
    }
}

/// <summary>Where each part of a model was written. For <c>.model</c> files these are token spans; for attributes,
/// the attribute's span. Kept beside the description, not in it, so that both front ends' descriptions compare equal.</summary>
internal sealed record ModelSourceMap(
    LocationInfo? Model,
    LocationInfo? Input,
    EquatableArray<SourceEntry> Layers,
    SourceEntry? Compile)
{
    /// <summary>The location of <paramref name="key"/> of layer <paramref name="layer"/> (a key such as <c>momentum</c>, or
    /// the positional value's name such as <c>units</c>), falling back to the layer's location.</summary>
    public LocationInfo? LayerKey(int layer, string key) =>
        layer >= 0 && layer < Layers.Count ? Layers[layer].Key(key) : Model;

    public LocationInfo? Layer(int layer) => layer >= 0 && layer < Layers.Count ? Layers[layer].Location : Model;

    public LocationInfo? CompileKey(string key) => Compile?.Key(key) ?? Model;
}

/// <summary>A statement (or attribute) and the locations of its values by key.</summary>
internal sealed record SourceEntry(LocationInfo Location, EquatableArray<KeyLocation> Keys)
{
    public LocationInfo Key(string key)
    {
        foreach (KeyLocation entry in Keys)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return entry.Location;
            }
        }

        return Location;
    }
}

/// <summary>The location of the value written for <see cref="Key"/> (snake_case, as in <c>.model</c> files).</summary>
internal sealed record KeyLocation(string Key, LocationInfo Location);
