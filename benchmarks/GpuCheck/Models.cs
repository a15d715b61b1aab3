using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ILGPU.Runtime;
using ModelGen.Tests.Gpu;

namespace ModelGen.GpuCheck;

/// <summary>The models with a Gpu class (as tests/ModelGen.Tests/Gpu/GpuFixture.cs finds them, plus the benchmark models
/// M4 to M6 of this assembly), creating both backends from a seed, and seeded data for them (GpuModelFactory, the tests' rules).</summary>
internal static class GpuModels
{
    public static readonly Assembly[] Assemblies =
    [
        typeof(GpuTestModels.GoldenCircles).Assembly,
        typeof(Samples.Circles.NoBn).Assembly,
        typeof(Samples.LearningRates.PlainMlp).Assembly,
        typeof(Samples.Digits.PlainReluCnn).Assembly,
        typeof(Benchmarks.Models.M4).Assembly,
    ];

    /// <summary>The two Digits CNNs the tests use (the eight differ in activation and front end only).</summary>
    private static readonly string[] s_digitsModels = ["Samples.Digits.BatchNormSigmoidCnn", "Samples.Digits.PlainReluCnn"];

    /// <summary>--quick: a few models that between them cover Dense (small and tiled), BatchNormalization, Adam, conv2d and
    /// pooling (inference-only, trainable, and the digits CNN's tiled products), lstm, dropout with Adam, and a regression loss.</summary>
    private static readonly string[] s_quickModels =
    [
        "ModelGen.GpuTestModels.GoldenCircles",
        "ModelGen.GpuTestModels.AdamMlp",
        "ModelGen.GpuTestModels.ConvBatchNormPool",
        "ModelGen.GpuTestModels.ConvIntoConvNormalized",
        "Samples.Digits.PlainReluCnn",
        "ModelGen.GpuTestModels.LstmSequenceClassifier",
        "ModelGen.GpuTestModels.DropoutHidden",
        "ModelGen.GpuTestModels.InferenceOnly",
        "ModelGen.GpuTestModels.SquaredErrorLinear",
    ];

    public static IEnumerable<Type> All(bool quick) =>
        Assemblies.Distinct().SelectMany(a => a.GetTypes())
            .Where(t => typeof(IModel).IsAssignableFrom(t) && !t.IsAbstract && t.GetNestedType("Gpu") is not null)
            .Where(t => !t.FullName!.StartsWith("Samples.Digits.", StringComparison.Ordinal) || s_digitsModels.Contains(t.FullName))
            .Where(t => !quick || s_quickModels.Contains(t.FullName))
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    // The tests' rules, in one file linked from tests/ModelGen.Tests/Gpu.
    public static bool HasDropout(Type model) => GpuModelFactory.HasDropout(model);

    public static IModel CreateCpu(Type model, int seed) => GpuModelFactory.CreateCpu(model, seed);

    public static IModel CreateGpu(Type model, int seed, Accelerator accelerator) => GpuModelFactory.CreateGpu(model, seed, accelerator);

    public static (float[] X, float[] Y) Data(IModel model, int rows, int seed = 17) => GpuModelFactory.Data(model, rows, seed);
}
