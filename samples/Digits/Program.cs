using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using ILGPU.Runtime;
using Samples.Shared;

namespace Samples.Digits;

/// <summary>
/// The Keras batch normalization tutorial's comparison on the 8x8 digits with a small CNN: the same network with and
/// without batch normalization after every conv2d and the hidden dense layer, with sigmoid at learning rates 0.001
/// and 0.01 and with relu at 0.01 (plain SGD, batch 32). Prints the validation accuracy after every epoch of every
/// run and writes the curves as a PNG. The claim under test: without batch normalization the sigmoid network does
/// not learn at the higher rate; with it, it does. With <c>--gpu</c> every run trains on the best ILGPU accelerator
/// present through the models' <c>M.Gpu</c> classes.
/// </summary>
public static class Program
{
    private const int BatchSize = 32;

    public static int Main(string[] args)
    {
        if (CommandLine.Parse(args, out string? error) is not { } options)
        {
            return SampleOptions.Refuse("Digits", error, CommandLine.Usage);
        }

        var total = Stopwatch.StartNew();
        DigitsData data = DigitsData.Load(trainFraction: 0.8);
        int[] seeds = Enumerable.Range(1, options.Seeds).ToArray();
        int epochs = options.Epochs;
        Console.WriteLine($"Digits: 8x8x1 images (pixels / 16), {data.TrainRows} train / {data.ValRows} validation rows (seeded shuffle, seed {DigitsData.SplitSeed})");
        Console.WriteLine($"plain SGD (no momentum), batch {BatchSize}, {epochs} epochs, sparse categorical cross-entropy; " +
            (seeds.Length == 1 ? "seed 1" : $"{seeds.Length} seeds ({seeds[0]}..{seeds[^1]}), each for the initial weights and the batch order"));
        Console.WriteLine("CNN: conv2d 16 3x3 same -> [BN] -> act -> max_pooling2d 2 -> conv2d 32 3x3 same -> [BN] -> act -> max_pooling2d 2 -> flatten -> dense 64 -> [BN] -> act -> dense 10 softmax");
        Setting[] settings;
        if (options.Gpu)
        {
            // Every model class also has a Gpu class (the project references ILGPU), built from a fresh CPU model with
            // the same seed; Experiment.Train disposes each run's model when the run ends.
            using GpuAccelerator gpu = GpuAccelerator.CreateBest();
            Accelerator accelerator = gpu.Accelerator;
            Console.WriteLine($"backend: GPU through ILGPU (M.Gpu): {gpu.Description}");
            Console.WriteLine();
            settings = new[]
            {
                Experiment.Train(seed => new PlainSigmoidCnn.Gpu(new PlainSigmoidCnn(seed), accelerator), "sigmoid", false, 0.001f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new BatchNormSigmoidCnn.Gpu(new BatchNormSigmoidCnn(seed), accelerator), "sigmoid", true, 0.001f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new PlainSigmoidCnn.Gpu(new PlainSigmoidCnn(seed), accelerator), "sigmoid", false, 0.01f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new BatchNormSigmoidCnn.Gpu(new BatchNormSigmoidCnn(seed), accelerator), "sigmoid", true, 0.01f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new PlainReluCnn.Gpu(new PlainReluCnn(seed), accelerator), "relu", false, 0.01f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new BatchNormReluCnn.Gpu(new BatchNormReluCnn(seed), accelerator), "relu", true, 0.01f, data, seeds, epochs, BatchSize),
            };
        }
        else
        {
            Console.WriteLine();
            settings = new[]
            {
                Experiment.Train(seed => new PlainSigmoidCnn(seed), "sigmoid", false, 0.001f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new BatchNormSigmoidCnn(seed), "sigmoid", true, 0.001f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new PlainSigmoidCnn(seed), "sigmoid", false, 0.01f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new BatchNormSigmoidCnn(seed), "sigmoid", true, 0.01f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new PlainReluCnn(seed), "relu", false, 0.01f, data, seeds, epochs, BatchSize),
                Experiment.Train(seed => new BatchNormReluCnn(seed), "relu", true, 0.01f, data, seeds, epochs, BatchSize),
            };
        }

        Console.WriteLine("Validation accuracy after each epoch" + (seeds.Length > 1 ? " (mean ± sample std over the seeds)" : string.Empty) + ":");
        foreach (string line in Table(settings, epochs, seeds.Length))
        {
            Console.WriteLine(line);
        }

        Console.WriteLine();
        foreach (Setting setting in settings)
        {
            TimeSpan time = TimeSpan.FromTicks(setting.Runs.Sum(r => r.Time.Ticks));
            string diverged = setting.Runs.Any(r => r.DivergedEpoch is not null)
                ? $"; diverged: {string.Join(", ", setting.Runs.Where(r => r.DivergedEpoch is not null).Select(r => $"seed {r.Seed} in epoch {r.DivergedEpoch}"))}"
                : string.Empty;
            Console.WriteLine($"{setting.Model,-20} lr {F(setting.LearningRate, "0.###"),-6} {F(time.TotalSeconds, "0.0")} s for {setting.Runs.Length} run(s), " +
                $"{F(time.TotalMilliseconds / (setting.Runs.Length * epochs), "0")} ms per epoch{diverged}");
        }

        Directory.CreateDirectory(options.OutputDirectory);
        string png = Path.Combine(options.OutputDirectory, "validation-accuracy.png");
        AccuracyPlot.Save(settings, seeds.Length, epochs, png);
        Console.WriteLine();
        Console.WriteLine($"Validation accuracy per epoch: {Shown(png)}");
        Console.WriteLine($"Total time: {F(total.Elapsed.TotalSeconds, "0.0")} s");
        return 0;
    }

    private static IEnumerable<string> Table(Setting[] settings, int epochs, int seeds)
    {
        var rows = new List<string[]>
        {
            new[] { "epoch" }.Concat(settings.Select(s => s.Label)).ToArray(),
        };
        for (int e = 0; e < epochs; e++)
        {
            var row = new List<string> { (e + 1).ToString(CultureInfo.InvariantCulture) };
            foreach (Setting setting in settings)
            {
                double[] values = setting.Runs.Where(r => e < r.ValAccuracy.Count).Select(r => r.ValAccuracy[e]).ToArray();
                row.Add(values.Length == 0 ? "diverged" : MeanStd(values, seeds));
            }

            rows.Add(row.ToArray());
        }

        int[] widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        return rows.Select(r => string.Join("  ", r.Select((cell, c) => cell.PadLeft(widths[c]))).TrimEnd());
    }

    private static string MeanStd(double[] values, int seeds)
    {
        if (seeds == 1 || values.Length == 1)
        {
            return F(values[0], "0.000");
        }

        double mean = values.Average();
        double std = Math.Sqrt(values.Sum(x => (x - mean) * (x - mean)) / (values.Length - 1));
        return $"{F(mean, "0.000")} ± {F(std, "0.000")}";
    }

    /// <summary>A path relative to the current directory when it lies below it, else the full path.</summary>
    private static string Shown(string path)
    {
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
