using System;
using System.Globalization;
using System.IO;

namespace Samples.Shared;

/// <summary>A numeric CSV file with a header row: every column but the last is a feature, the last is the label.</summary>
internal sealed record Csv(float[] Features, float[] Labels, int Rows, int FeatureCount)
{
    /// <summary>Reads <paramref name="fileName"/> from the folder the program runs from (the build copies it there).</summary>
    public static Csv Load(string fileName)
    {
        string[] lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", fileName));
        int columns = lines[0].Split(',').Length, rows = lines.Length - 1;
        var features = new float[rows * (columns - 1)];
        var labels = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            string[] cells = lines[r + 1].Split(',');
            if (cells.Length != columns)
            {
                throw new InvalidDataException($"{fileName}, line {r + 2}: {cells.Length} values, expected {columns}.");
            }

            for (int c = 0; c < columns - 1; c++)
            {
                features[r * (columns - 1) + c] = float.Parse(cells[c], CultureInfo.InvariantCulture);
            }

            labels[r] = float.Parse(cells[columns - 1], CultureInfo.InvariantCulture);
        }

        return new Csv(features, labels, rows, columns - 1);
    }

    /// <summary>The features of rows <c>[start, start + count)</c>, row-major.</summary>
    public float[] FeatureRows(int start, int count) => Features.AsSpan(start * FeatureCount, count * FeatureCount).ToArray();

    /// <summary>The labels of rows <c>[start, start + count)</c>.</summary>
    public float[] LabelRows(int start, int count) => Labels.AsSpan(start, count).ToArray();
}
