using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace ModelGen.CompilerServices;

/// <summary>Label checks with messages that name the bad index and value, for generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Labels
{
    /// <summary>Checks binary cross-entropy labels: every value in <c>[0, 1]</c> (soft labels allowed, as in Keras).</summary>
    /// <param name="labels">The labels.</param>
    /// <exception cref="ArgumentException">A label is outside [0, 1] or NaN.</exception>
    public static void ValidateBinary(ReadOnlySpan<float> labels)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            float y = labels[i];
            if (!(y >= 0f && y <= 1f))
            {
                throw new ArgumentException(
                    $"Label at index {i} is {Format(y)}; binary cross-entropy labels must be in [0, 1].", nameof(labels));
            }
        }
    }

    /// <summary>Checks sparse categorical labels: integers in <c>[0, classes)</c>.</summary>
    /// <param name="labels">One class index per sample.</param>
    /// <param name="classes">The number of classes.</param>
    /// <exception cref="ArgumentException">A label is not an integer in range.</exception>
    public static void ValidateSparse(ReadOnlySpan<float> labels, int classes)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            float y = labels[i];
            if (!(y >= 0f && y < classes && y == MathF.Floor(y)))
            {
                ThrowSparse(i, y, classes);
            }
        }
    }

    /// <summary>Checks one-hot labels for categorical cross-entropy: every value in <c>[0, 1]</c>.</summary>
    /// <param name="labels">Labels <c>[batch, classes]</c>.</param>
    /// <param name="classes">Values per row.</param>
    /// <exception cref="ArgumentException">A value is outside [0, 1] or NaN.</exception>
    public static void ValidateCategorical(ReadOnlySpan<float> labels, int classes)
    {
        Check.Rows(labels.Length, classes, nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            float y = labels[i];
            if (!(y >= 0f && y <= 1f))
            {
                throw new ArgumentException(
                    $"Label value at row {i / classes}, class {i % classes} is {Format(y)}; categorical labels must be one-hot (values in [0, 1]).",
                    nameof(labels));
            }
        }
    }

    [DoesNotReturn]
    internal static void ThrowSparse(int index, float value, int classes) =>
        throw new ArgumentException(
            $"Label at index {index} is {Format(value)}; sparse categorical labels must be integers in [0, {classes}).", "labels");

    private static string Format(float value) => value.ToString("R", CultureInfo.InvariantCulture);
}
