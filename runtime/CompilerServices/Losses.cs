using System;
using System.ComponentModel;

namespace ModelGen.CompilerServices;

/// <summary>
/// Keras's losses on probabilities, for generated code. Each returns the batch loss (accumulated in double, returned as
/// float) and, when the gradient span is not empty, writes dL/d(output) into it, already divided by the batch.
/// Cross-entropies clip probabilities to <c>[1e-7, 1 - 1e-7]</c> like Keras; where a value is clipped the gradient
/// through the clip is 0. Categorical cross-entropy renormalizes each row by its sum first, as Keras does.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Losses
{
    /// <summary>Keras's <c>backend.epsilon()</c>, the probability clip.</summary>
    internal const float Epsilon = 1e-7f;

    /// <summary>The upper clip, <c>1 - 1e-7</c> rounded to float as Keras computes it.</summary>
    internal const float OneMinusEpsilon = 1f - Epsilon;

    /// <summary>Dispatches to the loss named by <paramref name="loss"/> (gradients w.r.t. the probabilities).</summary>
    /// <param name="loss">The loss.</param>
    /// <param name="output">Model output <c>[batch, outputs]</c>.</param>
    /// <param name="labels">Labels: <c>[batch]</c> class indices for sparse categorical, else the output's shape.</param>
    /// <param name="gradient">Receives dL/d(output), or empty to skip.</param>
    /// <param name="outputs">Values per sample in <paramref name="output"/>.</param>
    /// <returns>The batch loss.</returns>
    public static float Compute(Loss loss, ReadOnlySpan<float> output, ReadOnlySpan<float> labels, Span<float> gradient, int outputs) => loss switch
    {
        Loss.BinaryCrossentropy => BinaryCrossentropy(output, labels, gradient),
        Loss.CategoricalCrossentropy => CategoricalCrossentropy(output, labels, gradient, outputs),
        Loss.SparseCategoricalCrossentropy => SparseCategoricalCrossentropy(output, labels, gradient, outputs),
        Loss.MeanSquaredError => MeanSquaredError(output, labels, gradient),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown loss."),
    };

    /// <summary>Binary cross-entropy <c>mean(-(y log p + (1-y) log(1-p)))</c> over every value (Keras: over the last
    /// axis, then the batch), with p clipped.</summary>
    /// <param name="probabilities">Sigmoid outputs <c>[batch, units]</c>.</param>
    /// <param name="labels">Targets in [0, 1], same shape.</param>
    /// <param name="gradient">Receives dL/dp (0 where p was clipped), or empty to skip.</param>
    /// <returns>The batch loss.</returns>
    internal static float BinaryCrossentropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, Span<float> gradient)
    {
        CheckPair(probabilities, labels, gradient);
        int count = probabilities.Length;
        double loss = 0;
        for (int i = 0; i < count; i++)
        {
            float p = probabilities[i], y = labels[i];
            float pc = Math.Clamp(p, Epsilon, OneMinusEpsilon);
            loss -= y * Math.Log(pc) + (1.0 - y) * Math.Log(1.0 - pc);
            if (!gradient.IsEmpty)
            {
                gradient[i] = IsClipped(p) ? 0f : (float)((-(y / (double)p) + (1.0 - y) / (1.0 - p)) / count);
            }
        }

        return count == 0 ? 0f : (float)(loss / count);
    }

    /// <summary>Binary cross-entropy and its gradient w.r.t. the sigmoid's input z: <c>(p - y) / count</c>, and 0 where
    /// p was clipped (exactly the chain rule through Keras's clip).</summary>
    /// <param name="probabilities">Sigmoid outputs <c>[batch, units]</c>.</param>
    /// <param name="labels">Targets in [0, 1], same shape.</param>
    /// <param name="logitGradient">Receives dL/dz, or empty to skip.</param>
    /// <returns>The batch loss.</returns>
    public static float BinaryCrossentropySigmoidGradient(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, Span<float> logitGradient)
    {
        CheckPair(probabilities, labels, logitGradient);
        float loss = BinaryCrossentropy(probabilities, labels, default);
        if (!logitGradient.IsEmpty)
        {
            float inverseCount = 1f / probabilities.Length;
            for (int i = 0; i < probabilities.Length; i++)
            {
                float p = probabilities[i];
                logitGradient[i] = IsClipped(p) ? 0f : (p - labels[i]) * inverseCount;
            }
        }

        return loss;
    }

    /// <summary>Categorical cross-entropy <c>mean over rows of -Σ y log(clip(p / Σp))</c>.</summary>
    /// <param name="probabilities">Softmax outputs <c>[batch, classes]</c>.</param>
    /// <param name="labels">One-hot (or soft) targets, same shape.</param>
    /// <param name="gradient">Receives dL/dp, or empty to skip.</param>
    /// <param name="classes">Values per row.</param>
    /// <returns>The batch loss.</returns>
    internal static float CategoricalCrossentropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, Span<float> gradient, int classes) =>
        Categorical(probabilities, labels, -1, gradient, classes, fused: false);

    /// <summary>Categorical cross-entropy and its gradient w.r.t. the softmax's input z:
    /// <c>(W p / Σp - w) / batch</c> with <c>w = y</c> masked where the probability was clipped and <c>W = Σ w</c>
    /// (<c>p - y</c> for one-hot labels when nothing is clipped).</summary>
    /// <param name="probabilities">Softmax outputs <c>[batch, classes]</c>.</param>
    /// <param name="labels">One-hot (or soft) targets, same shape.</param>
    /// <param name="logitGradient">Receives dL/dz, or empty to skip.</param>
    /// <param name="classes">Values per row.</param>
    /// <returns>The batch loss.</returns>
    public static float CategoricalCrossentropySoftmaxGradient(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, Span<float> logitGradient, int classes) =>
        Categorical(probabilities, labels, -1, logitGradient, classes, fused: true);

    /// <summary>Sparse categorical cross-entropy: categorical cross-entropy with the label as a class index.</summary>
    /// <param name="probabilities">Softmax outputs <c>[batch, classes]</c>.</param>
    /// <param name="labels">Class indices <c>[batch]</c> (integral floats in <c>[0, classes)</c>; see <see cref="Labels.ValidateSparse"/>).</param>
    /// <param name="gradient">Receives dL/dp, or empty to skip.</param>
    /// <param name="classes">Values per row.</param>
    /// <returns>The batch loss.</returns>
    internal static float SparseCategoricalCrossentropy(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, Span<float> gradient, int classes) =>
        Categorical(probabilities, labels, classes, gradient, classes, fused: false);

    /// <summary>Sparse categorical cross-entropy and its gradient w.r.t. the softmax's input (see
    /// <see cref="CategoricalCrossentropySoftmaxGradient"/>).</summary>
    /// <param name="probabilities">Softmax outputs <c>[batch, classes]</c>.</param>
    /// <param name="labels">Class indices <c>[batch]</c>.</param>
    /// <param name="logitGradient">Receives dL/dz, or empty to skip.</param>
    /// <param name="classes">Values per row.</param>
    /// <returns>The batch loss.</returns>
    public static float SparseCategoricalCrossentropySoftmaxGradient(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> labels, Span<float> logitGradient, int classes) =>
        Categorical(probabilities, labels, classes, logitGradient, classes, fused: true);

    /// <summary>Mean squared error over every value (Keras: mean over the last axis, then over the batch).</summary>
    /// <param name="predictions">Outputs <c>[batch, outputs]</c>.</param>
    /// <param name="targets">Targets, same shape.</param>
    /// <param name="gradient">Receives <c>2 (p - y) / count</c>, or empty to skip.</param>
    /// <returns>The batch loss.</returns>
    internal static float MeanSquaredError(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, Span<float> gradient)
    {
        CheckPair(predictions, targets, gradient);
        int count = predictions.Length;
        double loss = 0;
        float scale = count == 0 ? 0f : 2f / count;
        for (int i = 0; i < count; i++)
        {
            float d = predictions[i] - targets[i];
            loss += (double)d * d;
            if (!gradient.IsEmpty)
            {
                gradient[i] = d * scale;
            }
        }

        return count == 0 ? 0f : (float)(loss / count);
    }

    private static bool IsClipped(float p) => !(p >= Epsilon && p <= OneMinusEpsilon);

    private static void CheckPair(ReadOnlySpan<float> output, ReadOnlySpan<float> labels, Span<float> gradient)
    {
        Check.Length(labels.Length, output.Length, "labels", "the output's shape");
        Check.LengthOrEmpty(gradient.Length, output.Length, "gradient", "the output's shape");
    }

    /// <summary>
    /// Categorical cross-entropy for one-hot/soft labels (<paramref name="sparseClasses"/> = -1) or class indices.
    /// Per row: <c>S = Σp</c>, <c>q = clip(p / S)</c>, <c>L = -Σ y log q</c>. With <c>w = y · [q unclipped]</c> and
    /// <c>W = Σ w</c>: <c>dL/dp_j = (W - w_j / q_j) / S</c>, and through the softmax <c>dL/dz_k = W p_k / S - w_k</c>.
    /// </summary>
    private static float Categorical(ReadOnlySpan<float> p, ReadOnlySpan<float> labels, int sparseClasses, Span<float> gradient, int classes, bool fused)
    {
        bool sparse = sparseClasses > 0;
        int rows = Check.Rows(p.Length, classes, "probabilities");
        Check.Length(labels.Length, sparse ? rows : p.Length, "labels", sparse ? "[batch] class indices" : "[batch, classes]");
        Check.LengthOrEmpty(gradient.Length, p.Length, "gradient", "[batch, classes]");

        double loss = 0;
        double inverseRows = rows == 0 ? 0 : 1.0 / rows;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> pr = p.Slice(r * classes, classes);
            int target = sparse ? (int)labels[r] : -1;
            if (sparse && (uint)target >= (uint)classes)
            {
                Labels.ThrowSparse(r, labels[r], classes);
            }

            double sum = Reductions.SumDouble(pr);
            double w = 0;
            for (int c = 0; c < classes; c++)
            {
                float y = sparse ? (c == target ? 1f : 0f) : labels[r * classes + c];
                float q = (float)(pr[c] / sum);
                float qc = Math.Clamp(q, Epsilon, OneMinusEpsilon);
                if (y != 0f)
                {
                    loss -= y * Math.Log(qc);
                }

                if (!IsClipped(q))
                {
                    w += y;
                }
            }

            if (gradient.IsEmpty)
            {
                continue;
            }

            Span<float> gr = gradient.Slice(r * classes, classes);
            for (int c = 0; c < classes; c++)
            {
                float y = sparse ? (c == target ? 1f : 0f) : labels[r * classes + c];
                float q = (float)(pr[c] / sum);
                double wc = IsClipped(q) ? 0 : y;
                gr[c] = fused
                    ? (float)((w * pr[c] / sum - wc) * inverseRows)
                    : (float)((w - (wc == 0 ? 0 : wc / q)) / sum * inverseRows);
            }
        }

        return rows == 0 ? 0f : (float)(loss * inverseRows);
    }
}
