using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using Xunit;

namespace ModelGen.Tests.Gpu;

/// <summary>
/// One ILGPU context and CPU accelerator for every GPU test (creating them, and compiling kernels, costs time): ILGPU's
/// CPU accelerator runs the generated kernels on any machine, groups, shared memory and barriers included. The tests of
/// the collection run one after the other, as an accelerator is not meant for several threads at once.
/// </summary>
public sealed class GpuFixture : IDisposable
{
    public GpuFixture()
    {
        Context = Context.Create(builder => builder.DefaultCPU());
        Accelerator = Context.CreateCPUAccelerator(0);
    }

    public Context Context { get; }

    public Accelerator Accelerator { get; }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class GpuCollection : ICollectionFixture<GpuFixture>
{
    public const string Name = "GPU (ILGPU's CPU accelerator)";
}

/// <summary>The models that have a GPU class, creating both backends from the same seed, and seeded data for them.</summary>
public static class GpuModels
{
    /// <summary>Assemblies whose models reference ILGPU: the GPU test models and the three samples with <c>--gpu</c>.</summary>
    public static readonly Assembly[] Assemblies =
    [
        typeof(GpuTestModels.GoldenCircles).Assembly,
        typeof(Samples.Circles.NoBn).Assembly,
        typeof(Samples.LearningRates.PlainMlp).Assembly,
        typeof(Samples.Digits.PlainReluCnn).Assembly,
    ];

    /// <summary>The Digits sample's eight CNNs differ in the activation and the front end only (both front ends give the
    /// same kernels, FrontEndTrainingEquivalenceTests): two of them, the fused conv + BN + activation and the plain conv,
    /// cover its kernels (tiled conv2d products included) at a quarter of the time on ILGPU's CPU accelerator.</summary>
    private static readonly string[] s_digitsModels = ["Samples.Digits.BatchNormSigmoidCnn", "Samples.Digits.PlainReluCnn"];

    /// <summary>Every model class with a nested Gpu class, by full name.</summary>
    public static IEnumerable<Type> All() =>
        Assemblies.SelectMany(a => a.GetTypes())
            .Where(t => typeof(IModel).IsAssignableFrom(t) && t.GetNestedType("Gpu") is not null)
            .Where(t => !t.FullName!.StartsWith("Samples.Digits.", StringComparison.Ordinal) || s_digitsModels.Contains(t.FullName))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    public static Type Find(string fullName) =>
        Assemblies.Select(a => a.GetType(fullName)).Single(t => t is not null)!;

    // Creating the two backends and their data: GpuModelFactory.cs, shared with benchmarks/GpuCheck.
    public static bool HasDropout(Type model) => GpuModelFactory.HasDropout(model);

    public static IModel CreateCpu(Type model, int seed) => GpuModelFactory.CreateCpu(model, seed);

    public static IModel CreateGpu(Type model, int seed, Accelerator accelerator) => GpuModelFactory.CreateGpu(model, seed, accelerator);

    public static (float[] X, float[] Y) Data(IModel model, int rows, int seed = 17) => GpuModelFactory.Data(model, rows, seed);

    /// <summary>|expected - actual| ≤ relative · max(|expected|, 1e-2): 1e-4 relative, and 1e-6 absolute near zero.</summary>
    public static void AssertClose(double expected, double actual, string what, double relative = 1e-4) =>
        Assert.True(
            Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), 1e-2) || (double.IsNaN(expected) && double.IsNaN(actual)),
            $"{what}: CPU {expected:R}, GPU {actual:R} (difference {Math.Abs(expected - actual):E2})");

    public static void AssertClose(float[][] expected, float[][] actual, string what, double relative = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int t = 0; t < expected.Length; t++)
        {
            Assert.Equal(expected[t].Length, actual[t].Length);
            for (int i = 0; i < expected[t].Length; i++)
            {
                AssertClose(expected[t][i], actual[t][i], $"{what}: tensor {t}[{i}]", relative);
            }
        }
    }

    /// <summary>Each tensor within <paramref name="relative"/> of its largest magnitude: |expected - actual| ≤ relative ·
    /// max |expected| per tensor. For weights after many steps, where rounding differences of the two backends' sums
    /// (conv2d's over batch · positions, BatchNormalization's) carry into small weights; a wrong kernel is off by far more.</summary>
    public static void AssertCloseNormwise(float[][] expected, float[][] actual, string what, double relative = 1e-4)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int t = 0; t < expected.Length; t++)
        {
            Assert.Equal(expected[t].Length, actual[t].Length);
            double scale = Math.Max(expected[t].Max(Math.Abs), 1e-2);
            for (int i = 0; i < expected[t].Length; i++)
            {
                Assert.True(
                    Math.Abs(expected[t][i] - actual[t][i]) <= relative * scale,
                    $"{what}: tensor {t}[{i}]: CPU {expected[t][i]:R}, GPU {actual[t][i]:R} (difference {Math.Abs(expected[t][i] - actual[t][i]):E2}, tensor scale {scale:E2})");
            }
        }
    }

    public static void AssertClose(IReadOnlyList<float> expected, IReadOnlyList<float> actual, string what, double relative = 1e-4)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            AssertClose(expected[i], actual[i], $"{what}[{i}]", relative);
        }
    }
}
