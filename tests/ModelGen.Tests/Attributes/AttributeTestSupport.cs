using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using ModelGen.Generator.Analyzers;
using ModelGen.Generator.Description;
using ModelGen.Generator.FrontEnds.Attributes;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Attributes;

/// <summary>Shared helpers of the attribute front end's tests.</summary>
internal static class AttributeTestSupport
{
    /// <summary>The path every single-file test source has (<see cref="GeneratorHarness.RunSource"/>'s).</summary>
    public const string SourcePath = GeneratorHarness.ProjectDirectory + "Models.cs";

    /// <summary>Compiles <paramref name="source"/> (which must have no C# errors) and reads the model class
    /// <paramref name="metadataName"/> with <see cref="AttributeReader"/>.</summary>
    public static ModelDefinition Read(string source, string metadataName)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([(SourcePath, source)]);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        INamedTypeSymbol? type = compilation.GetTypeByMetadataName(metadataName);
        Assert.NotNull(type);
        return AttributeReader.Read(type, CancellationToken.None);
    }

    /// <summary>The layers of a model whose only attributes are <c>[Model]</c>, <c>[Input(4)]</c> and <paramref name="layers"/>.</summary>
    public static IReadOnlyList<LayerSpec> ReadLayers(string layers) => Read(ModelSource(layers), "Samples.Net").Spec.Layers;

    /// <summary>A model class <c>Samples.Net</c> with <c>[Model]</c>, <c>[Input(4)]</c> and <paramref name="attributes"/>.</summary>
    public static string ModelSource(string attributes) => $$"""
        using ModelGen;

        namespace Samples;

        [Model]
        [Input(4)]
        {{attributes}}
        public partial class Net;
        """;

    /// <summary>The ModelGen diagnostics of <paramref name="source"/> (the analyzer's, for attribute models).</summary>
    public static ImmutableArray<Diagnostic> ModelGenDiagnostics(string source) => GeneratorHarness.RunSource(source).ModelGenDiagnostics();

    /// <summary>Runs the generator and <see cref="ModelAnalyzer"/> on <paramref name="source"/>, recording any exception
    /// either of them throws instead of letting Roslyn turn it into a warning.</summary>
    public static (GeneratorRun Run, ImmutableArray<Diagnostic> Analyzer, IReadOnlyList<Exception> AnalyzerExceptions) RunGuarded(string source)
    {
        GeneratorRun run = GeneratorHarness.RunSource(source);
        var exceptions = new List<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            onAnalyzerException: (exception, _, _) => exceptions.Add(exception),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = run.OutputCompilation
            .WithAnalyzers([new ModelAnalyzer()], options)
            .GetAnalyzerDiagnosticsAsync()
            .GetAwaiter()
            .GetResult();
        return (run, diagnostics, exceptions);
    }

    /// <summary>Asserts that <paramref name="diagnostic"/> has this ID and severity and starts at this 1-based line and
    /// column of <see cref="SourcePath"/>.</summary>
    public static void AssertDiagnostic(Diagnostic diagnostic, string id, DiagnosticSeverity severity, int line, int column)
    {
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal(
            (id, severity, SourcePath, line, column),
            (diagnostic.Id, diagnostic.Severity, span.Path, span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1));
        Assert.True(diagnostic.Location.IsInSource, "Attribute diagnostics point into the C# syntax tree, so #pragma applies.");
    }

    /// <summary>The diagnostics with one of <paramref name="ids"/>.</summary>
    public static Diagnostic[] WithIds(this IEnumerable<Diagnostic> diagnostics, params string[] ids) =>
        diagnostics.Where(d => ids.Contains(d.Id, StringComparer.Ordinal)).ToArray();
}
