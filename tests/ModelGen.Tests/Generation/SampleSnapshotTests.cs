using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Generation;

/// <summary>Every sample's generated source, byte for byte against Baselines/Samples/{sample}/.</summary>
public class SampleSnapshotTests
{
    public static IEnumerable<object[]> Samples() => Repository.SampleProjects().Select(d => new object[] { Path.GetFileName(d) });

    [Theory]
    [MemberData(nameof(Samples))]
    public void GeneratedSourceMatchesBaselines(string sample)
    {
        GeneratorRun run = RunSample(sample);

        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.NotEmpty(run.Sources);
        Baselines.Verify("Samples/" + sample, run.Sources);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void GeneratedSourceCompilesWithoutWarnings(string sample)
    {
        GeneratorRun run = RunSample(sample);

        // Nullable is enabled and every warning counts (the projects build with TreatWarningsAsErrors).
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Location.SourceTree is { } tree && tree.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal)));
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void SeedModelsGiveNoErrorAndOnlyTheExpectedMG0008(string sample)
    {
        GeneratorRun run = RunSample(sample);

        // The seed models keep Keras's biases before BatchNormalization: MG0008 doing its job is the only warning.
        DiagnosticAssert.NoErrors(run.ModelGenDiagnostics(), "MG0008");
        Assert.All(run.ModelGenDiagnostics(), d => Assert.Equal("MG0008", d.Id));
    }

    internal static GeneratorRun RunSample(string sample)
    {
        (List<(string Path, string Text)> models, List<(string Path, string Text)> sources) =
            Repository.LoadSample(Path.Combine(Repository.SamplesDirectory, sample));
        return GeneratorHarness.Run(sources, models);
    }
}
