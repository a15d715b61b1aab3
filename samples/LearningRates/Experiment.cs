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

internal static class Experiment
{
    /// <summary>Trains a fresh model per learning rate and seed (the seed gives the initial weights and the batch
    /// order) and evaluates it on the validation rows. A run whose loss stops being finite
    /// (<see cref="TrainingStoppedException"/>), or whose final validation loss is not finite, is recorded as
    /// diverged, never thrown.</summary>
    public static ModelSweep Sweep<TModel>(
        Func<int, TModel> create, IReadOnlyList<float> learningRates, DigitsData data, int[] seeds, int epochs, int batchSize)
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
