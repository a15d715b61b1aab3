using System;
using System.ComponentModel;

namespace ModelGen.CompilerServices;

/// <summary>Keras's accuracy metrics as counts of correct samples (divide by the sample count for the accuracy), for generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Metrics
{
    /// <summary>Binary accuracy: <c>(p &gt; 0.5 ? 1 : 0) == y</c> per value.</summary>
    /// <param name="probabilities">Sigmoid outputs.</param>
    /// <param name="labels">Labels, same shape.</param>
    /// <returns>The number of values predicted correctly.</returns>
    public static int BinaryCorrect(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels)
    {
        Check.Length(labels.Length, probabilities.Length, nameof(labels), "the output's shape");
        int correct = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            float predicted = probabilities[i] > 0.5f ? 1f : 0f;
            correct += predicted == labels[i] ? 1 : 0;
        }

        return correct;
    }

    /// <summary>Categorical accuracy: arg-max of the output equals arg-max of the one-hot label (first maximum wins).</summary>
    /// <param name="probabilities">Outputs <c>[batch, classes]</c>.</param>
    /// <param name="labels">One-hot labels, same shape.</param>
    /// <param name="classes">Values per row.</param>
    /// <returns>The number of rows predicted correctly.</returns>
    public static int CategoricalCorrect(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, int classes)
    {
        int rows = Check.Rows(probabilities.Length, classes, nameof(probabilities));
        Check.Length(labels.Length, probabilities.Length, nameof(labels), "[batch, classes]");
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            correct += ArgMax(probabilities.Slice(r * classes, classes)) == ArgMax(labels.Slice(r * classes, classes)) ? 1 : 0;
        }

        return correct;
    }

    /// <summary>Sparse categorical accuracy: arg-max of the output equals the class index.</summary>
    /// <param name="probabilities">Outputs <c>[batch, classes]</c>.</param>
    /// <param name="labels">Class indices <c>[batch]</c>.</param>
    /// <param name="classes">Values per row.</param>
    /// <returns>The number of rows predicted correctly.</returns>
    public static int SparseCategoricalCorrect(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, int classes)
    {
        int rows = Check.Rows(probabilities.Length, classes, nameof(probabilities));
        Check.Length(labels.Length, rows, nameof(labels), "[batch] class indices");
        int correct = 0;
        for (int r = 0; r < rows; r++)
        {
            correct += ArgMax(probabilities.Slice(r * classes, classes)) == labels[r] ? 1 : 0;
        }

        return correct;
    }

    /// <summary>The index of the first largest value (NaN never wins); -1 for an empty span.</summary>
    /// <param name="values">The values.</param>
    /// <returns>The arg-max.</returns>
    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = values.IsEmpty ? -1 : 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }

        return best;
    }
}
