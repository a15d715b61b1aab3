using System;
using System.Linq;

namespace Samples.Shared;

/// <summary>The digits as 8x8x1 images scaled to [0, 1], split by a fixed seeded shuffle into training and validation rows.</summary>
internal sealed record DigitsData(float[] TrainX, float[] TrainY, float[] ValX, float[] ValY)
{
    public const int SplitSeed = 2024;

    public int TrainRows => TrainY.Length;

    public int ValRows => ValY.Length;

    public static DigitsData Load(double trainFraction)
    {
        Csv csv = Csv.Load("digits.csv");
        int[] order = Enumerable.Range(0, csv.Rows).ToArray();
        new Random(SplitSeed).Shuffle(order);
        int train = (int)(csv.Rows * trainFraction);
        (float[] X, float[] Y) Take(int[] rows)
        {
            // The 64 pixels of a row are the 8x8 image row-major: with one channel, exactly the model's 8x8x1 layout.
            int width = csv.FeatureCount;
            var x = new float[rows.Length * width];
            var y = new float[rows.Length];
            for (int i = 0; i < rows.Length; i++)
            {
                for (int c = 0; c < width; c++)
                {
                    x[i * width + c] = csv.Features[rows[i] * width + c] / 16f;
                }

                y[i] = csv.Labels[rows[i]];
            }

            return (x, y);
        }

        var (trainX, trainY) = Take(order[..train]);
        var (valX, valY) = Take(order[train..]);
        return new DigitsData(trainX, trainY, valX, valY);
    }
}
