using System;
using System.Linq;
using System.Reflection;
using ILGPU.Runtime;

namespace ModelGen.Tests.Gpu;

/// <summary>Both backends of a model with a GPU class from one seed, and seeded data for it: shared by the GPU tests
/// (GpuFixture's GpuModels) and benchmarks/GpuCheck, which links this file (it must not depend on the test project).</summary>
public static class GpuModelFactory
{
    /// <summary>Whether the model has a Dropout layer (its GPU masks are not the CPU's: training results differ by design).</summary>
    public static bool HasDropout(Type model) =>
        ((string)model.GetProperty("Summary", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!).Contains("(Dropout)", StringComparison.Ordinal);

    public static IModel CreateCpu(Type model, int seed) => (IModel)Activator.CreateInstance(model, seed)!;

    /// <summary>A GPU model on <paramref name="accelerator"/> built from a fresh CPU model with <paramref name="seed"/>.</summary>
    public static IModel CreateGpu(Type model, int seed, Accelerator accelerator) =>
        (IModel)Activator.CreateInstance(model.GetNestedType("Gpu")!, Activator.CreateInstance(model, seed), accelerator)!;

    /// <summary>Seeded inputs in [-1, 1] and valid labels for the model's loss (binary when LabelSize and OutputSize are 1).</summary>
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
            else if (trainable.HasAccuracy || IsOneHot(model))
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

    private static bool IsOneHot(IModel model) => model.Summary.Contains("softmax", StringComparison.Ordinal);
}
