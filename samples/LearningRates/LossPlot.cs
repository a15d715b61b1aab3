using System;
using System.Linq;
using ScottPlot;

namespace Samples.LearningRates;

/// <summary>Final validation cross-entropy against the learning rate (log axis), both models: the mean of the runs
/// that did not diverge as a line, every such run as a dot, every diverged run as an X in a row at the top.</summary>
internal static class LossPlot
{
    public static void Save(ModelSweep[] sweeps, float[] rates, int seeds, int epochs, string path)
    {
        var plot = new Plot();
        double[] xs = rates.Select(r => Math.Log10(r)).ToArray();
        double[] finiteLosses = sweeps.SelectMany(s => s.RunsPerRate.SelectMany(r => r)).Where(r => !r.Diverged).Select(r => r.ValLoss).ToArray();
        double bottom = Math.Floor(Math.Log10(Math.Max(1e-4, finiteLosses.DefaultIfEmpty(1).Min())) * 2) / 2 - 0.1;
        double top = Math.Ceiling(Math.Log10(Math.Max(Math.Log(10), finiteLosses.DefaultIfEmpty(1).Max())) * 2) / 2 + 0.1;
        bool anyDiverged = sweeps.Any(s => s.RunsPerRate.Any(runs => runs.Any(r => r.Diverged)));
        double divergedRow = top + 0.25;
        Color[] colors = { Colors.SteelBlue, Colors.DarkOrange };
        for (int m = 0; m < sweeps.Length; m++)
        {
            ModelSweep sweep = sweeps[m];
            Color color = colors[m % colors.Length];

            // The mean over the runs that did not diverge, as line segments over consecutive rates that have one.
            double[] means = sweep.RunsPerRate.Select(runs => runs.Where(r => !r.Diverged).Select(r => r.ValLoss).DefaultIfEmpty(double.NaN).Average()).ToArray();
            bool labelled = false;
            for (int start = 0; start < xs.Length; start++)
            {
                if (double.IsNaN(means[start]))
                {
                    continue;
                }

                int end = start;
                while (end + 1 < xs.Length && !double.IsNaN(means[end + 1]))
                {
                    end++;
                }

                var line = plot.Add.Scatter(xs[start..(end + 1)], means[start..(end + 1)].Select(Math.Log10).ToArray(), color);
                line.LineWidth = 2;
                line.MarkerSize = 8;
                if (!labelled)
                {
                    line.LegendText = seeds == 1 ? sweep.Name : $"{sweep.Name}: mean of its runs";
                    labelled = true;
                }

                start = end;
            }

            var finite = sweep.RunsPerRate.SelectMany((runs, i) => runs.Where(r => !r.Diverged).Select(r => (x: xs[i], y: Math.Log10(r.ValLoss)))).ToArray();
            if (seeds > 1 && finite.Length > 0)
            {
                var dots = plot.Add.ScatterPoints(finite.Select(p => p.x).ToArray(), finite.Select(p => p.y).ToArray(), color.WithAlpha(0.45));
                dots.MarkerShape = MarkerShape.OpenCircle;
                dots.MarkerSize = 9;
                dots.LegendText = $"{sweep.Name}: one run";
            }

            double offset = (m - (sweeps.Length - 1) / 2.0) * 0.08; // side by side where both models diverge
            double[] diverged = sweep.RunsPerRate.SelectMany((runs, i) => runs.Where(r => r.Diverged).Select(_ => xs[i] + offset)).ToArray();
            if (diverged.Length > 0)
            {
                var crosses = plot.Add.ScatterPoints(diverged, diverged.Select(_ => divergedRow).ToArray(), color);
                crosses.MarkerShape = MarkerShape.Eks;
                crosses.MarkerSize = 14;
                crosses.MarkerLineWidth = 2;
                crosses.LegendText = $"{sweep.Name}: diverged run";
            }
        }

        var chance = plot.Add.HorizontalLine(Math.Log10(Math.Log(10)), 1, Colors.Gray, LinePattern.Dashed);
        chance.LegendText = "chance (ln 10)";
        var label = plot.Add.Text(anyDiverged ? "diverged" : "no run diverged (loss NaN or infinite)", xs[0] - 0.45, anyDiverged ? divergedRow : top - 0.05);
        label.Alignment = anyDiverged ? Alignment.MiddleLeft : Alignment.UpperLeft;
        label.LabelFontSize = 12;

        plot.Title($"Digits MLP, plain SGD, {epochs} epochs: final validation loss against learning rate");
        plot.XLabel("learning rate (log scale)");
        plot.YLabel(seeds == 1 ? "validation cross-entropy (log scale)" : $"validation cross-entropy (log scale; {seeds} runs each)");
        plot.Axes.Bottom.SetTicks(xs, rates.Select(r => Label(r)).ToArray());
        double[] yTicks = Enumerable.Range((int)Math.Floor(bottom) - 1, (int)Math.Ceiling(top) - (int)Math.Floor(bottom) + 2)
            .SelectMany(decade => new[] { decade, decade + Math.Log10(3) })
            .Where(y => y >= bottom && y <= top).ToArray();
        plot.Axes.Left.SetTicks(yTicks, yTicks.Select(y => Label(Math.Pow(10, y))).ToArray());
        plot.Axes.SetLimits(xs[0] - 0.5, xs[^1] + 0.5, bottom, anyDiverged ? divergedRow + 0.2 : top);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 1000, 600);
    }

    private static string Label(double value) =>
        value.ToString(value < 1 ? "0.###" : "0", System.Globalization.CultureInfo.InvariantCulture);
}
