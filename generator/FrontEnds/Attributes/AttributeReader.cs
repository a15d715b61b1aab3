using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.FrontEnds.Attributes;

/// <summary>
/// Front end B: reads the attributes of a <c>[Model]</c> class (SPEC §2) into a <see cref="ModelDefinition"/>.
/// The layer order is the order the attributes are written in (attribute lists in source order, attributes within a
/// list in order). Arguments left out take Keras's defaults (see <see cref="AttributeTable"/>).
/// </summary>
/// <remarks>
/// The reader finds only what the attributes themselves show: a class it cannot generate into (MG0001), arguments it
/// cannot read or that name nothing (MG0003), <c>[Input]</c> after a layer or written twice, <c>[Compile]</c> written
/// twice (MG0004), and attributes spread over several partial declarations (MG0012). Numbers are not range-checked
/// here: <c>ModelValidator</c> checks the description, whichever front end built it. Every location is the
/// attribute's, except the model's, which is the class identifier. Never throws for any input.
/// </remarks>
internal static class AttributeReader
{
    public const string ModelAttributeName = AttributeTable.Namespace + "." + AttributeTable.Model;

    private static readonly char[] PathSeparators = { '/', '\\' };

    /// <summary>Reads the model defined by the attributes of <paramref name="type"/>.</summary>
    public static ModelDefinition Read(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        IReadOnlyList<AppliedAttribute> attributes = CollectAttributes(type, cancellationToken);
        AppliedAttribute? model = attributes.FirstOrDefault(static a => a.ClassName == AttributeTable.Model);
        LocationInfo? modelLocation = IdentifierLocation(type, model, cancellationToken);

        var reading = new ModelReading(modelLocation);
        string? unsupported = ModelTypeInspector.WhyUnsupported(type, cancellationToken);
        if (unsupported is not null)
        {
            reading.Report(DiagnosticDescriptors.ModelTypeNotSupported, modelLocation, type.Name, unsupported);
        }

        int declarations = attributes.Select(static a => a.Declaration).Distinct().Count();
        if (declarations > 1)
        {
            reading.Report(
                DiagnosticDescriptors.LayersSplitAcrossDeclarations,
                modelLocation,
                type.Name,
                declarations.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        foreach (AppliedAttribute attribute in attributes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            reading.Add(attribute, checkOrder: declarations <= 1, cancellationToken);
        }

        return new ModelDefinition(
            ModelOrigin.Attributes,
            ModelTypeInspector.IdentityOf(type),
            SourceNameOf(type, model),
            reading.Spec(),
            reading.Map(),
            reading.Diagnostics());
    }

    /// <summary>ModelGen's attributes on <paramref name="type"/> in the order they are written. Attributes without
    /// source (none, for a type declared in source) are left out.</summary>
    private static IReadOnlyList<AppliedAttribute> CollectAttributes(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var attributes = new List<AppliedAttribute>();
        foreach (AttributeData data in type.GetAttributes())
        {
            cancellationToken.ThrowIfCancellationRequested();
            string? className = AttributeTable.ClassNameOf(data.AttributeClass);
            if (className is null || data.ApplicationSyntaxReference is not { } reference || !IsModelPart(className))
            {
                continue;
            }

            attributes.Add(new AppliedAttribute(data, className, reference, DeclarationIndexOf(type, reference)));
        }

        return attributes
            .OrderBy(static a => a.Declaration)
            .ThenBy(static a => a.Reference.Span.Start)
            .ToList();
    }

    private static bool IsModelPart(string className) =>
        className is AttributeTable.Model or AttributeTable.Input or AttributeTable.Compile || AttributeTable.Layers.ContainsKey(className);

    /// <summary>Which of the type's partial declarations the attribute is written on.</summary>
    private static int DeclarationIndexOf(INamedTypeSymbol type, SyntaxReference attribute)
    {
        for (int i = 0; i < type.DeclaringSyntaxReferences.Length; i++)
        {
            SyntaxReference declaration = type.DeclaringSyntaxReferences[i];
            if (declaration.SyntaxTree == attribute.SyntaxTree && declaration.Span.Contains(attribute.Span))
            {
                return i;
            }
        }

        return type.DeclaringSyntaxReferences.Length;
    }

    /// <summary>The identifier of the declaration that carries <c>[Model]</c>, where model-wide diagnostics go.</summary>
    private static LocationInfo? IdentifierLocation(INamedTypeSymbol type, AppliedAttribute? model, CancellationToken cancellationToken)
    {
        if (model?.Reference.GetSyntax(cancellationToken).Parent?.Parent is BaseTypeDeclarationSyntax declaration)
        {
            return LocationInfo.From(declaration.Identifier.GetLocation());
        }

        return LocationInfo.From(type.Locations.FirstOrDefault());
    }

    /// <summary>The file name of the declaration carrying <c>[Model]</c>, for the generated file's header. Split by hand:
    /// <c>Path.GetFileName</c> throws for some characters on .NET Framework, where Visual Studio runs generators.</summary>
    private static string SourceNameOf(INamedTypeSymbol type, AppliedAttribute? model)
    {
        string path = (model?.Reference.SyntaxTree ?? type.DeclaringSyntaxReferences.FirstOrDefault()?.SyntaxTree)?.FilePath ?? string.Empty;
        string fileName = path.Substring(path.LastIndexOfAny(PathSeparators) + 1);
        return fileName.Length == 0 ? type.Name : fileName;
    }
}

/// <summary>One of ModelGen's attributes as applied to the model class.</summary>
/// <param name="Data">The bound attribute.</param>
/// <param name="ClassName">Its class name, such as <c>DenseAttribute</c>.</param>
/// <param name="Reference">Where it is written.</param>
/// <param name="Declaration">The index of the partial declaration it is written on.</param>
internal sealed record AppliedAttribute(AttributeData Data, string ClassName, SyntaxReference Reference, int Declaration)
{
    public string ShortName => AttributeTable.ShortNameOf(ClassName);

    /// <summary>The attribute's span, where its diagnostics go.</summary>
    public LocationInfo Location =>
        new(Reference.SyntaxTree.FilePath, Reference.Span, Reference.SyntaxTree.GetLineSpan(Reference.Span).Span);
}
