using System;
using ModelGen;

namespace Samples.LearningRates;

/// <summary>
/// Plain SGD at any learning rate on a model compiled for another one. ModelGen compiles <c>learning_rate</c> into
/// the generated class and offers no setter, so each step here is <c>TrainOnBatch</c> at the compiled rate lr₀
/// (<c>w' = w - lr₀·g</c>), after which the trainable weights are moved to <c>w + (lr/lr₀)·(w' - w) = w - lr·g</c>;
/// the moving statistics of batch normalization keep what the step's forward pass made them. That is SGD at
/// <c>lr</c> up to float rounding, and only without momentum (the optimizer's velocity is not reachable).
/// </summary>
internal static class ScaledSgd
{
    /// <summary>Trains <paramref name="model"/> for <paramref name="epochs"/> epochs of shuffled batches (the order
    /// drawn from <paramref name="seed"/>); returns the 1-based epoch in which the loss stopped being finite, or null.</summary>
    /// <param name="trainable">Per tensor of <c>GetWeights</c>, whether SGD trains it (false for moving statistics).</param>
    public static int? Train<TModel>(
        TModel model, bool[] trainable, float compiledLearningRate, float learningRate,
        float[] x, float[] y, int epochs, int batchSize, int seed)
        where TModel : ITrainableModel
    {
        int rows = y.Length / model.LabelSize, inputs = model.InputSize, labels = model.LabelSize;
        float scale = learningRate / compiledLearningRate;
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            order[i] = i;
        }

        var random = new Random(seed);
        float[] batchX = new float[batchSize * inputs], batchY = new float[batchSize * labels];
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            random.Shuffle(order);
            for (int start = 0; start < rows; start += batchSize)
            {
                int count = Math.Min(batchSize, rows - start);
                for (int i = 0; i < count; i++)
                {
                    x.AsSpan(order[start + i] * inputs, inputs).CopyTo(batchX.AsSpan(i * inputs));
                    y.AsSpan(order[start + i] * labels, labels).CopyTo(batchY.AsSpan(i * labels));
                }

                float[][]? before = scale != 1f ? model.GetWeights() : null;
                float loss = model.TrainOnBatch(batchX.AsSpan(0, count * inputs), batchY.AsSpan(0, count * labels));
                if (!float.IsFinite(loss))
                {
                    return epoch;
                }

                if (before is not null)
                {
                    float[][] after = model.GetWeights();
                    for (int t = 0; t < after.Length; t++)
                    {
                        if (!trainable[t])
                        {
                            continue;
                        }

                        for (int i = 0; i < after[t].Length; i++)
                        {
                            after[t][i] = before[t][i] + scale * (after[t][i] - before[t][i]);
                        }
                    }

                    model.SetWeights(after);
                }
            }
        }

        return null;
    }
}
