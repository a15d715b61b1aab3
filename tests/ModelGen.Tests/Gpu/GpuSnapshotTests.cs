using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using ModelGen.Tests.Generation;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Gpu;

/// <summary>
/// The GPU file, <c>Ns.M.Gpu.g.cs</c>, exists exactly when the compilation references ILGPU: byte for byte against
/// Baselines/Gpu/ for models that cover every kind of kernel, and it compiles without warnings (Nullable enabled,
/// every warning counts as the projects build with TreatWarningsAsErrors). Without ILGPU there is no GPU code at all.
/// </summary>
public class GpuSnapshotTests
{
    private static readonly MetadataReference Ilgpu = MetadataReference.CreateFromFile(typeof(ILGPU.Context).Assembly.Location);

    /// <summary>Models that cover the kernels: fused Dense + BN + activation both ways, the tiled products, softmax, a
    /// BatchNormalization of its own over sequence positions, dropout, Adam, an inference-only model; conv2d with same
    /// and valid padding, strides, pointwise, tiled, max pooling with overlapping and partial windows; stacked lstm
    /// layers (one returning its sequence, into BatchNormalization), an lstm whose gelu needs its input backward; average
    /// pooling with partial windows and global max pooling on images, 1-D max and average pooling and global average
    /// pooling over a sequence.</summary>
    private static readonly string[] Models =
    [
        "GoldenCircles", "WideMlp", "BatchNormAfterActivation", "SequenceNormalized", "InputNormalizedDropout", "HiddenSoftmax", "InferenceOnly", "HiddenGelu",
        "ConvSameStridedNormalized", "PointwiseConvOverlappingPool", "ConvIntoConvNormalized", "WideConv",
        "LstmStackedNormalized", "LstmGeluRegression", "Conv1DSameStridedNormalized", "ConvAveragePoolGlobalMax", "SequencePooling",
    ];

    private static IEnumerable<(string Path, string Text)> ModelFiles() =>
        Models.Select(name =>
        {
            string path = new[] { "ModelGen.TestModels", "ModelGen.GpuTestModels" }
                .Select(project => Path.Combine(Repository.Root, "tests", project, "Models", name + ".model"))
                .First(File.Exists);
            return (GeneratorHarness.ProjectDirectory + "Models/" + name + ".model", File.ReadAllText(path));
        });

    [Fact]
    public void GpuFilesMatchTheirBaselines()
    {
        GeneratorRun run = GeneratorHarness.Run(modelFiles: ModelFiles(), extraReferences: [Ilgpu]);

        Dictionary<string, string> gpuFiles = run.Sources.Where(s => s.Key.EndsWith(".Gpu.g.cs", StringComparison.Ordinal)).ToDictionary(s => s.Key, s => s.Value);
        Assert.Equal(Models.Length, gpuFiles.Count);
        Baselines.Verify("Gpu", gpuFiles);
    }

    [Fact]
    public void GpuFilesCompileWithoutWarnings()
    {
        GeneratorRun run = GeneratorHarness.Run(modelFiles: ModelFiles(), extraReferences: [Ilgpu]);

        Assert.Empty(run.GeneratorDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Location.SourceTree is { } tree && tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)));
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void AttributeModelsGetAGpuClassToo()
    {
        (List<(string Path, string Text)> models, List<(string Path, string Text)> sources) =
            Repository.LoadSample(Path.Combine(Repository.SamplesDirectory, "Circles"));

        GeneratorRun run = GeneratorHarness.Run(sources, models, extraReferences: [Ilgpu]);

        Assert.Contains("Samples.Circles.AttributeForm.BnAfterRelu.Gpu.g.cs", run.Sources.Keys);
        Assert.Contains("Samples.Circles.BnAfterRelu.Gpu.g.cs", run.Sources.Keys);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Location.SourceTree is { } tree && tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal)));
    }

    [Fact]
    public void WithoutIlgpuThereIsNoGpuCode()
    {
        foreach (string sample in Repository.SampleProjects().Select(d => Path.GetFileName(d)))
        {
            GeneratorRun run = SampleSnapshotTests.RunSample(sample);
            Assert.DoesNotContain(run.Sources.Keys, hint => hint.Contains(".Gpu.", StringComparison.Ordinal));
            Assert.DoesNotContain(run.Sources.Values, text => text.Contains("ILGPU", StringComparison.Ordinal));
        }

        GeneratorRun models = GeneratorHarness.Run(modelFiles: ModelFiles());
        Assert.DoesNotContain(models.Sources.Values, text => text.Contains("ILGPU", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryKindOfLayerGetsAGpuClass()
    {
        GeneratorRun run = GeneratorHarness.Run(
            modelFiles:
            [
                (GeneratorHarness.ProjectDirectory + "Models/Cnn.model", "model Cnn\ninput 8x8x1\nconv2d 4\nmax_pooling2d 2\nflatten\ndense 2 activation=softmax\ncompile loss=categorical_crossentropy\n"),
                (GeneratorHarness.ProjectDirectory + "Models/Recurrent.model", "model Recurrent\ninput 4x3\nlstm 5\ndense 2 activation=softmax\ncompile loss=categorical_crossentropy\n"),
            ],
            extraReferences: [Ilgpu]);

        Assert.Contains("TestProject.Cnn.Gpu.g.cs", run.Sources.Keys);
        Assert.Contains("TestProject.Recurrent.Gpu.g.cs", run.Sources.Keys);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
