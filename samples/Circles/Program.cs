using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
#if CIRCLES_GPU
using ILGPU.Runtime;
#endif
using ModelGen;
using Samples.Shared;

namespace Samples.Circles;

/// <summary>
/// Reproduces the Keras tutorial "How to Accelerate Learning of Deep Neural Networks With Batch Normalization": an
/// MLP on two noisy circles (Data/circles.csv; train on the first 500 rows, test on the last 500) without batch
/// normalization, with it after the ReLU and with it before, 100 epochs each, over several seeds. Prints train and
/// test accuracy beside the tutorial's, how soon test accuracy reaches 80 %, the time taken, and writes the learning
/// curves as a PNG. Each model is defined in Models/*.model and again, with attributes, in AttributeForm.cs.
/// With <c>--gpu</c> every fit runs on the best ILGPU accelerator present through the models' <c>M.Gpu</c> classes
/// (not in the NativeAOT binary that <c>dotnet publish</c> makes: see Circles.csproj).
/// </summary>
public static class Program
{
    private const int TrainRows = 500;
    private const double Target = 0.80;

    public static int Main(string[] args)
    {
        if (CommandLine.Parse(args, out string? error) is not { } options)
        {
            return SampleOptions.Refuse("Circles", error, CommandLine.Usage);
        }

        var total = Stopwatch.StartNew();
        Csv data = Csv.Load("circles.csv");
        int[] seeds = Enumerable.Range(1, options.Seeds).ToArray();
        ModelResult[] results;
        string backend;
#if CIRCLES_GPU
        if (options.Gpu)
        {
            // Every model class also has a Gpu class (the project references ILGPU); each fit gets its own, disposed with the accelerator.
            using GpuAccelerator gpu = GpuAccelerator.CreateBest();
            Accelerator accelerator = gpu.Accelerator;
            backend = $"GPU through ILGPU: {gpu.Description}";
            Console.WriteLine($"Circles: training on {gpu.Description}");
            results = new[]
            {
                Experiment.Run(seed => gpu.Own(new NoBn.Gpu(new NoBn(seed), accelerator)), "no BN", 0.838, 0.846, data, TrainRows, seeds, options.Epochs),
                Experiment.Run(seed => gpu.Own(new BnAfterRelu.Gpu(new BnAfterRelu(seed), accelerator)), "BN after the ReLU", 0.846, 0.848, data, TrainRows, seeds, options.Epochs),
                Experiment.Run(seed => gpu.Own(new BnBeforeRelu.Gpu(new BnBeforeRelu(seed), accelerator)), "BN before the ReLU", 0.826, 0.830, data, TrainRows, seeds, options.Epochs),
            };

            // Name the rows after the models, not their nested Gpu class.
            results = results.Zip(new[] { nameof(NoBn), nameof(BnAfterRelu), nameof(BnBeforeRelu) }, (result, name) => result with { Name = name }).ToArray();
        }
        else
#endif
        {
            backend = "CPU";
            results = new[]
            {
                Experiment.Run(seed => new NoBn(seed), "no BN", 0.838, 0.846, data, TrainRows, seeds, options.Epochs),
                Experiment.Run(seed => new BnAfterRelu(seed), "BN after the ReLU", 0.846, 0.848, data, TrainRows, seeds, options.Epochs),
                Experiment.Run(seed => new BnBeforeRelu(seed), "BN before the ReLU", 0.826, 0.830, data, TrainRows, seeds, options.Epochs),
            };
        }

        Console.WriteLine($"Circles: the Keras BatchNormalization tutorial on two noisy circles ({TrainRows} train / {data.Rows - TrainRows} test rows)");
        Console.WriteLine($"backend: {backend}");
        Console.WriteLine($"{options.Epochs} epochs, batch 32, SGD lr 0.01 momentum 0.9, binary cross-entropy; {Seeds(seeds)}");
        Console.WriteLine();
        foreach (string line in Table(results, seeds.Length, options.Epochs))
        {
            Console.WriteLine(line);
        }

        Console.WriteLine();
        Console.WriteLine("accuracy: Evaluate after the last epoch (inference mode), mean ± sample std over seeds; tutorial: its single run.");
        Console.WriteLine($"epoch: the first epoch whose test accuracy is >= {Target:0%}, mean over the seeds that reach it.");
        Console.WriteLine("time: wall clock of the Fit calls (each epoch includes the evaluation of the test half).");

        Directory.CreateDirectory(options.OutputDirectory);
        string png = Path.Combine(options.OutputDirectory, "learning-curves.png");
        LearningCurvesPlot.Save(results, seeds.Length, png);
        Console.WriteLine();
        Console.WriteLine($"Learning curves: {Shown(png)}");
        Console.WriteLine($"Total time: {total.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
        return 0;
    }

    private static string Seeds(int[] seeds) =>
        seeds.Length == 1 ? $"seed {seeds[0]}" : $"{seeds.Length} seeds ({seeds[0]}..{seeds[^1]}), each for the initial weights and the shuffling";

    private static IEnumerable<string> Table(ModelResult[] results, int seeds, int epochs)
    {
        string[] header1 = { "", "train accuracy", "", "test accuracy", "", $"test >= {Target:0%}", "time", "" };
        string[] header2 = { "model", "ModelGen", "tutorial", "ModelGen", "tutorial", "from epoch", seeds == 1 ? "1 fit" : $"{seeds} fits", "per epoch" };
        var rows = new List<string[]> { header1, header2 };
        foreach (ModelResult result in results)
        {
            rows.Add(new[]
            {
                result.Name,
                MeanStd(result.Runs.Select(r => r.FinalTrainAccuracy)),
                F(result.TutorialTrain, "0.000"),
                MeanStd(result.Runs.Select(r => r.FinalTestAccuracy)),
                F(result.TutorialTest, "0.000"),
                EpochReached(result),
                F(result.FitTime.TotalSeconds, "0.00") + " s",
                F(result.FitTime.TotalMilliseconds / (seeds * epochs), "0.00") + " ms",
            });
        }

        int[] widths = Enumerable.Range(0, header2.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        return rows.Select(r => string.Join("  ", r.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
    }

    /// <summary>The mean over the seeds that reach the target of the first (1-based) epoch whose test accuracy is at
    /// least 80 %, with how many seeds do; "never" when none does.</summary>
    private static string EpochReached(ModelResult result)
    {
        int[] epochs = result.Runs
            .Select(r => r.TestAccuracy.Select((accuracy, e) => (accuracy, e)).FirstOrDefault(p => p.accuracy >= Target, (0, -1)).Item2)
            .Where(e => e >= 0)
            .Select(e => e + 1)
            .ToArray();
        string reached = $"({epochs.Length}/{result.Runs.Count} seeds)";
        return epochs.Length == 0 ? $"never {reached}" : $"{F(epochs.Average(), "0.0")} {reached}";
    }

    private static string MeanStd(IEnumerable<double> values)
    {
        double[] v = values.ToArray();
        return v.Length == 1 ? F(v[0], "0.000") : $"{F(v.Average(), "0.000")} ± {F(Statistics.StandardDeviation(v), "0.000")}";
    }

    /// <summary>A path relative to the current directory when it lies below it, else the full path.</summary>
    private static string Shown(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
