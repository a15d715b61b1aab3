using System;
using ModelGen;

namespace Samples.ModelZoo;

/// <summary>
/// Prints the summary of every model in the zoo (Models/*.model; AttributeForm.cs has the same models), then trains
/// the lstm one, <see cref="SequenceClassifier"/>, on a task only a recurrent memory solves: is the first feature's
/// sum over the first five timesteps larger than over the last five? (The other 13 features are noise.)
/// </summary>
public static class Program
{
    public static void Main()
    {
        Console.WriteLine(TanhDropoutMlp.Summary);
        Console.WriteLine(DigitsCnn.Summary);
        Console.WriteLine(SequenceClassifier.Summary);
        Console.WriteLine(AttributeForm.TanhDropoutMlp.Summary);
        Console.WriteLine(AttributeForm.DigitsCnn.Summary);
        Console.WriteLine(AttributeForm.SequenceClassifier.Summary);

        (float[] x, float[] y) = Sequences(rows: 2000, seed: 1);
        (float[] testX, float[] testY) = Sequences(rows: 500, seed: 2);
        var model = new SequenceClassifier(seed: 1);
        History history = model.Fit(x, y, new FitOptions { Epochs = 8, BatchSize = 32, Seed = 1, ValidationData = (testX, testY), Verbose = 0 });
        Console.WriteLine("SequenceClassifier on the first-half-versus-second-half task (2000 training, 500 test sequences):");
        for (int epoch = 0; epoch < history.Epochs; epoch++)
        {
            Console.WriteLine($"  epoch {epoch + 1}: loss {history.Loss[epoch]:F4}, accuracy {history.Accuracy[epoch]:F3}, test accuracy {history.ValAccuracy[epoch]:F3}");
        }
    }

    /// <summary>Sequences of 10 timesteps x 14 features, uniform in [-1, 1); label 1 when feature 0 sums higher over
    /// timesteps 0-4 than over 5-9.</summary>
    private static (float[] X, float[] Y) Sequences(int rows, int seed)
    {
        const int Timesteps = 10, Features = 14;
        var random = new Random(seed);
        var x = new float[rows * SequenceClassifier.InputSize];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            double balance = 0;
            for (int t = 0; t < Timesteps; t++)
            {
                for (int f = 0; f < Features; f++)
                {
                    float value = (float)(random.NextDouble() * 2 - 1);
                    x[(r * Timesteps + t) * Features + f] = value;
                    if (f == 0)
                    {
                        balance += t < Timesteps / 2 ? value : -value;
                    }
                }
            }

            y[r] = balance > 0 ? 1f : 0f;
        }

        return (x, y);
    }
}
