using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// Keras's BatchNormalization (axis = last) on <c>[rows, features]</c> spans, for generated code. For Dense outputs
/// rows = batch; for channels-last images rows = batch·height·width and features = channels.
/// </summary>
/// <remarks>
/// <para>Training: <c>mean = E[x]</c>, biased <c>var = E[(x - mean)²]</c> computed in two passes in double (a one-pass
/// <c>E[x²] - E[x]²</c> loses everything when |mean| ≫ std), <c>y = gamma (x - mean) / sqrt(var + eps) + beta</c>, and
/// <c>moving = moving · momentum + stat · (1 - momentum)</c> (Keras's momentum: the weight of the old value).</para>
/// <para>Inference: the moving statistics, nothing updated.</para>
/// <para>Backward (training): <c>dx = gamma/sqrt(var+eps)/N · (N·dy - Σdy - xhat·Σ(dy·xhat))</c>, <c>dgamma = Σ dy·xhat</c>,
/// <c>dbeta = Σ dy</c>; sums over rows, in row order, in double. A batch of one gives <c>y = beta</c> and <c>dx = 0</c>, as in Keras.</para>
/// <para><c>center = false</c>: pass an empty <c>beta</c>/<c>dbeta</c> (beta is 0). <c>scale = false</c>: pass an empty
/// <c>gamma</c>/<c>dgamma</c> (gamma is 1). Per-feature sums use a small stack buffer; nothing is allocated.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class BatchNormalization
{
    /// <summary>Features processed per pass; bounds the stack buffers.</summary>
    private const int Chunk = 128;

    /// <summary>Per-feature mean and biased variance of <c>x[rows, features]</c>, two-pass in double.</summary>
    /// <param name="x">The input, <c>rows × features</c> values.</param>
    /// <param name="rows">Rows (samples, or samples·positions for images); at least 1.</param>
    /// <param name="features">Features (channels).</param>
    /// <param name="mean">Receives the mean per feature.</param>
    /// <param name="variance">Receives the biased variance per feature.</param>
    internal static void Moments(ReadOnlySpan<float> x, int rows, int features, Span<float> mean, Span<float> variance)
    {
        CheckShape(x.Length, rows, features, nameof(x));
        Check.Length(mean.Length, features, nameof(mean), "[features]");
        Check.Length(variance.Length, features, nameof(variance), "[features]");
        Span<double> sum = stackalloc double[Chunk];
        Span<double> mu = stackalloc double[Chunk];
        for (int f0 = 0; f0 < features; f0 += Chunk)
        {
            int count = Math.Min(Chunk, features - f0);
            Span<double> s = sum.Slice(0, count);
            Span<double> m = mu.Slice(0, count);
            s.Clear();
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> xr = x.Slice(r * features + f0, count);
                for (int f = 0; f < xr.Length; f++)
                {
                    s[f] += xr[f];
                }
            }

            for (int f = 0; f < count; f++)
            {
                m[f] = s[f] / rows;
            }

            s.Clear();
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> xr = x.Slice(r * features + f0, count);
                for (int f = 0; f < xr.Length; f++)
                {
                    double d = xr[f] - m[f];
                    s[f] += d * d;
                }
            }

            for (int f = 0; f < count; f++)
            {
                mean[f0 + f] = (float)m[f];
                variance[f0 + f] = (float)(s[f] / rows);
            }
        }
    }

    /// <summary>Training-mode forward pass: normalizes with the batch statistics and updates the moving statistics.</summary>
    /// <param name="x">The input, <c>rows × features</c>.</param>
    /// <param name="y">The output, same shape; may be <paramref name="x"/> itself when <paramref name="xhat"/> is empty or distinct.</param>
    /// <param name="rows">Rows in the batch (batch·H·W for images).</param>
    /// <param name="features">Features (channels).</param>
    /// <param name="gamma">Scale per feature, or empty when <c>scale = false</c>.</param>
    /// <param name="beta">Offset per feature, or empty when <c>center = false</c>.</param>
    /// <param name="epsilon">Keras's epsilon (added to the variance).</param>
    /// <param name="momentum">Keras's momentum (weight of the old moving value, 0.99 by default).</param>
    /// <param name="movingMean">Moving mean per feature, updated in place.</param>
    /// <param name="movingVariance">Moving variance per feature, updated in place (with the biased batch variance).</param>
    /// <param name="batchMean">Receives the batch mean per feature (for the backward pass).</param>
    /// <param name="inverseStd">Receives <c>1 / sqrt(var + epsilon)</c> per feature (for the backward pass).</param>
    /// <param name="xhat">Receives the normalized input <c>(x - mean) · inverseStd</c>, or empty to skip.</param>
    public static void ForwardTraining(
        ReadOnlySpan<float> x, Span<float> y, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, float momentum,
        Span<float> movingMean, Span<float> movingVariance,
        Span<float> batchMean, Span<float> inverseStd, Span<float> xhat) =>
        ForwardTraining(x, y, rows, features, gamma, beta, epsilon, momentum, movingMean, movingVariance, batchMean, inverseStd, xhat, SimdDispatch.Best);

    /// <summary>Inference-mode forward pass: <c>y = gamma (x - movingMean) / sqrt(movingVariance + eps) + beta</c>.</summary>
    /// <param name="x">The input, <c>rows × features</c>.</param>
    /// <param name="y">The output, same shape; may be <paramref name="x"/>.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="features">Features.</param>
    /// <param name="gamma">Scale, or empty when <c>scale = false</c>.</param>
    /// <param name="beta">Offset, or empty when <c>center = false</c>.</param>
    /// <param name="movingMean">Moving mean per feature.</param>
    /// <param name="movingVariance">Moving variance per feature.</param>
    /// <param name="epsilon">Keras's epsilon.</param>
    public static void ForwardInference(
        ReadOnlySpan<float> x, Span<float> y, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon) =>
        ForwardInference(x, y, rows, features, gamma, beta, movingMean, movingVariance, epsilon, SimdDispatch.Best);

    /// <summary>Training-mode backward pass from the saved normalized input.</summary>
    /// <param name="xhat">The normalized input saved by <see cref="ForwardTraining(ReadOnlySpan{float}, Span{float}, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, float, float, Span{float}, Span{float}, Span{float}, Span{float}, Span{float})"/>.</param>
    /// <param name="dy">Upstream gradient dL/dy.</param>
    /// <param name="dx">Receives dL/dx; may be <paramref name="dy"/>.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="features">Features.</param>
    /// <param name="gamma">Scale, or empty when <c>scale = false</c>.</param>
    /// <param name="inverseStd">The saved <c>1 / sqrt(var + epsilon)</c>.</param>
    /// <param name="dgamma">Receives dL/dgamma, or empty to skip (scale = false).</param>
    /// <param name="dbeta">Receives dL/dbeta, or empty to skip (center = false).</param>
    /// <param name="accumulate">Add to <paramref name="dgamma"/> and <paramref name="dbeta"/> instead of overwriting them.</param>
    public static void BackwardTraining(
        ReadOnlySpan<float> xhat, ReadOnlySpan<float> dy, Span<float> dx, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> inverseStd,
        Span<float> dgamma, Span<float> dbeta, bool accumulate) =>
        BackwardTraining<GivenXhat>(xhat, default, dy, dx, rows, features, gamma, inverseStd, dgamma, dbeta, accumulate, SimdDispatch.Best);

    /// <summary>Training-mode backward pass from the input and the saved statistics (xhat recomputed on the fly).</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="batchMean">The saved batch mean.</param>
    /// <param name="dy">Upstream gradient dL/dy.</param>
    /// <param name="dx">Receives dL/dx; may be <paramref name="dy"/>.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="features">Features.</param>
    /// <param name="gamma">Scale, or empty when <c>scale = false</c>.</param>
    /// <param name="inverseStd">The saved <c>1 / sqrt(var + epsilon)</c>.</param>
    /// <param name="dgamma">Receives dL/dgamma, or empty to skip.</param>
    /// <param name="dbeta">Receives dL/dbeta, or empty to skip.</param>
    /// <param name="accumulate">Add to <paramref name="dgamma"/> and <paramref name="dbeta"/> instead of overwriting them.</param>
    internal static void BackwardTrainingFromInput(
        ReadOnlySpan<float> x, ReadOnlySpan<float> batchMean, ReadOnlySpan<float> dy, Span<float> dx, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> inverseStd,
        Span<float> dgamma, Span<float> dbeta, bool accumulate)
    {
        Check.Length(batchMean.Length, features, nameof(batchMean), "[features]");
        BackwardTraining<FromInput>(x, batchMean, dy, dx, rows, features, gamma, inverseStd, dgamma, dbeta, accumulate, SimdDispatch.Best);
    }

    /// <summary>Inference-mode backward pass (moving statistics are constants): <c>dx = dy · gamma / sqrt(movingVariance + eps)</c>.</summary>
    /// <param name="x">The forward input.</param>
    /// <param name="dy">Upstream gradient.</param>
    /// <param name="dx">Receives dL/dx; may be <paramref name="dy"/>.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="features">Features.</param>
    /// <param name="gamma">Scale, or empty when <c>scale = false</c>.</param>
    /// <param name="movingMean">Moving mean.</param>
    /// <param name="movingVariance">Moving variance.</param>
    /// <param name="epsilon">Keras's epsilon.</param>
    /// <param name="dgamma">Receives <c>Σ dy · (x - movingMean) / sqrt(movingVariance + eps)</c>, or empty to skip.</param>
    /// <param name="dbeta">Receives <c>Σ dy</c>, or empty to skip.</param>
    /// <param name="accumulate">Add to <paramref name="dgamma"/> and <paramref name="dbeta"/> instead of overwriting them.</param>
    internal static void BackwardInference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon,
        Span<float> dgamma, Span<float> dbeta, bool accumulate) =>
        BackwardInference(x, dy, dx, rows, features, gamma, movingMean, movingVariance, epsilon, dgamma, dbeta, accumulate, SimdDispatch.Best);

    internal static void ForwardTraining(
        ReadOnlySpan<float> x, Span<float> y, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, float epsilon, float momentum,
        Span<float> movingMean, Span<float> movingVariance,
        Span<float> batchMean, Span<float> inverseStd, Span<float> xhat, SimdWidth width)
    {
        CheckShape(x.Length, rows, features, nameof(x));
        Check.Length(y.Length, x.Length, nameof(y), "[rows, features]");
        Check.LengthOrEmpty(xhat.Length, x.Length, nameof(xhat), "[rows, features]");
        CheckParameters(features, gamma, beta);
        Check.Length(movingMean.Length, features, nameof(movingMean), "[features]");
        Check.Length(movingVariance.Length, features, nameof(movingVariance), "[features]");

        // The variance goes through inverseStd's storage before being turned into 1/sqrt(var + eps).
        Moments(x, rows, features, batchMean, inverseStd);
        float keep = 1f - momentum;
        for (int f = 0; f < features; f++)
        {
            float variance = inverseStd[f];
            movingMean[f] = movingMean[f] * momentum + batchMean[f] * keep;
            movingVariance[f] = movingVariance[f] * momentum + variance * keep;
            inverseStd[f] = (float)(1.0 / Math.Sqrt((double)variance + epsilon));
        }

        Normalize(x, y, xhat, rows, features, gamma, beta, batchMean, inverseStd, width);
    }

    internal static void ForwardInference(
        ReadOnlySpan<float> x, Span<float> y, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon, SimdWidth width)
    {
        CheckShape(x.Length, rows, features, nameof(x));
        Check.Length(y.Length, x.Length, nameof(y), "[rows, features]");
        CheckParameters(features, gamma, beta);
        Check.Length(movingMean.Length, features, nameof(movingMean), "[features]");
        Check.Length(movingVariance.Length, features, nameof(movingVariance), "[features]");

        Span<float> inv = stackalloc float[Chunk];
        for (int f0 = 0; f0 < features; f0 += Chunk)
        {
            int count = Math.Min(Chunk, features - f0);
            InverseStd(movingVariance.Slice(f0, count), epsilon, inv);
            Normalize(x, y, default, rows, features, f0, count,
                gamma.IsEmpty ? gamma : gamma.Slice(f0, count), beta.IsEmpty ? beta : beta.Slice(f0, count),
                movingMean.Slice(f0, count), inv.Slice(0, count), width);
        }
    }

    internal static void BackwardTraining<TSource>(
        ReadOnlySpan<float> source, ReadOnlySpan<float> mean, ReadOnlySpan<float> dy, Span<float> dx, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> inverseStd,
        Span<float> dgamma, Span<float> dbeta, bool accumulate, SimdWidth width)
        where TSource : struct, IXhatSource
    {
        CheckShape(source.Length, rows, features, TSource.IsInput ? "x" : "xhat");
        Check.Length(dy.Length, source.Length, nameof(dy), "[rows, features]");
        Check.Length(dx.Length, source.Length, nameof(dx), "[rows, features]");
        Check.LengthOrEmpty(gamma.Length, features, nameof(gamma), "[features]");
        Check.Length(inverseStd.Length, features, nameof(inverseStd), "[features]");
        Check.LengthOrEmpty(dgamma.Length, features, nameof(dgamma), "[features]");
        Check.LengthOrEmpty(dbeta.Length, features, nameof(dbeta), "[features]");

        Span<double> sumDy = stackalloc double[Chunk];
        Span<double> sumDyXhat = stackalloc double[Chunk];
        Span<float> k = stackalloc float[Chunk];
        Span<float> meanDy = stackalloc float[Chunk];
        Span<float> meanDyXhat = stackalloc float[Chunk];
        for (int f0 = 0; f0 < features; f0 += Chunk)
        {
            int count = Math.Min(Chunk, features - f0);
            ReadOnlySpan<float> inv = inverseStd.Slice(f0, count);
            ReadOnlySpan<float> mu = TSource.IsInput ? mean.Slice(f0, count) : default;
            Span<double> sdy = sumDy.Slice(0, count), sdyx = sumDyXhat.Slice(0, count);
            sdy.Clear();
            sdyx.Clear();
            for (int r = 0; r < rows; r++)
            {
                int o = r * features + f0;
                ReadOnlySpan<float> sr = source.Slice(o, count), dyr = dy.Slice(o, count);
                for (int f = 0; f < count; f++)
                {
                    float xh = TSource.IsInput ? (sr[f] - mu[f]) * inv[f] : sr[f];
                    sdy[f] += dyr[f];
                    sdyx[f] += (double)dyr[f] * xh;
                }
            }

            for (int f = 0; f < count; f++)
            {
                k[f] = (gamma.IsEmpty ? 1f : gamma[f0 + f]) * inv[f];
                meanDy[f] = (float)(sdy[f] / rows);
                meanDyXhat[f] = (float)(sdyx[f] / rows);
                if (!dgamma.IsEmpty) dgamma[f0 + f] = (float)(accumulate ? dgamma[f0 + f] + sdyx[f] : sdyx[f]);
                if (!dbeta.IsEmpty) dbeta[f0 + f] = (float)(accumulate ? dbeta[f0 + f] + sdy[f] : sdy[f]);
            }

            var p = new BackwardRow(f0, count, mu, inv, k.Slice(0, count), meanDy.Slice(0, count), meanDyXhat.Slice(0, count));
            for (int r = 0; r < rows; r++)
            {
                int o = r * features + f0;
                BackwardRowCascade<TSource>(source.Slice(o, count), dy.Slice(o, count), dx.Slice(o, count), p, width);
            }
        }
    }

    internal static void BackwardInference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> movingMean, ReadOnlySpan<float> movingVariance, float epsilon,
        Span<float> dgamma, Span<float> dbeta, bool accumulate, SimdWidth width)
    {
        CheckShape(x.Length, rows, features, nameof(x));
        Check.Length(dy.Length, x.Length, nameof(dy), "[rows, features]");
        Check.Length(dx.Length, x.Length, nameof(dx), "[rows, features]");
        Check.LengthOrEmpty(gamma.Length, features, nameof(gamma), "[features]");
        Check.Length(movingMean.Length, features, nameof(movingMean), "[features]");
        Check.Length(movingVariance.Length, features, nameof(movingVariance), "[features]");
        Check.LengthOrEmpty(dgamma.Length, features, nameof(dgamma), "[features]");
        Check.LengthOrEmpty(dbeta.Length, features, nameof(dbeta), "[features]");

        Span<float> inv = stackalloc float[Chunk];
        Span<float> k = stackalloc float[Chunk];
        Span<double> sdy = stackalloc double[Chunk];
        Span<double> sdyx = stackalloc double[Chunk];
        for (int f0 = 0; f0 < features; f0 += Chunk)
        {
            int count = Math.Min(Chunk, features - f0);
            InverseStd(movingVariance.Slice(f0, count), epsilon, inv);
            ReadOnlySpan<float> mu = movingMean.Slice(f0, count);
            for (int f = 0; f < count; f++)
            {
                k[f] = (gamma.IsEmpty ? 1f : gamma[f0 + f]) * inv[f];
                sdy[f] = 0;
                sdyx[f] = 0;
            }

            for (int r = 0; r < rows; r++)
            {
                int o = r * features + f0;
                ReadOnlySpan<float> xr = x.Slice(o, count), dyr = dy.Slice(o, count);
                for (int f = 0; f < count; f++)
                {
                    sdy[f] += dyr[f];
                    sdyx[f] += (double)dyr[f] * ((xr[f] - mu[f]) * inv[f]);
                }

                Elementwise.Map(default(MultiplyOperator), dyr, k.Slice(0, count), dx.Slice(o, count), width);
            }

            for (int f = 0; f < count; f++)
            {
                if (!dgamma.IsEmpty) dgamma[f0 + f] = (float)(accumulate ? dgamma[f0 + f] + sdyx[f] : sdyx[f]);
                if (!dbeta.IsEmpty) dbeta[f0 + f] = (float)(accumulate ? dbeta[f0 + f] + sdy[f] : sdy[f]);
            }
        }
    }

    private static void CheckShape(int length, int rows, int features, string name)
    {
        Check.Positive(rows, nameof(rows));
        Check.Positive(features, nameof(features));
        if (length != rows * features)
        {
            Check.Length(length, rows * features, name, $"[rows, features] = [{rows}, {features}]");
        }
    }

    private static void CheckParameters(int features, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta)
    {
        Check.LengthOrEmpty(gamma.Length, features, nameof(gamma), "[features]");
        Check.LengthOrEmpty(beta.Length, features, nameof(beta), "[features]");
    }

    private static void InverseStd(ReadOnlySpan<float> variance, float epsilon, Span<float> inverseStd)
    {
        for (int f = 0; f < variance.Length; f++)
        {
            inverseStd[f] = (float)(1.0 / Math.Sqrt((double)variance[f] + epsilon));
        }
    }

    private static void Normalize(
        ReadOnlySpan<float> x, Span<float> y, Span<float> xhat, int rows, int features,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd, SimdWidth width)
    {
        for (int f0 = 0; f0 < features; f0 += Chunk)
        {
            int count = Math.Min(Chunk, features - f0);
            Normalize(x, y, xhat, rows, features, f0, count,
                gamma.IsEmpty ? gamma : gamma.Slice(f0, count), beta.IsEmpty ? beta : beta.Slice(f0, count),
                mean.Slice(f0, count), inverseStd.Slice(f0, count), width);
        }
    }

    /// <summary>Features <c>[f0, f0 + count)</c> of every row: <c>xhat = (x - mean) · inv</c>, <c>y = (x - mean) · (gamma · inv) + beta</c>.</summary>
    private static void Normalize(
        ReadOnlySpan<float> x, Span<float> y, Span<float> xhat, int rows, int features, int f0, int count,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd, SimdWidth width)
    {
        Span<float> scale = stackalloc float[count];
        Span<float> shift = stackalloc float[count];
        for (int f = 0; f < count; f++)
        {
            scale[f] = (gamma.IsEmpty ? 1f : gamma[f]) * inverseStd[f];
            shift[f] = beta.IsEmpty ? 0f : beta[f];
        }

        var p = new NormalizeRow(mean, inverseStd, scale, shift);
        for (int r = 0; r < rows; r++)
        {
            int o = r * features + f0;
            Span<float> xh = xhat.IsEmpty ? default : xhat.Slice(o, count);
            int f = 0;
            if (width >= SimdWidth.V512) f = NormalizeBody<Vector512<float>, Vector512Ops>(x.Slice(o, count), y.Slice(o, count), xh, p, f);
            if (width >= SimdWidth.V256) f = NormalizeBody<Vector256<float>, Vector256Ops>(x.Slice(o, count), y.Slice(o, count), xh, p, f);
            if (width >= SimdWidth.V128) f = NormalizeBody<Vector128<float>, Vector128Ops>(x.Slice(o, count), y.Slice(o, count), xh, p, f);
            NormalizeBody<float, ScalarOps>(x.Slice(o, count), y.Slice(o, count), xh, p, f);
        }
    }

    private readonly ref struct NormalizeRow(ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> scale, ReadOnlySpan<float> shift)
    {
        public readonly ReadOnlySpan<float> Mean = mean, InverseStd = inverseStd, Scale = scale, Shift = shift;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int NormalizeBody<TVec, TOps>(ReadOnlySpan<float> x, Span<float> y, Span<float> xhat, in NormalizeRow p, int f)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int last = x.Length - TOps.Count;
        for (; f <= last; f += TOps.Count)
        {
            TVec centered = TOps.Subtract(TOps.Load(x, f), TOps.Load(p.Mean, f));
            if (!xhat.IsEmpty)
            {
                TOps.Store(TOps.Multiply(centered, TOps.Load(p.InverseStd, f)), xhat, f);
            }

            TOps.Store(TOps.MultiplyAdd(centered, TOps.Load(p.Scale, f), TOps.Load(p.Shift, f)), y, f);
        }

        return f;
    }

    /// <summary>Where the backward pass gets xhat from: the saved xhat itself, or <c>(x - mean) · inverseStd</c>.</summary>
    internal interface IXhatSource
    {
        /// <summary>Whether the source is the input x (else it is xhat).</summary>
        static abstract bool IsInput { get; }
    }

    internal readonly struct GivenXhat : IXhatSource
    {
        public static bool IsInput => false;
    }

    internal readonly struct FromInput : IXhatSource
    {
        public static bool IsInput => true;
    }

    private readonly ref struct BackwardRow(int f0, int count, ReadOnlySpan<float> mean, ReadOnlySpan<float> inverseStd, ReadOnlySpan<float> k, ReadOnlySpan<float> meanDy, ReadOnlySpan<float> meanDyXhat)
    {
        public readonly int F0 = f0, Count = count;
        public readonly ReadOnlySpan<float> Mean = mean, InverseStd = inverseStd, K = k, MeanDy = meanDy, MeanDyXhat = meanDyXhat;
    }

    private static void BackwardRowCascade<TSource>(ReadOnlySpan<float> source, ReadOnlySpan<float> dy, Span<float> dx, in BackwardRow p, SimdWidth width)
        where TSource : struct, IXhatSource
    {
        int f = 0;
        if (width >= SimdWidth.V512) f = BackwardBody<TSource, Vector512<float>, Vector512Ops>(source, dy, dx, p, f);
        if (width >= SimdWidth.V256) f = BackwardBody<TSource, Vector256<float>, Vector256Ops>(source, dy, dx, p, f);
        if (width >= SimdWidth.V128) f = BackwardBody<TSource, Vector128<float>, Vector128Ops>(source, dy, dx, p, f);
        BackwardBody<TSource, float, ScalarOps>(source, dy, dx, p, f);
    }

    /// <summary><c>dx = k · (dy - mean(dy) - xhat · mean(dy·xhat))</c> with <c>k = gamma · inverseStd</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BackwardBody<TSource, TVec, TOps>(ReadOnlySpan<float> source, ReadOnlySpan<float> dy, Span<float> dx, in BackwardRow p, int f)
        where TSource : struct, IXhatSource
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int last = source.Length - TOps.Count;
        for (; f <= last; f += TOps.Count)
        {
            TVec xh = TOps.Load(source, f);
            if (TSource.IsInput)
            {
                xh = TOps.Multiply(TOps.Subtract(xh, TOps.Load(p.Mean, f)), TOps.Load(p.InverseStd, f));
            }

            TVec centered = TOps.Subtract(TOps.Load(dy, f), TOps.Load(p.MeanDy, f));
            TVec inner = TOps.Subtract(centered, TOps.Multiply(xh, TOps.Load(p.MeanDyXhat, f)));
            TOps.Store(TOps.Multiply(TOps.Load(p.K, f), inner), dx, f);
        }

        return f;
    }
}
