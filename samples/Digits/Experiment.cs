using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using ModelGen;
using Samples.Shared;

namespace Samples.Digits;

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
    /// (<see cref="TrainingStoppedException"/>) is recorded as diverged, never thrown. A model that is
    /// <see cref="IDisposable"/> (an <c>M.Gpu</c>) is disposed when its run ends.</summary>
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
            using IDisposable? disposable = model as IDisposable;
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

        // Named after the model, M, also for its nested M.Gpu.
        Type type = typeof(TModel);
        string name = type is { Name: "Gpu", DeclaringType: { } outer } ? outer.Name : type.Name;
        return new Setting(name, activation, batchNormalization, learningRate, runs);
    }
}
