using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using ILGPU.Runtime;
using Samples.Shared;

namespace Samples.LearningRates;

/// <summary>
/// Measures the claim "batch normalization keeps training stable at high learning rates" on the 8x8 digits: an MLP
/// without batch normalization (PlainMlp) and the same MLP with it (BatchNormMlp), trained with plain SGD at learning
/// rates 0.001 to 1000, several seeds each. Prints the final validation cross-entropy and accuracy per learning rate
/// and writes them as a PNG; runs that diverge are shown as such, never as a crash. With <c>--gpu</c> every run trains
/// on the best ILGPU accelerator present through the models' <c>M.Gpu</c> classes.
/// </summary>
public static class Program
{
    private const int BatchSize = 32;

    public static int Main(string[] args)
    {
        if (CommandLine.Parse(args, out string? error) is not { } options)
        {
            return SampleOptions.Refuse("LearningRates", error, CommandLine.Usage);
        }

        var total = Stopwatch.StartNew();
        DigitsData data = DigitsData.Load(trainFraction: 0.8);
        float[] rates = Enumerable.Range(0, 7).Select(i => (float)(0.001 * Math.Pow(10, i))).ToArray();
        int[] seeds = Enumerable.Range(1, options.Seeds).ToArray();
        ModelSweep[] sweeps;
        string backend;
        if (options.Gpu)
        {
            // Every model class also has a Gpu class (the project references ILGPU); each run gets its own, disposed with the accelerator.
            using GpuAccelerator gpu = GpuAccelerator.CreateBest();
            Accelerator accelerator = gpu.Accelerator;
            backend = $"GPU through ILGPU: {gpu.Description}";
            Console.WriteLine($"LearningRates: training on {gpu.Description}");
            sweeps = new[]
            {
                Experiment.Sweep(seed => gpu.Own(new PlainMlp.Gpu(new PlainMlp(seed), accelerator)), rates, data, seeds, options.Epochs, BatchSize),
                Experiment.Sweep(seed => gpu.Own(new BatchNormMlp.Gpu(new BatchNormMlp(seed), accelerator)), rates, data, seeds, options.Epochs, BatchSize),
            };

            // Name the columns after the models, not their nested Gpu class.
            sweeps = sweeps.Zip(new[] { nameof(PlainMlp), nameof(BatchNormMlp) }, (sweep, name) => sweep with { Name = name }).ToArray();
        }
        else
        {
            backend = "CPU";
            sweeps = new[]
            {
                Experiment.Sweep(seed => new PlainMlp(seed), rates, data, seeds, options.Epochs, BatchSize),
                Experiment.Sweep(seed => new BatchNormMlp(seed), rates, data, seeds, options.Epochs, BatchSize),
            };
        }

        Console.WriteLine($"LearningRates: digits 8x8 (pixels / 16), {data.TrainRows} train / {data.ValRows} validation rows (seeded shuffle, seed {DigitsData.SplitSeed})");
        Console.WriteLine($"plain SGD (no momentum), batch {BatchSize}, {options.Epochs} epochs, sparse categorical cross-entropy; " +
            (seeds.Length == 1 ? "seed 1" : $"{seeds.Length} seeds ({seeds[0]}..{seeds[^1]}), each for the initial weights and the batch order"));
        Console.WriteLine($"backend: {backend}");
        Console.WriteLine();
        foreach (string line in Table(sweeps, rates))
        {
            Console.WriteLine(line);
        }

        Console.WriteLine();
        Console.WriteLine("val loss, val acc: Evaluate on the validation rows after the last epoch, mean ± sample std over the runs that did not diverge.");
        Console.WriteLine("diverged: runs whose training loss became NaN or infinite (in the epoch shown) or whose final validation loss is not finite.");
        Console.WriteLine($"chance level: val loss ln 10 = {Math.Log(10).ToString("0.000", CultureInfo.InvariantCulture)}, val acc about 0.1.");
        foreach (ModelSweep sweep in sweeps)
        {
            int runs = rates.Length * seeds.Length;
            Console.WriteLine($"time {sweep.Name}: {F(sweep.Time.TotalSeconds, "0.0")} s for {runs} runs " +
                $"({F(sweep.Time.TotalMilliseconds / (runs * options.Epochs), "0.0")} ms per epoch of {data.TrainRows} rows)");
        }

        Directory.CreateDirectory(options.OutputDirectory);
        string png = Path.Combine(options.OutputDirectory, "validation-loss.png");
        LossPlot.Save(sweeps, rates, seeds.Length, options.Epochs, png);
        Console.WriteLine();
        Console.WriteLine($"Validation loss against learning rate: {Shown(png)}");
        Console.WriteLine($"Total time: {F(total.Elapsed.TotalSeconds, "0.0")} s");
        return 0;
    }

    private static IEnumerable<string> Table(ModelSweep[] sweeps, float[] rates)
    {
        var rows = new List<string[]>
        {
            new[] { "learning" }.Concat(sweeps.SelectMany(s => new[] { s.Name, "", "" })).ToArray(),
            new[] { "rate" }.Concat(sweeps.SelectMany(_ => new[] { "val loss", "val acc", "diverged" })).ToArray(),
        };
        for (int r = 0; r < rates.Length; r++)
        {
            var row = new List<string> { F(rates[r], "0.###") };
            foreach (ModelSweep sweep in sweeps)
            {
                Run[] runs = sweep.RunsPerRate[r];
                Run[] finite = runs.Where(run => !run.Diverged).ToArray();
                Run[] diverged = runs.Where(run => run.Diverged).ToArray();
                string epochs = diverged.Length == 0 ? "" : $" (epoch{(diverged.Length > 1 ? "s" : "")} {string.Join(", ", diverged.Select(d => d.DivergedEpoch))})";
                if (finite.Length == 0)
                {
                    row.AddRange(new[] { "diverged" + epochs, "-", $"{diverged.Length}/{runs.Length}" });
                }
                else
                {
                    row.Add(MeanStd(finite.Select(run => run.ValLoss)));
                    row.Add(MeanStd(finite.Select(run => run.ValAccuracy)));
                    row.Add($"{diverged.Length}/{runs.Length}{epochs}");
                }
            }

            rows.Add(row.ToArray());
        }

        int columns = rows[1].Length;
        int[] widths = Enumerable.Range(0, columns).Select(c => rows.Max(r => r[c].Length)).ToArray();
        return rows.Select(r => string.Join("  ", r.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
    }

    private static string MeanStd(IEnumerable<double> values)
    {
        double[] v = values.ToArray();
        if (v.Length == 1)
        {
            return F(v[0], "0.000");
        }

        double mean = v.Average();
        double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
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
