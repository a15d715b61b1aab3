using System;
using System.Diagnostics;
using System.Globalization;
using ModelGen;
using Samples.Digits;
using Samples.Shared;

namespace Samples.Serving;

/// <summary>The model the server runs: samples/Digits' <see cref="BatchNormReluCnn"/>, trained at start-up on the
/// digits' training rows or loaded from a weights file, and the data it is checked on.</summary>
internal static class TrainedModel
{
    /// <summary>Builds the model for <paramref name="options"/> and prints how (training time, or the weights file) and its
    /// validation accuracy.</summary>
    public static BatchNormReluCnn Create(ServingOptions options, DigitsData data)
    {
        var model = new BatchNormReluCnn(options.Seed);
        var watch = Stopwatch.StartNew();
        if (options.WeightsPath is { } path)
        {
            model.LoadWeights(path);
            Console.WriteLine($"model: Samples.Digits.BatchNormReluCnn, weights from {path}");
        }
        else
        {
            // As samples/Digits trains it (plain SGD, lr 0.01 from its compile line, batch 32), seeded.
            model.Fit(data.TrainX, data.TrainY, new FitOptions { Epochs = options.Epochs, BatchSize = 32, Seed = options.Seed, Verbose = 0 });
            Console.WriteLine(
                $"model: Samples.Digits.BatchNormReluCnn, trained at start-up: {options.Epochs} epochs on {data.TrainRows} images (seed {options.Seed}) " +
                $"in {watch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        }

        EvaluationResult validation = model.Evaluate(data.ValX, data.ValY);
        Console.WriteLine($"validation accuracy: {validation.Accuracy.ToString("0.000", CultureInfo.InvariantCulture)} on {data.ValRows} images");
        if (options.SaveWeightsPath is { } save)
        {
            model.SaveWeights(save);
            Console.WriteLine($"weights written to {save}");
        }

        return model;
    }

    /// <summary>Every digit image, training rows then validation rows, <c>[1797, 64]</c>: the load test's requests.</summary>
    public static float[] AllImages(DigitsData data)
    {
        var all = new float[data.TrainX.Length + data.ValX.Length];
        data.TrainX.CopyTo(all, 0);
        data.ValX.CopyTo(all, data.TrainX.Length);
        return all;
    }
}
