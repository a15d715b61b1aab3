using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.Emitters;
using ModelGen.Generator.FrontEnds.Attributes;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Validation;

namespace ModelGen.Generator;

/// <summary>
/// The ModelGen source generator. The data flows one way, each stage in its own folder:
/// front end (<see cref="ModelFileParser"/> for <c>.model</c> files, <see cref="AttributeReader"/> for attributes)
/// → <see cref="ModelDefinition"/> (value-equatable) → <see cref="ModelValidator"/> (diagnostics)
/// → <see cref="ModelPlanner"/> (shapes, fusion, buffers) → <see cref="CpuEmitter"/>, and <see cref="GpuEmitter"/> where the
/// compilation references ILGPU.
/// Diagnostics of <c>.model</c> files are reported here; those of attribute models by <c>ModelAnalyzer</c>, which
/// runs the same reader and validator and can point into C# source. Nothing a user writes makes this throw: every
/// stage is guarded per model and turns an unexpected exception into MG0015 for that model alone.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class ModelGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<ProjectOptions> options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => ProjectOptions.From(provider.GlobalOptions));

        IncrementalValueProvider<bool> referencesIlgpu = context.CompilationProvider
            .Select(static (compilation, _) => compilation.ReferencedAssemblyNames.Any(static a => a.Name == "ILGPU"))
            .WithTrackingName(TrackingNames.ReferencesIlgpu);

        // Front end A: .model files from AdditionalFiles.
        IncrementalValuesProvider<ModelDefinition> fileModels = context.AdditionalTextsProvider
            .Where(static file => ModelFileParser.IsModelFile(file.Path))
            .WithTrackingName(TrackingNames.ModelFiles)
            .Combine(options)
            .Select(static (pair, cancellationToken) => Guard.Parse(pair.Left, pair.Right, cancellationToken))
            .WithTrackingName(TrackingNames.ModelFileParsed);

        // Front end B: [Model] classes.
        IncrementalValuesProvider<ModelDefinition> attributeModels = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeReader.ModelAttributeName,
                static (node, _) => node is ClassDeclarationSyntax,
                static (context, cancellationToken) => Guard.Read((INamedTypeSymbol)context.TargetSymbol, cancellationToken))
            .WithTrackingName(TrackingNames.AttributeModelRead);

        // Every generated type's name, to find two models that would generate the same type (MG0013).
        IncrementalValueProvider<EquatableArray<ModelTypeEntry>> modelTypes = fileModels
            .Select(static (model, _) => ModelTypeEntry.From(model))
            .Collect()
            .Combine(attributeModels.Select(static (model, _) => ModelTypeEntry.From(model)).Collect())
            .Select(static (pair, _) => pair.Left.AddRange(pair.Right).ToEquatableArray())
            .WithTrackingName(TrackingNames.ModelTypes);

        // .model files: the front end's and the validator's diagnostics, plus MG0013, are reported here.
        IncrementalValuesProvider<ValidatedModel> validatedFiles = fileModels
            .Combine(modelTypes)
            .Select(static (pair, _) => Guard.Validate(pair.Left, pair.Right))
            .WithTrackingName(TrackingNames.Validated);
        context.RegisterSourceOutput(
            validatedFiles.Select(static (model, _) => model.Diagnostics),
            static (context, diagnostics) =>
            {
                foreach (DiagnosticInfo diagnostic in diagnostics)
                {
                    context.ReportDiagnostic(diagnostic.ToDiagnostic());
                }
            });

        // Attribute models: ModelAnalyzer reports their diagnostics; here they only decide whether to emit.
        IncrementalValuesProvider<ValidatedModel> validatedAttributes = attributeModels
            .Select(static (model, _) => Guard.Validate(model, EquatableArray<ModelTypeEntry>.Empty))
            .WithTrackingName(TrackingNames.Validated);

        RegisterEmission(context, validatedFiles, referencesIlgpu);
        RegisterEmission(context, validatedAttributes, referencesIlgpu);
    }

    private static void RegisterEmission(
        IncrementalGeneratorInitializationContext context,
        IncrementalValuesProvider<ValidatedModel> models,
        IncrementalValueProvider<bool> referencesIlgpu)
    {
        IncrementalValuesProvider<GeneratedModel> generated = models
            .Where(static model => !model.HasErrors)
            .Combine(referencesIlgpu)
            .Select(static (pair, cancellationToken) => Guard.Plan(pair.Left.Definition, pair.Right, cancellationToken))
            .WithTrackingName(TrackingNames.Planned)
            .Select(static (plan, cancellationToken) => Guard.Emit(plan, cancellationToken))
            .WithTrackingName(TrackingNames.Emitted);

        context.RegisterSourceOutput(generated, static (context, model) =>
        {
            foreach (DiagnosticInfo diagnostic in model.Diagnostics)
            {
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            }

            foreach (GeneratedSource source in model.Sources)
            {
                context.AddSource(source.HintName, source.Text);
            }
        });
    }
}

/// <summary>The project's build properties that the generator reads (through <c>CompilerVisibleProperty</c>).</summary>
internal sealed record ProjectOptions(string RootNamespace, string ProjectDirectory)
{
    public static ProjectOptions From(Microsoft.CodeAnalysis.Diagnostics.AnalyzerConfigOptions options)
    {
        options.TryGetValue("build_property.RootNamespace", out string? rootNamespace);
        options.TryGetValue("build_property.ProjectDir", out string? projectDirectory);
        return new ProjectOptions(rootNamespace?.Trim() ?? string.Empty, projectDirectory?.Trim() ?? string.Empty);
    }
}

/// <summary>A generated type's full name and where its model was defined.</summary>
internal sealed record ModelTypeEntry(string FullName, ModelOrigin Origin, string SourceName, LocationInfo? Location)
{
    public static ModelTypeEntry From(ModelDefinition model) =>
        new(model.Type.FullName, model.Origin, model.SourceName, model.Map.Model);
}

/// <summary>A model after validation: its definition and every diagnostic found so far.</summary>
internal sealed record ValidatedModel(ModelDefinition Definition, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(static d => d.IsError);
}

/// <summary>One generated file.</summary>
internal sealed record GeneratedSource(string HintName, string Text);

/// <summary>What the emitter produced for one model: its files, or the diagnostic explaining why there are none.</summary>
internal sealed record GeneratedModel(EquatableArray<GeneratedSource> Sources, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>Runs each stage for one model and turns an unexpected exception into MG0015 for that model, so that one
/// broken model never stops the generation of the others (an exception escaping a generator drops all its output).</summary>
internal static class Guard
{
    public static ModelDefinition Parse(AdditionalText file, ProjectOptions options, CancellationToken cancellationToken)
    {
        try
        {
            return ModelFileParser.Parse(file.Path, file.GetText(cancellationToken), options, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return Failed(ModelOrigin.ModelFile, ModelFileParser.SourceNameOf(file.Path, options), exception);
        }
    }

    public static ModelDefinition Read(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        try
        {
            return AttributeReader.Read(type, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return Failed(ModelOrigin.Attributes, type.Name, exception);
        }
    }

    public static ValidatedModel Validate(ModelDefinition model, EquatableArray<ModelTypeEntry> modelTypes)
    {
        try
        {
            return new ValidatedModel(model, ModelValidator.Validate(model, modelTypes));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new ValidatedModel(model, model.Diagnostics.Append(InternalError(model.Type.FullName, model.Map.Model, exception)));
        }
    }

    public static PlanResult Plan(ModelDefinition model, bool referencesIlgpu, CancellationToken cancellationToken)
    {
        try
        {
            return new PlanResult(ModelPlanner.Plan(model, referencesIlgpu, cancellationToken), null);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new PlanResult(null, InternalError(model.Type.FullName, model.Map.Model, exception));
        }
    }

    public static GeneratedModel Emit(PlanResult plan, CancellationToken cancellationToken)
    {
        if (plan.Plan is null)
        {
            return new GeneratedModel(EquatableArray<GeneratedSource>.Empty, EquatableArray.Create(plan.Error!));
        }

        try
        {
            EquatableArray<GeneratedSource> sources = CpuEmitter.Emit(plan.Plan, cancellationToken);
            if (GpuEmitter.Emit(plan.Plan, cancellationToken) is { } gpu)
            {
                sources = sources.Append(gpu);
            }

            return new GeneratedModel(sources, EquatableArray<DiagnosticInfo>.Empty);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new GeneratedModel(
                EquatableArray<GeneratedSource>.Empty,
                EquatableArray.Create(InternalError(plan.Plan.Type.FullName, null, exception)));
        }
    }

    private static ModelDefinition Failed(ModelOrigin origin, string sourceName, Exception exception) =>
        new(
            origin,
            new TypeIdentity(string.Empty, sourceName, EquatableArray<string>.Empty, "public"),
            sourceName,
            new ModelSpec(null, EquatableArray<LayerSpec>.Empty, null),
            new ModelSourceMap(null, null, EquatableArray<SourceEntry>.Empty, null),
            EquatableArray.Create(InternalError(sourceName, null, exception)));

    private static DiagnosticInfo InternalError(string model, LocationInfo? location, Exception exception) =>
        DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, model, exception.GetType().Name + ": " + exception.Message);
}

/// <summary>A plan, or the internal error that prevented it.</summary>
internal sealed record PlanResult(ModelPlan? Plan, DiagnosticInfo? Error);

internal static class EquatableArrayExtensions
{
    public static EquatableArray<T> Append<T>(this EquatableArray<T> array, T item)
        where T : IEquatable<T> => array.AsImmutableArray().Add(item);
}
