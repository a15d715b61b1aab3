using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;

namespace ModelGen.Tests.Infrastructure;

/// <summary>A <c>.model</c> file given to a test compilation as an AdditionalFile.</summary>
public sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly SourceText _text = SourceText.From(text);

    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}

/// <summary>Build properties as MSBuild passes them to the generator.</summary>
public sealed class TestAnalyzerConfigOptionsProvider(IReadOnlyDictionary<string, string> globals) : AnalyzerConfigOptionsProvider
{
    public override AnalyzerConfigOptions GlobalOptions { get; } = new Options(globals);

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

    private sealed class Options(IReadOnlyDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(new Dictionary<string, string>());

        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}

/// <summary>The outcome of running ModelGen on an in-memory compilation.</summary>
public sealed record GeneratorRun(
    CSharpCompilation InputCompilation,
    Compilation OutputCompilation,
    GeneratorDriver Driver,
    GeneratorDriverRunResult Result,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>Generated files by hint name.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        Result.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());

    /// <summary>Errors and warnings of compiling the user's code with the generated code.</summary>
    public ImmutableArray<Diagnostic> CompilationDiagnostics =>
        OutputCompilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToImmutableArray();

    /// <summary>The diagnostics ModelAnalyzer reports (attribute models) on the output compilation.</summary>
    public ImmutableArray<Diagnostic> AnalyzerDiagnostics() => GeneratorHarness.RunAnalyzers(OutputCompilation);

    /// <summary>Every ModelGen diagnostic: the generator's (<c>.model</c> files) and the analyzer's (attributes).</summary>
    public ImmutableArray<Diagnostic> ModelGenDiagnostics() =>
        GeneratorDiagnostics.Concat(AnalyzerDiagnostics()).Where(d => d.Id.StartsWith("MG", StringComparison.Ordinal))
            .OrderBy(d => d.Location.GetLineSpan().Path, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToImmutableArray();
}

/// <summary>Runs the generator (and the analyzer) the way the compiler does, on sources and <c>.model</c> files.</summary>
public static class GeneratorHarness
{
    public const string ProjectDirectory = "/project/";

    private static readonly ImmutableArray<MetadataReference> References =
        Basic.Reference.Assemblies.Net80.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(ModelAttribute).Assembly.Location))
            .ToImmutableArray();

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.CSharp12, DocumentationMode.Diagnose);

    public static CSharpCompilation CreateCompilation(IEnumerable<(string Path, string Text)> sources, IEnumerable<MetadataReference>? extraReferences = null) =>
        CSharpCompilation.Create(
            "TestProject",
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, ParseOptions, s.Path)),
            References.AddRange(extraReferences ?? []),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Default));

    public static GeneratorDriver CreateDriver(IEnumerable<(string Path, string Text)> modelFiles, string rootNamespace = "TestProject") =>
        CreateDriver(modelFiles.Select(f => (AdditionalText)new InMemoryAdditionalText(f.Path, f.Text)), rootNamespace);

    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> modelFiles, string rootNamespace = "TestProject") =>
        CSharpGeneratorDriver.Create(
            generators: [new ModelGenerator().AsSourceGenerator()],
            additionalTexts: modelFiles,
            parseOptions: ParseOptions,
            optionsProvider: new TestAnalyzerConfigOptionsProvider(new Dictionary<string, string>
            {
                ["build_property.RootNamespace"] = rootNamespace,
                ["build_property.ProjectDir"] = ProjectDirectory,
            }),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs ModelGen on C# sources (path, text) and <c>.model</c> files (path, text).</summary>
    public static GeneratorRun Run(
        IEnumerable<(string Path, string Text)>? sources = null,
        IEnumerable<(string Path, string Text)>? modelFiles = null,
        IEnumerable<MetadataReference>? extraReferences = null)
    {
        CSharpCompilation compilation = CreateCompilation(sources ?? [], extraReferences);
        GeneratorDriver driver = CreateDriver(modelFiles ?? []);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorRun(compilation, output, driver, driver.GetRunResult(), diagnostics);
    }

    /// <summary>Convenience: one <c>.model</c> file at <c>/project/Models/{name}</c>.</summary>
    public static GeneratorRun RunModelFile(string text, string name = "Test.model") =>
        Run(modelFiles: [(ProjectDirectory + "Models/" + name, text)]);

    /// <summary>Convenience: one C# file at <c>/project/Models.cs</c>.</summary>
    public static GeneratorRun RunSource(string source) => Run(sources: [(ProjectDirectory + "Models.cs", source)]);

    public static ImmutableArray<Diagnostic> RunAnalyzers(Compilation compilation)
    {
        ImmutableArray<DiagnosticAnalyzer> analyzers = typeof(ModelGenerator).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
        if (analyzers.IsEmpty)
        {
            return ImmutableArray<Diagnostic>.Empty;
        }

        return compilation.WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
    }
}
