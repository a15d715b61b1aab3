using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using ModelGen;
using Samples.Shared;

namespace Samples.Digits;

/// <summary>The digits as 8x8x1 images scaled to [0, 1], split by a fixed seeded shuffle into training and validation rows.</summary>
internal sealed record DigitsData(float[] TrainX, float[] TrainY, float[] ValX, float[] ValY)
{
    public const int SplitSeed = 2024;

    public int TrainRows => TrainY.Length;

    public int ValRows => ValY.Length;

    public static DigitsData Load(double trainFraction)
    {
        Csv csv = Csv.Load("digits.csv");
        int[] order = Enumerable.Range(0, csv.Rows).ToArray();
        new Random(SplitSeed).Shuffle(order);
        int train = (int)(csv.Rows * trainFraction);
        (float[] X, float[] Y) Take(int[] rows)
        {
            // The 64 pixels of a row are the 8x8 image row-major: with one channel, exactly the model's 8x8x1 layout.
            int width = csv.FeatureCount;
            var x = new float[rows.Length * width];
            var y = new float[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                for (int c = 0; c < width; c++)
                {
                    x[i * width + c] = csv.Features[rows[i] * width + c] / 16f;
                }

                y[i] = csv.Labels[rows[i]];
            }

            return (x, y);
        }

        var (trainX, trainY) = Take(order[..train]);
        var (valX, valY) = Take(order[train..]);
        return new DigitsData(trainX, trainY, valX, valY);
    }
}

/// <summary>One run: the validation accuracy after every epoch, or the epoch in which the loss stopped being finite.</summary>
internal sealed record Run(int Seed, IReadOnlyList<double> ValAccuracy, int? DivergedEpoch, TimeSpan Time);

/// <summary>One model at one learning rate, with every seed's run.</summary>
internal sealed record Setting(string Model, string Activation, bool BatchNormalization, float LearningRate, Run[] Runs)
{
    public string Label => $"{(BatchNormalization ? "BN" : "no BN")}, {Activation}, lr {LearningRate.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>The mean validation accuracy of the runs after each epoch (NaN where a run had diverged).</summary>
    public double[] MeanAccuracy(int epochs) => Enumerable.Range(0, epochs)
        .Select(e => Runs.Select(r => e < r.ValAccuracy.Count ? r.ValAccuracy[e] : double.NaN).Average())
        .ToArray();
}

internal static class Experiment
{
    /// <summary>Trains a fresh model per seed at <paramref name="learningRate"/> (the seed gives the initial weights and the
    /// batch order), with the validation rows evaluated after every epoch. A run whose loss stops being finite
    /// (<see cref="TrainingStoppedException"/>) is recorded as diverged, never thrown.</summary>
    public static Setting Train<TModel>(
        Func<int, TModel> create, string activation, bool batchNormalization, float learningRate, DigitsData data, int[] seeds, int epochs, int batchSize)
        where TModel : ITrainableModel
    {
        var runs = new Run[seeds.Length];
        for (int i = 0; i < seeds.Length; i++)
        {
            int seed = seeds[i];
            var watch = Stopwatch.StartNew();
            TModel model = create(seed);
            model.LearningRate = learningRate;
            try
            {
                History history = model.Fit(data.TrainX, data.TrainY, new FitOptions
                {
                    Epochs = epochs,
                    BatchSize = batchSize,
                    Seed = seed,
                    ValidationData = (data.ValX, data.ValY),
                    Verbose = 0,
                });
                runs[i] = new Run(seed, history.ValAccuracy, null, watch.Elapsed);
            }
            catch (TrainingStoppedException stopped)
            {
                runs[i] = new Run(seed, Array.Empty<double>(), stopped.Epoch, watch.Elapsed);
            }
        }

        return new Setting(typeof(TModel).Name, activation, batchNormalization, learningRate, runs);
    }
}
