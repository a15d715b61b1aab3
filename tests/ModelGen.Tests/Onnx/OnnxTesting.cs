using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.ML.OnnxRuntime;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Onnx;

/// <summary>Runs exported models in ONNX Runtime and compares them with <see cref="IModel.Predict"/>.</summary>
internal static class OnnxTesting
{
    /// <summary>Absolute tolerance for values up to 1, relative above.</summary>
    public const float Tolerance = 1e-5f;

    public static byte[] Export(IModel model)
    {
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        return stream.ToArray();
    }

    /// <summary>Runs <paramref name="onnx"/> on <c>[rows, inputSize]</c> inputs; checks the output's shape.</summary>
    public static float[] Run(byte[] onnx, float[] x, int inputSize, int outputSize, GraphOptimizationLevel optimization = GraphOptimizationLevel.ORT_ENABLE_ALL)
    {
        int rows = x.Length / inputSize;
        using var options = new SessionOptions { GraphOptimizationLevel = optimization };
        using var session = new InferenceSession(onnx, options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, new long[] { rows, inputSize });
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, new[] { "x" }, new[] { input }, new[] { "y" });
        Assert.Equal(new long[] { rows, outputSize }, outputs[0].GetTensorTypeAndShape().Shape);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    /// <summary>Seeded inputs, uniform in [-3, 3].</summary>
    public static float[] Inputs(int rows, int inputSize, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * inputSize).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
    }

    /// <summary>Exports <paramref name="model"/>, runs it in ONNX Runtime (all graph optimizations, and none) on a seeded
    /// batch of 17 and checks the outputs against <see cref="IModel.Predict"/>.</summary>
    public static void AssertOnnxMatchesPredict(IModel model, string context, int seed = 1)
    {
        float[] x = Inputs(17, model.InputSize, seed);
        var expected = new float[17 * model.OutputSize];
        model.Predict(x, expected);
        byte[] onnx = Export(model);
        AssertClose(expected, Run(onnx, x, model.InputSize, model.OutputSize), context + " (ORT_ENABLE_ALL)");
        AssertClose(expected, Run(onnx, x, model.InputSize, model.OutputSize, GraphOptimizationLevel.ORT_DISABLE_ALL), context + " (ORT_DISABLE_ALL)");
    }

    public static void AssertClose(float[] expected, float[] actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(float.IsFinite(expected[i]), $"{context}: Predict gave {expected[i]} at {i}");
            float tolerance = Tolerance * Math.Max(1f, Math.Abs(expected[i]));
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{context}: at {i}, Predict {expected[i]:R}, ONNX Runtime {actual[i]:R} (difference {Math.Abs(expected[i] - actual[i]):R} > {tolerance:R})");
        }
    }

    /// <summary>A few epochs of Fit on seeded data with labels that fit the model's loss, so that weights, gamma, beta
    /// and the moving statistics all move away from their initial values.</summary>
    public static void Train(ITrainableModel model, int epochs = 4, int rows = 128)
    {
        var random = new Random(23);
        float[] x = Enumerable.Range(0, rows * model.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        var y = new float[rows * model.LabelSize];
        for (int r = 0; r < rows; r++)
        {
            // A label that depends on the input, so there is something to learn.
            int classes = Math.Max(2, model.OutputSize);
            int label = (int)((x[r * model.InputSize] + 2) / 4 * classes) % classes;
            if (model.LabelSize == 1)
            {
                y[r] = label;
            }
            else
            {
                y[r * model.LabelSize + label] = 1;
            }
        }

        model.Fit(x, y, new FitOptions { Epochs = epochs, BatchSize = 16, Seed = 3, Verbose = 0 });
    }

    /// <summary>Compiles models with the generator in memory (as the snapshot tests do) and loads the assembly.</summary>
    public static Assembly Compile(List<(string Path, string Text)> modelFiles, List<(string Path, string Text)> sources)
    {
        GeneratorRun run = GeneratorHarness.Run(sources, modelFiles);
        Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Severity == DiagnosticSeverity.Error);
        using var image = new MemoryStream();
        EmitResult result = run.OutputCompilation.Emit(image);
        Assert.True(result.Success, string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(image.ToArray());
    }

    /// <summary>Every generated model class (with CPU kernels, so implementing <see cref="IModel"/>) of an assembly.</summary>
    public static IEnumerable<Type> ModelTypes(Assembly assembly) =>
        assembly.GetTypes()
            .Where(t => typeof(IModel).IsAssignableFrom(t) && !t.IsAbstract && t.GetConstructor(new[] { typeof(int) }) is not null)
            .OrderBy(t => t.FullName, StringComparer.Ordinal);

    public static IModel Create(Type type, int seed) => (IModel)Activator.CreateInstance(type, seed)!;
}
