using System.Linq;
using ScottPlot;

namespace Samples.Digits;

/// <summary>Validation accuracy per epoch for every setting: one colour per activation and learning rate, solid with
/// batch normalization, dashed without (the mean over the seeds).</summary>
internal static class AccuracyPlot
{
    public static void Save(Setting[] settings, int seeds, int epochs, string path)
    {
        var plot = new Plot();
        Color[] colors = { Colors.SteelBlue, Colors.DarkOrange, Colors.ForestGreen, Colors.Purple };
        string[] groups = settings.Select(s => s.Activation + s.LearningRate).Distinct().ToArray();
        double[] xs = Enumerable.Range(1, epochs).Select(e => (double)e).ToArray();
        foreach (Setting setting in settings)
        {
            double[] ys = setting.MeanAccuracy(epochs);
            int count = ys.TakeWhile(double.IsFinite).Count();
            if (count == 0)
            {
                continue;
            }

            Color color = colors[System.Array.IndexOf(groups, setting.Activation + setting.LearningRate) % colors.Length];
            var line = plot.Add.Scatter(xs[..count], ys[..count], color);
            line.LineWidth = 2;
            line.MarkerSize = setting.BatchNormalization ? 5 : 0;
            line.LinePattern = setting.BatchNormalization ? LinePattern.Solid : LinePattern.Dashed;
            line.LegendText = setting.Label;
        }

        var chance = plot.Add.HorizontalLine(0.1, 1, Colors.Gray, LinePattern.Dotted);
        chance.LegendText = "chance (0.1)";
        plot.Title($"Digits CNN, plain SGD, batch 32: validation accuracy per epoch{(seeds > 1 ? $" (mean of {seeds} seeds)" : string.Empty)}");
        plot.XLabel("epoch");
        plot.YLabel("validation accuracy");
        plot.Axes.SetLimits(0.5, epochs + 0.5, 0, 1.02);
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 1000, 600);
    }
}
