using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Diagnostics;

/// <summary>MG0015: an unexpected exception in any stage becomes a diagnostic for that model alone; the generator
/// itself never throws (an escaping exception, CS8785, would drop every model's output).</summary>
public class InternalErrorTests
{
    private sealed class UnreadableText(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        public override SourceText GetText(CancellationToken cancellationToken = default) => throw new System.IO.IOException("disk on fire");
    }

    [Fact]
    public void AFileThatCannotBeReadIsMG0015AndTheOtherModelsAreStillGenerated()
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation([]);
        GeneratorDriver driver = GeneratorHarness.CreateDriver(
        [
            new UnreadableText("/project/Broken.model"),
            new InMemoryAdditionalText("/project/Fine.model", "model Test.Fine\ninput 2\ndense 1 activation=sigmoid\n"),
        ]);

        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out _, out var diagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();

        Assert.Null(result.Exception);
        Diagnostic error = Assert.Single(diagnostics, d => d.Id == "MG0015");
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Contains("IOException: disk on fire", error.GetMessage());
        Assert.Contains("Broken.model", error.GetMessage());
        Assert.DoesNotContain(diagnostics, d => d.Id == "CS8785");
        Assert.Equal(["Test.Fine.g.cs"], result.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void APlannerFailureIsMG0015ForThatModel()
    {
        // A description that validation would never let through (no input): the planner throws, Guard reports.
        var model = new ModelDefinition(
            ModelOrigin.ModelFile,
            new TypeIdentity("Test", "M", EquatableArray<string>.Empty, "public"),
            "M.model",
            new ModelSpec(null, EquatableArray.Create<LayerSpec>(new FlattenSpec()), null),
            new ModelSourceMap(null, null, EquatableArray<SourceEntry>.Empty, null),
            EquatableArray<Generator.Diagnostics.DiagnosticInfo>.Empty);

        PlanResult plan = Guard.Plan(model, referencesIlgpu: false, CancellationToken.None);
        GeneratedModel generated = Guard.Emit(plan, CancellationToken.None);

        Assert.Null(plan.Plan);
        Assert.Equal("MG0015", plan.Error!.Descriptor.Id);
        Assert.Empty(generated.Sources);
        Assert.Equal("MG0015", Assert.Single(generated.Diagnostics).Descriptor.Id);
    }

    [Fact]
    public void KeywordNamesInModelFilesAreReportedNotEmitted()
    {
        // The .model syntax has no '@' escape: a C# keyword as a name is an error there, never emitted unescaped.
        GeneratorRun run = GeneratorHarness.RunModelFile("model Test.class\ninput 2\ndense 1\n");

        Assert.Contains(run.ModelGenDiagnostics(), d => d.Id == "MG0002" && d.Severity == DiagnosticSeverity.Error);
        Assert.Empty(run.Sources);
    }

    [Fact]
    public void KeywordNamedAttributeModelCompiles()
    {
        GeneratorRun run = GeneratorHarness.RunSource("using ModelGen;\nnamespace Test;\n\npartial class @event\n{\n    [Model]\n    [Input(2)]\n    [Dense(1)]\n    internal partial class @class;\n}\n");

        Assert.Equal(["Test.event.class.g.cs"], run.Sources.Keys);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Contains("partial class @event", run.Sources.Values.Single());
    }
}
