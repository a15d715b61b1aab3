using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.FrontEnds.Attributes;
using ModelGen.Generator.Validation;

namespace ModelGen.Generator.Analyzers;

/// <summary>
/// Reports the diagnostics of attribute models (SPEC §2, §6). It runs the generator's own front end
/// (<see cref="AttributeReader"/>) and <see cref="ModelValidator"/> on each <c>[Model]</c> class, so it finds exactly
/// what keeps the generator from emitting a model, and reports it at C# source locations, where <c>#pragma warning
/// disable</c> and the IDE's code fixes apply. The generator reports nothing for attribute models; this analyzer
/// reports everything for them, plus MG0011 for layer attributes on a class without <c>[Model]</c>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModelAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Every diagnostic that applies to an attribute model. MG0002 is about <c>.model</c> syntax; MG0013
    /// (two models, one type) is reported by the generator, which alone sees every model.</summary>
    private static readonly ImmutableArray<DiagnosticDescriptor> Supported = ImmutableArray.Create(
        DiagnosticDescriptors.ModelTypeNotSupported,
        DiagnosticDescriptors.BadArgument,
        DiagnosticDescriptors.BadStructure,
        DiagnosticDescriptors.ShapeError,
        DiagnosticDescriptors.LossOutputMismatch,
        DiagnosticDescriptors.BatchNormalizationAfterOutput,
        DiagnosticDescriptors.RedundantBiasBeforeBatchNormalization,
        DiagnosticDescriptors.DropoutBeforeBatchNormalization,
        DiagnosticDescriptors.RepeatedLayer,
        DiagnosticDescriptors.LayerAttributeWithoutModel,
        DiagnosticDescriptors.LayersSplitAcrossDeclarations,
        DiagnosticDescriptors.LowBatchNormalizationMomentum,
        DiagnosticDescriptors.InternalError);

    private static readonly ImmutableHashSet<string> SupportedIds = Supported.Select(static d => d.Id).ToImmutableHashSet();

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => Supported;

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            ModelGenAttributes? attributes = ModelGenAttributes.Resolve(start.Compilation);
            if (attributes is not null)
            {
                start.RegisterSymbolAction(symbol => AnalyzeType(symbol, attributes), SymbolKind.NamedType);
            }
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, ModelGenAttributes attributes)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        ImmutableArray<AttributeData> applied = type.GetAttributes();
        if (applied.Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributes.Model)))
        {
            // Only classes reach the generator; [Model] elsewhere is the compiler's error CS0592.
            if (type.TypeKind == TypeKind.Class)
            {
                AnalyzeModel(context, type);
            }

            return;
        }

        foreach (AttributeData attribute in applied)
        {
            if (attribute.AttributeClass is { } attributeClass
                && attributes.ModelParts.TryGetValue(attributeClass, out string? shortName)
                && attribute.ApplicationSyntaxReference is { } reference)
            {
                context.ReportDiagnostic(Diagnostic.Create(
                    DiagnosticDescriptors.LayerAttributeWithoutModel,
                    Location.Create(reference.SyntaxTree, reference.Span),
                    shortName,
                    type.Name));
            }
        }
    }

    /// <summary>Reads and validates a <c>[Model]</c> class exactly as the generator does, and reports every diagnostic.
    /// An exception becomes MG0015: an analyzer must not throw either.</summary>
    private static void AnalyzeModel(SymbolAnalysisContext context, INamedTypeSymbol type)
    {
        EquatableArray<DiagnosticInfo> diagnostics;
        try
        {
            ModelDefinition model = AttributeReader.Read(type, context.CancellationToken);
            diagnostics = ModelValidator.Validate(model, EquatableArray<ModelTypeEntry>.Empty);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            context.ReportDiagnostic(Diagnostic.Create(
                DiagnosticDescriptors.InternalError,
                type.Locations.FirstOrDefault(),
                type.Name,
                exception.GetType().Name + ": " + exception.Message));
            return;
        }

        foreach (DiagnosticInfo diagnostic in diagnostics)
        {
            // A descriptor outside SupportedDiagnostics would make Roslyn drop this analyzer's results (AD0001).
            if (SupportedIds.Contains(diagnostic.Descriptor.Id))
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic(context.Compilation));
            }
        }
    }

    /// <summary>ModelGen's attribute types in one compilation, resolved once when the compilation starts.</summary>
    private sealed class ModelGenAttributes(INamedTypeSymbol model, IReadOnlyDictionary<INamedTypeSymbol, string> modelParts)
    {
        public INamedTypeSymbol Model { get; } = model;

        /// <summary><c>[Input]</c>, the layers and <c>[Compile]</c>, with their short names (<c>Dense</c>).</summary>
        public IReadOnlyDictionary<INamedTypeSymbol, string> ModelParts { get; } = modelParts;

        /// <summary>The attributes, or <see langword="null"/> when the compilation does not reference ModelGen.</summary>
        public static ModelGenAttributes? Resolve(Compilation compilation)
        {
            if (compilation.GetTypeByMetadataName(AttributeReader.ModelAttributeName) is not { } model)
            {
                return null;
            }

            var parts = new Dictionary<INamedTypeSymbol, string>(SymbolEqualityComparer.Default);
            foreach (string metadataName in AttributeTable.ModelPartMetadataNames)
            {
                if (compilation.GetTypeByMetadataName(metadataName) is { } part)
                {
                    parts[part] = AttributeTable.ShortNameOf(part.Name);
                }
            }

            return new ModelGenAttributes(model, parts);
        }
    }
}
