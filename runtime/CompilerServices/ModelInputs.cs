using System;
using System.ComponentModel;
using System.Globalization;

namespace ModelGen.CompilerServices;

/// <summary>Argument checks shared by every generated model, with messages that name the expected sizes. For generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ModelInputs
{
    /// <summary>The number of samples in a span of <paramref name="length"/> values of <paramref name="sampleSize"/> each.</summary>
    /// <exception cref="ArgumentException">The span is empty or not a whole number of samples.</exception>
    public static int Samples(int length, int sampleSize, string name)
    {
        if (length == 0 || length % sampleSize != 0)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{name} has {length} values; expected a positive multiple of InputSize = {sampleSize} (samples x {sampleSize}, row-major)."),
                name);
        }

        return length / sampleSize;
    }

    /// <summary>Checks that a span holds <paramref name="samples"/> x <paramref name="size"/> values.</summary>
    /// <exception cref="ArgumentException">It does not.</exception>
    public static void CheckLength(int length, int samples, int size, string name, string sizeName)
    {
        long expected = (long)samples * size;
        if (length != expected)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"{name} has {length} values; expected {expected} ({samples} samples x {sizeName} = {size})."),
                name);
        }
    }

    /// <summary>Refuses to train BatchNormalization on one sample: its batch variance is 0 and the step learns nothing.</summary>
    /// <exception cref="ArgumentException">The batch has one sample.</exception>
    public static void CheckBatchNormalizationBatch(int samples)
    {
        if (samples == 1)
        {
            throw new ArgumentException(
                "Cannot train on a batch of one sample: BatchNormalization normalizes with the batch's mean and variance, which one sample makes x itself and 0, so every output would be beta. Use batches of 2 or more samples.",
                "x");
        }
    }

    /// <summary>Checks a batch size argument.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is below 1.</exception>
    public static void CheckBatchSize(int batchSize, string name)
    {
        if (batchSize < 1)
        {
            throw new ArgumentOutOfRangeException(name, batchSize, "The batch size must be at least 1.");
        }
    }

    /// <summary>Checks a learning rate: a positive, finite number.</summary>
    /// <exception cref="ArgumentOutOfRangeException">It is not.</exception>
    public static float CheckLearningRate(float learningRate)
    {
        if (!(learningRate > 0) || float.IsInfinity(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be a positive, finite number.");
        }

        return learningRate;
    }

    /// <summary>Checks weights for <c>SetWeights</c>: one array per tensor, each of its tensor's length.</summary>
    /// <exception cref="ArgumentException">The count or a length is wrong; the message names the tensor.</exception>
    public static void CheckWeights(float[][] weights, string[] names, int[] lengths)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length != names.Length)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Expected {names.Length} weight arrays ({string.Join(", ", names)}), got {weights.Length}."),
                nameof(weights));
        }

        for (int i = 0; i < names.Length; i++)
        {
            if (weights[i] is null || weights[i].Length != lengths[i])
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Weight array {i} ({names[i]}) has {weights[i]?.Length ?? 0} values; expected {lengths[i]}. No weight was changed."),
                    nameof(weights));
            }
        }
    }
}
