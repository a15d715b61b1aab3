using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Generator.Common;

namespace ModelGen.Generator.Diagnostics;

/// <summary>A diagnostic as a value: the descriptor, its message arguments and where it applies. Pipeline stages
/// produce these; only the final output step turns them into <see cref="Diagnostic"/>s.</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor, location, arguments.ToEquatableArray());

    public bool IsError => Descriptor.DefaultSeverity == DiagnosticSeverity.Error;

    /// <summary>The diagnostic for a <c>.model</c> file (or, with <paramref name="compilation"/>, a C# source location).</summary>
    public Diagnostic ToDiagnostic(Compilation? compilation = null) => Diagnostic.Create(
        Descriptor,
        Location is null ? Microsoft.CodeAnalysis.Location.None : Location.ToLocation(compilation),
        Arguments.Cast<object>().ToArray());

    public override string ToString() =>
        $"{Location}: {Descriptor.Id}: {string.Format(System.Globalization.CultureInfo.InvariantCulture, Descriptor.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), Arguments.Cast<object>().ToArray())}";
}
