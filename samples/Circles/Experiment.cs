using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using ModelGen;
using Samples.Shared;

namespace Samples.Circles;

/// <summary>One fit of one model with one seed: the per-epoch curves of <see cref="History"/> and the final
/// <c>Evaluate</c> (inference mode) on the training and the test half.</summary>
internal sealed record SeedRun(int Seed, IReadOnlyList<double> TrainAccuracy, IReadOnlyList<double> TestAccuracy, double FinalTrainAccuracy, double FinalTestAccuracy);

/// <summary>Every seed's run of one model, the tutorial's figures for it and the wall-clock time of its fits.</summary>
internal sealed record ModelResult(string Name, string Description, double TutorialTrain, double TutorialTest, IReadOnlyList<SeedRun> Runs, TimeSpan FitTime)
{
    /// <summary>The mean over seeds of a per-epoch curve.</summary>
    public double[] MeanCurve(Func<SeedRun, IReadOnlyList<double>> curve) =>
        Enumerable.Range(0, curve(Runs[0]).Count).Select(e => Runs.Average(r => curve(r)[e])).ToArray();

    /// <summary>The sample standard deviation over seeds of a per-epoch curve (zeros for one seed).</summary>
    public double[] StdCurve(Func<SeedRun, IReadOnlyList<double>> curve) =>
        Enumerable.Range(0, curve(Runs[0]).Count).Select(e => Statistics.StandardDeviation(Runs.Select(r => curve(r)[e]))).ToArray();
}

internal static class Experiment
{
    /// <summary>Fits a fresh <typeparamref name="TModel"/> per seed (the seed gives both the initial weights and the
    /// shuffling) for <paramref name="epochs"/> epochs of batch 32, with the test half as validation data, as the tutorial does.</summary>
    public static ModelResult Run<TModel>(
        Func<int, TModel> create, string description, double tutorialTrain, double tutorialTest,
        Csv data, int trainRows, IEnumerable<int> seeds, int epochs)
        where TModel : ITrainableModel
    {
        float[] trainX = data.FeatureRows(0, trainRows), trainY = data.LabelRows(0, trainRows);
        float[] testX = data.FeatureRows(trainRows, data.Rows - trainRows), testY = data.LabelRows(trainRows, data.Rows - trainRows);
        var runs = new List<SeedRun>();
        var fitTime = new Stopwatch();
        foreach (int seed in seeds)
        {
            TModel model = create(seed);
            fitTime.Start();
            History history = model.Fit(trainX, trainY, new FitOptions
            {
                Epochs = epochs,
                BatchSize = 32,
                Seed = seed,
                ValidationData = (testX, testY),
                Verbose = 0,
            });
            fitTime.Stop();
            EvaluationResult train = model.Evaluate(trainX, trainY), test = model.Evaluate(testX, testY);
            runs.Add(new SeedRun(seed, history.Accuracy, history.ValAccuracy, train.Accuracy, test.Accuracy));
        }

        return new ModelResult(typeof(TModel).Name, description, tutorialTrain, tutorialTest, runs, fitTime.Elapsed);
    }
}

internal static class Statistics
{
    /// <summary>The sample standard deviation (n - 1 in the denominator); 0 for fewer than two values.</summary>
    public static double StandardDeviation(IEnumerable<double> values)
    {
        double[] v = values.ToArray();
        if (v.Length < 2)
        {
            return 0;
        }

        double mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
    }
}
