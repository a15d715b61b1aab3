using System;
using System.Linq;
using ScottPlot;

namespace Samples.Circles;

/// <summary>The learning curves as one PNG: a panel per model, train and test accuracy per epoch (mean over seeds,
/// with a band of ± one standard deviation), on the same axes so the panels compare at a glance.</summary>
internal static class LearningCurvesPlot
{
    public static void Save(ModelResult[] results, int seeds, string path)
    {
        var figure = new Multiplot();
        figure.AddPlots(results.Length);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();

        double[][] curves = results.SelectMany(r => new[] { r.MeanCurve(s => s.TrainAccuracy), r.MeanCurve(s => s.TestAccuracy) }).ToArray();
        double low = Math.Floor(curves.Min(c => c.Min()) * 20) / 20, high = Math.Min(1, Math.Ceiling(curves.Max(c => c.Max()) * 20) / 20 + 0.05);
        int epochs = curves[0].Length;
        for (int i = 0; i < results.Length; i++)
        {
            ModelResult result = results[i];
            Plot plot = figure.GetPlot(i);
            plot.Title($"{result.Name} ({result.Description})");
            plot.XLabel("epoch");
            plot.YLabel(seeds == 1 ? "accuracy" : $"accuracy (mean ± std of {seeds} seeds)");
            AddCurve(plot, result, r => r.TrainAccuracy, "train (running, training mode)", Colors.SteelBlue, LinePattern.Solid);
            AddCurve(plot, result, r => r.TestAccuracy, "test (inference mode)", Colors.DarkOrange, LinePattern.Solid);
            var target = plot.Add.HorizontalLine(0.80, 1, Colors.Gray, LinePattern.Dotted);
            target.LegendText = "80%";
            plot.Axes.SetLimits(0, epochs + 1, low, high);
            plot.ShowLegend(Alignment.LowerRight);
        }

        figure.SavePng(path, 1500, 500);
    }

    private static void AddCurve(Plot plot, ModelResult result, Func<SeedRun, System.Collections.Generic.IReadOnlyList<double>> curve, string label, Color color, LinePattern pattern)
    {
        double[] mean = result.MeanCurve(curve), std = result.StdCurve(curve);
        double[] epochs = Enumerable.Range(1, mean.Length).Select(e => (double)e).ToArray();
        if (result.Runs.Count > 1)
        {
            var band = plot.Add.FillY(epochs, mean.Zip(std, (m, s) => m + s).ToArray(), mean.Zip(std, (m, s) => m - s).ToArray());
            band.FillColor = color.WithAlpha(0.2);
            band.LineWidth = 0;
        }

        var line = plot.Add.ScatterLine(epochs, mean, color);
        line.LineWidth = 2;
        line.LinePattern = pattern;
        line.LegendText = label;
    }
}
