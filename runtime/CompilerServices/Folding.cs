using System;
using System.ComponentModel;

namespace ModelGen.CompilerServices;

/// <summary>
/// Folds inference-mode BatchNormalization into a Dense layer's weights (SPEC §5), so that <c>Predict</c> runs one
/// GEMM + bias + activation pass per Dense. With <c>s = gamma / sqrt(moving_variance + epsilon)</c> and
/// <c>t = beta - moving_mean · s</c>, BN is <c>y = x · s + t</c> per feature, an affine map that merges into the
/// neighbouring affine Dense. Computed in double from the current weights; for generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Folding
{
    /// <summary>Starts a folded copy: <c>foldedKernel = kernel</c>, <c>foldedBias = bias</c> (zeros without a bias).</summary>
    public static void Copy(ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> foldedKernel, Span<float> foldedBias)
    {
        Check.Length(foldedKernel.Length, kernel.Length, nameof(foldedKernel), "the kernel's length");
        kernel.CopyTo(foldedKernel);
        if (bias.IsEmpty)
        {
            foldedBias.Clear();
        }
        else
        {
            Check.Length(foldedBias.Length, bias.Length, nameof(foldedBias), "the bias's length");
            bias.CopyTo(foldedBias);
        }
    }

    /// <summary>
    /// Folds a BatchNormalization that feeds this Dense (BN after the previous activation): with the BN's input
    /// <c>a</c>, <c>Dense(BN(a)) = (a·s + t)·W + b = a·(diag(s)·W) + (t·W + b)</c>.
    /// </summary>
    /// <param name="kernel">The (folded) kernel <c>[inputs, units]</c>, updated in place.</param>
    /// <param name="bias">The (folded) bias <c>[units]</c>, updated in place.</param>
    /// <param name="inputs">Rows of the kernel: the BN's features.</param>
    /// <param name="units">Columns of the kernel.</param>
    /// <param name="gamma">BN scale, or empty when <c>scale = false</c>.</param>
    /// <param name="beta">BN offset, or empty when <c>center = false</c>.</param>
    /// <param name="movingMean">BN moving mean.</param>
    /// <param name="movingVariance">BN moving variance.</param>
    /// <param name="epsilon">BN epsilon.</param>
    public static void FoldInput(
        Span<float> kernel, Span<float> bias, int inputs, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon)
    {
        Check.Length(kernel.Length, inputs * units, nameof(kernel), "[inputs, units]");
        Check.Length(bias.Length, units, nameof(bias), "[units]");
        for (int j = 0; j < units; j++)
        {
            double shift = bias[j];
            for (int i = 0; i < inputs; i++)
            {
                (double s, double t) = ScaleShift(i, gamma, beta, movingMean, movingVariance, epsilon);
                shift += t * kernel[i * units + j];
            }

            bias[j] = (float)shift;
        }

        for (int i = 0; i < inputs; i++)
        {
            float s = (float)ScaleShift(i, gamma, beta, movingMean, movingVariance, epsilon).Scale;
            Span<float> row = kernel.Slice(i * units, units);
            for (int j = 0; j < units; j++)
            {
                row[j] *= s;
            }
        }
    }

    /// <summary>
    /// Folds a BatchNormalization over channels that feeds a conv2d with valid padding (BN after the previous
    /// activation): the kernel <c>[kh, kw, channels, units]</c> read as <c>[kh · kw · channels, units]</c> has row
    /// <c>(ky, kx, c)</c> scaled by <c>s[c]</c>, and every window adds <c>Σ t[c] · kernel[ky, kx, c, j]</c> to the bias. Exact
    /// because a valid convolution's windows hold only real inputs (same padding would shift its zeros too).
    /// </summary>
    /// <param name="kernel">The (folded) kernel, updated in place.</param>
    /// <param name="bias">The (folded) bias <c>[units]</c>, updated in place.</param>
    /// <param name="windowPositions">Positions in the window: <c>kh · kw</c>.</param>
    /// <param name="channels">Input channels: the BN's features.</param>
    /// <param name="units">Filters.</param>
    /// <param name="gamma">BN scale, or empty when <c>scale = false</c>.</param>
    /// <param name="beta">BN offset, or empty when <c>center = false</c>.</param>
    /// <param name="movingMean">BN moving mean.</param>
    /// <param name="movingVariance">BN moving variance.</param>
    /// <param name="epsilon">BN epsilon.</param>
    public static void FoldConvolutionInput(
        Span<float> kernel, Span<float> bias, int windowPositions, int channels, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon)
    {
        int inputs = windowPositions * channels;
        Check.Length(kernel.Length, inputs * units, nameof(kernel), "[kh, kw, channels, units]");
        Check.Length(bias.Length, units, nameof(bias), "[units]");
        Check.Length(movingMean.Length, channels, nameof(movingMean), "[channels]");
        for (int j = 0; j < units; j++)
        {
            double shift = bias[j];
            for (int i = 0; i < inputs; i++)
            {
                shift += ScaleShift(i % channels, gamma, beta, movingMean, movingVariance, epsilon).Shift * kernel[i * units + j];
            }

            bias[j] = (float)shift;
        }

        for (int i = 0; i < inputs; i++)
        {
            float s = (float)ScaleShift(i % channels, gamma, beta, movingMean, movingVariance, epsilon).Scale;
            Span<float> row = kernel.Slice(i * units, units);
            for (int j = 0; j < units; j++)
            {
                row[j] *= s;
            }
        }
    }

    /// <summary>
    /// Folds a BatchNormalization that this Dense feeds (BN before the activation): with <c>z = x·W + b</c>,
    /// <c>BN(z) = z·s + t = x·(W·diag(s)) + (b·s + t)</c>.
    /// </summary>
    /// <param name="kernel">The (folded) kernel <c>[inputs, units]</c>, updated in place.</param>
    /// <param name="bias">The (folded) bias <c>[units]</c>, updated in place.</param>
    /// <param name="inputs">Rows of the kernel.</param>
    /// <param name="units">Columns of the kernel: the BN's features.</param>
    /// <param name="gamma">BN scale, or empty when <c>scale = false</c>.</param>
    /// <param name="beta">BN offset, or empty when <c>center = false</c>.</param>
    /// <param name="movingMean">BN moving mean.</param>
    /// <param name="movingVariance">BN moving variance.</param>
    /// <param name="epsilon">BN epsilon.</param>
    public static void FoldOutput(
        Span<float> kernel, Span<float> bias, int inputs, int units,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon)
    {
        Check.Length(kernel.Length, inputs * units, nameof(kernel), "[inputs, units]");
        Check.Length(bias.Length, units, nameof(bias), "[units]");
        for (int j = 0; j < units; j++)
        {
            (double s, double t) = ScaleShift(j, gamma, beta, movingMean, movingVariance, epsilon);
            bias[j] = (float)(bias[j] * s + t);
            for (int i = 0; i < inputs; i++)
            {
                kernel[i * units + j] = (float)(kernel[i * units + j] * s);
            }
        }
    }

    private static (double Scale, double Shift) ScaleShift(
        int feature, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon)
    {
        double scale = (gamma.IsEmpty ? 1.0 : gamma[feature]) / Math.Sqrt((double)movingVariance[feature] + epsilon);
        double shift = (beta.IsEmpty ? 0.0 : beta[feature]) - movingMean[feature] * scale;
        return (scale, shift);
    }
}
