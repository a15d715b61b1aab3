using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using ILGPU.Runtime;

namespace ModelGen.GpuCheck;

/// <summary>The models with a Gpu class (as tests/ModelGen.Tests/Gpu/GpuFixture.cs finds them, plus the benchmark models
/// M4 to M6 of this assembly), creating both backends from a seed, and seeded data for them (the tests' rules, copied).</summary>
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

    public static bool HasDropout(Type model) =>
        ((string)model.GetProperty("Summary", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!).Contains("(Dropout)", StringComparison.Ordinal);

    public static IModel CreateCpu(Type model, int seed) => (IModel)Activator.CreateInstance(model, seed)!;

    public static IModel CreateGpu(Type model, int seed, Accelerator accelerator) =>
        (IModel)Activator.CreateInstance(model.GetNestedType("Gpu")!, Activator.CreateInstance(model, seed), accelerator)!;

    /// <summary>Seeded inputs in [-1, 1] and valid labels for the model's loss (GpuModels.Data of the tests).</summary>
    public static (float[] X, float[] Y) Data(IModel model, int rows, int seed = 17)
    {
        var random = new Random(seed);
        float[] x = Enumerable.Range(0, rows * model.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        if (model is not ITrainableModel trainable)
        {
            return (x, []);
        }

        var y = new float[rows * trainable.LabelSize];
        for (int r = 0; r < rows; r++)
        {
            int label = random.Next(Math.Max(2, model.OutputSize));
            if (trainable.LabelSize == 1)
            {
                y[r] = model.OutputSize == 1 ? label % 2 : label;
            }
            else if (trainable.HasAccuracy || model.Summary.Contains("softmax", StringComparison.Ordinal))
            {
                y[r * trainable.LabelSize + label] = 1;
            }
            else
            {
                for (int c = 0; c < trainable.LabelSize; c++)
                {
                    y[r * trainable.LabelSize + c] = (float)random.NextDouble();
                }
            }
        }

        return (x, y);
    }
}
