using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen;
using Samples.Shared;

namespace Samples.LearningRates;

/// <summary>One run: the final validation loss and accuracy, or the epoch in which training diverged.</summary>
internal sealed record Run(int Seed, double ValLoss, double ValAccuracy, int? DivergedEpoch)
{
    public bool Diverged => DivergedEpoch is not null;
}

/// <summary>Every run of one model: per learning rate, one <see cref="Run"/> per seed.</summary>
internal sealed record ModelSweep(string Name, IReadOnlyList<Run[]> RunsPerRate, TimeSpan Time);

/// <summary>The digits, scaled to [0, 1] and split by a fixed seeded shuffle into training and validation rows.</summary>
internal sealed record Digits(float[] TrainX, float[] TrainY, float[] ValX, float[] ValY)
{
    public const int SplitSeed = 2024;

    public int TrainRows => TrainY.Length;

    public int ValRows => ValY.Length;

    public static Digits Load(double trainFraction)
    {
        Csv csv = Csv.Load("digits.csv");
        int[] order = Enumerable.Range(0, csv.Rows).ToArray();
        new Random(SplitSeed).Shuffle(order);
        int train = (int)(csv.Rows * trainFraction);
        (float[] X, float[] Y) Take(int[] rows)
        {
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
        return new Digits(trainX, trainY, valX, valY);
    }
}

internal static class Experiment
{
    /// <summary>Trains a fresh model per learning rate and seed (the seed gives the initial weights and the batch
    /// order) and evaluates it on the validation rows. A run whose loss stops being finite
    /// (<see cref="TrainingStoppedException"/>), or whose final validation loss is not finite, is recorded as
    /// diverged, never thrown.</summary>
    public static ModelSweep Sweep<TModel>(
        Func<int, TModel> create, IReadOnlyList<float> learningRates, Digits data, int[] seeds, int epochs, int batchSize)
        where TModel : ITrainableModel
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var perRate = new List<Run[]>();
        foreach (float learningRate in learningRates)
        {
            perRate.Add(seeds.Select(seed =>
            {
                TModel model = create(seed);
                model.LearningRate = learningRate;
                try
                {
                    model.Fit(data.TrainX, data.TrainY, new FitOptions { Epochs = epochs, BatchSize = batchSize, Seed = seed, Verbose = 0 });
                }
                catch (TrainingStoppedException stopped)
                {
                    return new Run(seed, double.NaN, double.NaN, stopped.Epoch);
                }

                EvaluationResult validation = model.Evaluate(data.ValX, data.ValY, batchSize);
                return double.IsFinite(validation.Loss)
                    ? new Run(seed, validation.Loss, validation.Accuracy, null)
                    : new Run(seed, validation.Loss, validation.Accuracy, epochs);
            }).ToArray());
        }

        return new ModelSweep(typeof(TModel).Name, perRate, watch.Elapsed);
    }
}
