using System;
using System.ComponentModel;

namespace ModelGen.CompilerServices;

/// <summary>
/// Keras's weight initializers (<c>keras.initializers</c>), for generated code. The variance-scaling family uses
/// Keras's formulas: uniform limit <c>sqrt(3·scale/fan)</c>; normal = truncated normal (redrawn beyond 2σ) with
/// <c>σ = sqrt(scale/fan) / 0.87962566103423978</c> (the truncation's correction). Glorot: scale 1, fan = (fan_in + fan_out)/2;
/// He: scale 2, fan_in; LeCun: scale 1, fan_in. Deterministic for a given <see cref="ModelRandom"/> state.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Initializers
{
    /// <summary>The standard deviation of a unit normal truncated to [-2, 2] (Keras's correction constant).</summary>
    internal const double TruncatedNormalCorrection = 0.87962566103423978;

    /// <summary>Fills <paramref name="values"/> per <paramref name="initializer"/>.</summary>
    /// <param name="initializer">The initializer.</param>
    /// <param name="values">The tensor to fill.</param>
    /// <param name="fanIn">Fan-in (see <see cref="DenseFans"/> and <see cref="ConvolutionFans"/>).</param>
    /// <param name="fanOut">Fan-out.</param>
    /// <param name="random">The generator.</param>
    public static void Fill(Initializer initializer, Span<float> values, int fanIn, int fanOut, ref ModelRandom random)
    {
        switch (initializer)
        {
            case Initializer.Zeros: values.Clear(); break;
            case Initializer.Ones: values.Fill(1f); break;
            case Initializer.Uniform: Uniform(values, 0.05, ref random); break;
            case Initializer.GlorotUniform: Uniform(values, Math.Sqrt(3.0 / Fan(fanIn, fanOut, average: true)), ref random); break;
            case Initializer.GlorotNormal: TruncatedNormal(values, Math.Sqrt(1.0 / Fan(fanIn, fanOut, average: true)) / TruncatedNormalCorrection, ref random); break;
            case Initializer.HeUniform: Uniform(values, Math.Sqrt(6.0 / Fan(fanIn, fanOut, average: false)), ref random); break;
            case Initializer.HeNormal: TruncatedNormal(values, Math.Sqrt(2.0 / Fan(fanIn, fanOut, average: false)) / TruncatedNormalCorrection, ref random); break;
            case Initializer.LecunUniform: Uniform(values, Math.Sqrt(3.0 / Fan(fanIn, fanOut, average: false)), ref random); break;
            case Initializer.LecunNormal: TruncatedNormal(values, Math.Sqrt(1.0 / Fan(fanIn, fanOut, average: false)) / TruncatedNormalCorrection, ref random); break;
            case Initializer.Orthogonal: Orthogonal(values, fanIn, OrthogonalColumns(values.Length, fanIn), gain: 1.0, ref random); break;
            default: throw new ArgumentOutOfRangeException(nameof(initializer), initializer, "Unknown initializer.");
        }
    }

    /// <summary>Keras flattens a kernel to <c>[prod(shape[:-1]), shape[-1]]</c> for orthogonal: rows = fan_in for a dense
    /// kernel, a conv2d kernel and an lstm's kernels alike, so the columns are the rest.</summary>
    private static int OrthogonalColumns(int length, int fanIn)
    {
        Check.Positive(fanIn, nameof(fanIn));
        if (length % fanIn != 0)
        {
            throw new ArgumentException($"Orthogonal initializes a matrix: {length} values are not {fanIn} rows (fan_in) of equal length.", nameof(fanIn));
        }

        return length / fanIn;
    }

    /// <summary>Fans of a Dense kernel <c>[inputs, units]</c>.</summary>
    /// <param name="inputs">Input features.</param>
    /// <param name="units">Units.</param>
    /// <returns>(fan_in, fan_out) = (inputs, units).</returns>
    internal static (int FanIn, int FanOut) DenseFans(int inputs, int units) => (inputs, units);

    /// <summary>Fans of a convolution kernel <c>[kh, kw, in, out]</c>: the receptive field times the channels.</summary>
    /// <param name="kernelHeight">Kernel height.</param>
    /// <param name="kernelWidth">Kernel width.</param>
    /// <param name="inputChannels">Input channels.</param>
    /// <param name="filters">Output channels.</param>
    /// <returns>(kh·kw·in, kh·kw·out).</returns>
    internal static (int FanIn, int FanOut) ConvolutionFans(int kernelHeight, int kernelWidth, int inputChannels, int filters) =>
        (kernelHeight * kernelWidth * inputChannels, kernelHeight * kernelWidth * filters);

    /// <summary>U(-limit, limit): <c>-limit + 2·limit·u</c> with u uniform in [0, 1).</summary>
    /// <param name="values">The tensor to fill.</param>
    /// <param name="limit">The half-width.</param>
    /// <param name="random">The generator.</param>
    internal static void Uniform(Span<float> values, double limit, ref ModelRandom random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(-limit + 2 * limit * random.NextDouble());
        }
    }

    /// <summary>Normal with mean 0 and <paramref name="stddev"/>, values beyond 2·stddev redrawn (Keras's TruncatedNormal).</summary>
    /// <param name="values">The tensor to fill.</param>
    /// <param name="stddev">The standard deviation before truncation.</param>
    /// <param name="random">The generator.</param>
    internal static void TruncatedNormal(Span<float> values, double stddev, ref ModelRandom random)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double z;
            do
            {
                z = random.NextNormal();
            }
            while (z < -2 || z > 2);

            values[i] = (float)(z * stddev);
        }
    }

    /// <summary>
    /// Keras's Orthogonal initializer (used for LSTM recurrent kernels): a normal matrix of shape
    /// <c>(max(rows, cols), min(rows, cols))</c> made orthonormal by Gram–Schmidt (QR with a positive diagonal R),
    /// transposed when <c>rows &lt; cols</c>, times <paramref name="gain"/>. Allocates a scratch matrix (init time only).
    /// </summary>
    /// <param name="values">The tensor <c>[rows, cols]</c> to fill (for higher ranks, rows = the product of all but the last dimension).</param>
    /// <param name="rows">Rows.</param>
    /// <param name="cols">Columns (the last dimension).</param>
    /// <param name="gain">Multiplier (Keras default 1).</param>
    /// <param name="random">The generator.</param>
    internal static void Orthogonal(Span<float> values, int rows, int cols, double gain, ref ModelRandom random)
    {
        Check.Positive(rows, nameof(rows));
        Check.Positive(cols, nameof(cols));
        Check.Length(values.Length, rows * cols, nameof(values), $"[{rows}, {cols}]");
        int big = Math.Max(rows, cols), small = Math.Min(rows, cols);
        double[] q = new double[big * small];
        for (int i = 0; i < q.Length; i++)
        {
            q[i] = random.NextNormal();
        }

        for (int j = 0; j < small; j++)
        {
            // Two passes of modified Gram–Schmidt against the previous columns keep Q orthonormal to rounding.
            for (int pass = 0; pass < 2; pass++)
            {
                for (int p = 0; p < j; p++)
                {
                    double dot = 0;
                    for (int i = 0; i < big; i++) dot += q[i * small + p] * q[i * small + j];
                    for (int i = 0; i < big; i++) q[i * small + j] -= dot * q[i * small + p];
                }
            }

            double norm = 0;
            for (int i = 0; i < big; i++) norm += q[i * small + j] * q[i * small + j];
            norm = Math.Sqrt(norm);
            for (int i = 0; i < big; i++) q[i * small + j] /= norm;
        }

        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                double value = rows >= cols ? q[r * small + c] : q[c * small + r];
                values[r * cols + c] = (float)(gain * value);
            }
        }
    }

    private static double Fan(int fanIn, int fanOut, bool average)
    {
        Check.Positive(fanIn, nameof(fanIn));
        Check.Positive(fanOut, nameof(fanOut));
        return average ? (fanIn + fanOut) / 2.0 : fanIn;
    }
}
