using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// Keras's pooling layers on channels-last images, for generated code: each output is the maximum (max_pooling2d) or
/// the mean (average_pooling2d) of its window per channel. A sequence <c>[timesteps, features]</c> is a
/// <c>timesteps x 1</c> image of <c>features</c> channels (max_pooling1d, average_pooling1d), and a global pool is one
/// "valid" window over the whole input. With <c>"same"</c> padding the padded positions are ignored (TensorFlow pads
/// max pooling with -∞ and averages over the inside positions only), so a window at the border pools the values it
/// covers. The max backward pass sends each output's gradient to the first position of its window (in row-major
/// window order) that holds the maximum, as TensorFlow's MaxPoolGrad does; the average one spreads it evenly over the
/// window's inside positions; overlapping windows (strides smaller than the pool) add up.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Pooling
{
    /// <summary><c>y[b, oy, ox, c] = max</c> over the window's inside positions of <c>x[b, iy, ix, c]</c>.</summary>
    /// <param name="x">Images <c>[rows, height, width, channels]</c>.</param>
    /// <param name="y">Receives <c>[rows, outputHeight, outputWidth, channels]</c>.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="window">The pool's geometry.</param>
    public static void MaxForward(ReadOnlySpan<float> x, Span<float> y, int rows, in Window2D window) =>
        MaxForward(x, y, rows, window, SimdDispatch.Best);

    internal static void MaxForward(ReadOnlySpan<float> x, Span<float> y, int rows, in Window2D window, SimdWidth simd)
    {
        int channels = window.Channels, width = window.Width;
        Check.Length(x.Length, rows * window.InputSize, nameof(x), "[rows, height, width, channels]");
        Check.Length(y.Length, rows * window.Positions * channels, nameof(y), "[rows, outputHeight, outputWidth, channels]");
        int position = 0;
        for (int b = 0; b < rows; b++)
        {
            ReadOnlySpan<float> image = x.Slice(b * window.InputSize, window.InputSize);
            for (int oy = 0; oy < window.OutputHeight; oy++)
            {
                int iy0 = oy * window.StrideHeight - window.PadTop;
                (int ky0, int ky1) = Window2D.Inside(iy0, window.WindowHeight, window.Height);
                for (int ox = 0; ox < window.OutputWidth; ox++, position++)
                {
                    int ix0 = ox * window.StrideWidth - window.PadLeft;
                    (int kx0, int kx1) = Window2D.Inside(ix0, window.WindowWidth, width);
                    Span<float> output = y.Slice(position * channels, channels);
                    bool first = true;
                    for (int iy = iy0 + ky0; iy < iy0 + ky1; iy++)
                    {
                        for (int ix = ix0 + kx0; ix < ix0 + kx1; ix++)
                        {
                            ReadOnlySpan<float> values = image.Slice((iy * width + ix) * channels, channels);
                            if (first)
                            {
                                values.CopyTo(output);
                                first = false;
                                continue;
                            }

                            int c = 0;
                            if (simd >= SimdWidth.V512) c = MaxBody<Vector512<float>, Vector512Ops>(values, output, c);
                            if (simd >= SimdWidth.V256) c = MaxBody<Vector256<float>, Vector256Ops>(values, output, c);
                            if (simd >= SimdWidth.V128) c = MaxBody<Vector128<float>, Vector128Ops>(values, output, c);
                            MaxBody<float, ScalarOps>(values, output, c);
                        }
                    }
                }
            }
        }
    }

    /// <summary>Backward of <see cref="MaxForward(ReadOnlySpan{float}, Span{float}, int, in Window2D)"/>: each
    /// <c>dy</c> goes to the first position of its window whose input equals the output. Overwrites <paramref name="dx"/>.</summary>
    /// <param name="x">The forward pass's input.</param>
    /// <param name="y">The forward pass's output.</param>
    /// <param name="dy">dL/dy.</param>
    /// <param name="dx">Receives dL/dx.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="window">The pool's geometry.</param>
    public static void MaxBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, in Window2D window)
    {
        int channels = window.Channels, width = window.Width;
        Check.Length(x.Length, rows * window.InputSize, nameof(x), "[rows, height, width, channels]");
        Check.Length(dx.Length, rows * window.InputSize, nameof(dx), "[rows, height, width, channels]");
        Check.Length(y.Length, rows * window.Positions * channels, nameof(y), "[rows, outputHeight, outputWidth, channels]");
        Check.Length(dy.Length, rows * window.Positions * channels, nameof(dy), "[rows, outputHeight, outputWidth, channels]");
        dx.Clear();
        int position = 0;
        for (int b = 0; b < rows; b++)
        {
            int imageStart = b * window.InputSize;
            ReadOnlySpan<float> image = x.Slice(imageStart, window.InputSize);
            Span<float> imageGradient = dx.Slice(imageStart, window.InputSize);
            for (int oy = 0; oy < window.OutputHeight; oy++)
            {
                int iy0 = oy * window.StrideHeight - window.PadTop;
                (int ky0, int ky1) = Window2D.Inside(iy0, window.WindowHeight, window.Height);
                for (int ox = 0; ox < window.OutputWidth; ox++, position++)
                {
                    int ix0 = ox * window.StrideWidth - window.PadLeft;
                    (int kx0, int kx1) = Window2D.Inside(ix0, window.WindowWidth, width);
                    int output = position * channels;
                    for (int c = 0; c < channels; c++)
                    {
                        float max = y[output + c];
                        int at = FirstMax(image, max, c, channels, width, iy0 + ky0, iy0 + ky1, ix0 + kx0, ix0 + kx1);
                        if (at >= 0)
                        {
                            imageGradient[at] += dy[output + c];
                        }
                    }
                }
            }
        }
    }

    /// <summary><c>y[b, oy, ox, c] =</c> the mean over the window's inside positions of <c>x[b, iy, ix, c]</c>: Keras's
    /// average_pooling2d (and, through a <c>T x 1</c> window, average_pooling1d; over the whole input, the global
    /// averages). With <c>"same"</c> padding the padded positions are not counted, as in TensorFlow.</summary>
    /// <param name="x">Images <c>[rows, height, width, channels]</c>.</param>
    /// <param name="y">Receives <c>[rows, outputHeight, outputWidth, channels]</c>.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="window">The pool's geometry.</param>
    public static void AverageForward(ReadOnlySpan<float> x, Span<float> y, int rows, in Window2D window) =>
        AverageForward(x, y, rows, window, SimdDispatch.Best);

    internal static void AverageForward(ReadOnlySpan<float> x, Span<float> y, int rows, in Window2D window, SimdWidth simd)
    {
        int channels = window.Channels, width = window.Width;
        Check.Length(x.Length, rows * window.InputSize, nameof(x), "[rows, height, width, channels]");
        Check.Length(y.Length, rows * window.Positions * channels, nameof(y), "[rows, outputHeight, outputWidth, channels]");
        int position = 0;
        for (int b = 0; b < rows; b++)
        {
            ReadOnlySpan<float> image = x.Slice(b * window.InputSize, window.InputSize);
            for (int oy = 0; oy < window.OutputHeight; oy++)
            {
                int iy0 = oy * window.StrideHeight - window.PadTop;
                (int ky0, int ky1) = Window2D.Inside(iy0, window.WindowHeight, window.Height);
                for (int ox = 0; ox < window.OutputWidth; ox++, position++)
                {
                    int ix0 = ox * window.StrideWidth - window.PadLeft;
                    (int kx0, int kx1) = Window2D.Inside(ix0, window.WindowWidth, width);
                    Span<float> output = y.Slice(position * channels, channels);
                    output.Clear();

                    // The sum in row-major window order, then one division by the count (TensorFlow's order).
                    for (int iy = iy0 + ky0; iy < iy0 + ky1; iy++)
                    {
                        for (int ix = ix0 + kx0; ix < ix0 + kx1; ix++)
                        {
                            ReadOnlySpan<float> values = image.Slice((iy * width + ix) * channels, channels);
                            int c = 0;
                            if (simd >= SimdWidth.V512) c = AddBody<Vector512<float>, Vector512Ops>(values, output, c);
                            if (simd >= SimdWidth.V256) c = AddBody<Vector256<float>, Vector256Ops>(values, output, c);
                            if (simd >= SimdWidth.V128) c = AddBody<Vector128<float>, Vector128Ops>(values, output, c);
                            AddBody<float, ScalarOps>(values, output, c);
                        }
                    }

                    float count = (ky1 - ky0) * (kx1 - kx0);
                    int k = 0;
                    if (simd >= SimdWidth.V512) k = DivideBody<Vector512<float>, Vector512Ops>(output, count, k);
                    if (simd >= SimdWidth.V256) k = DivideBody<Vector256<float>, Vector256Ops>(output, count, k);
                    if (simd >= SimdWidth.V128) k = DivideBody<Vector128<float>, Vector128Ops>(output, count, k);
                    DivideBody<float, ScalarOps>(output, count, k);
                }
            }
        }
    }

    /// <summary>Backward of <see cref="AverageForward(ReadOnlySpan{float}, Span{float}, int, in Window2D)"/>: each
    /// <c>dy</c>, divided by its window's count of inside positions, goes to every one of them; overlapping windows add
    /// up. Overwrites <paramref name="dx"/>.</summary>
    /// <param name="dy">dL/dy, <c>[rows, outputHeight, outputWidth, channels]</c>.</param>
    /// <param name="dx">Receives dL/dx, <c>[rows, height, width, channels]</c>.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="window">The pool's geometry.</param>
    public static void AverageBackward(ReadOnlySpan<float> dy, Span<float> dx, int rows, in Window2D window) =>
        AverageBackward(dy, dx, rows, window, SimdDispatch.Best);

    internal static void AverageBackward(ReadOnlySpan<float> dy, Span<float> dx, int rows, in Window2D window, SimdWidth simd)
    {
        int channels = window.Channels, width = window.Width;
        Check.Length(dx.Length, rows * window.InputSize, nameof(dx), "[rows, height, width, channels]");
        Check.Length(dy.Length, rows * window.Positions * channels, nameof(dy), "[rows, outputHeight, outputWidth, channels]");
        dx.Clear();
        int position = 0;
        for (int b = 0; b < rows; b++)
        {
            Span<float> imageGradient = dx.Slice(b * window.InputSize, window.InputSize);
            for (int oy = 0; oy < window.OutputHeight; oy++)
            {
                int iy0 = oy * window.StrideHeight - window.PadTop;
                (int ky0, int ky1) = Window2D.Inside(iy0, window.WindowHeight, window.Height);
                for (int ox = 0; ox < window.OutputWidth; ox++, position++)
                {
                    int ix0 = ox * window.StrideWidth - window.PadLeft;
                    (int kx0, int kx1) = Window2D.Inside(ix0, window.WindowWidth, width);
                    ReadOnlySpan<float> gradient = dy.Slice(position * channels, channels);
                    float count = (ky1 - ky0) * (kx1 - kx0);
                    for (int iy = iy0 + ky0; iy < iy0 + ky1; iy++)
                    {
                        for (int ix = ix0 + kx0; ix < ix0 + kx1; ix++)
                        {
                            Span<float> target = imageGradient.Slice((iy * width + ix) * channels, channels);
                            int c = 0;
                            if (simd >= SimdWidth.V512) c = AddQuotientBody<Vector512<float>, Vector512Ops>(gradient, count, target, c);
                            if (simd >= SimdWidth.V256) c = AddQuotientBody<Vector256<float>, Vector256Ops>(gradient, count, target, c);
                            if (simd >= SimdWidth.V128) c = AddQuotientBody<Vector128<float>, Vector128Ops>(gradient, count, target, c);
                            AddQuotientBody<float, ScalarOps>(gradient, count, target, c);
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AddBody<TVec, TOps>(ReadOnlySpan<float> values, Span<float> output, int c)
        where TVec : struct where TOps : ISimdOps<TVec>
    {
        for (; c <= values.Length - TOps.Count; c += TOps.Count)
        {
            TOps.Store(TOps.Add(TOps.Load(output, c), TOps.Load(values, c)), output, c);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int DivideBody<TVec, TOps>(Span<float> output, float divisor, int c)
        where TVec : struct where TOps : ISimdOps<TVec>
    {
        TVec d = TOps.Create(divisor);
        for (; c <= output.Length - TOps.Count; c += TOps.Count)
        {
            TOps.Store(TOps.Divide(TOps.Load(output, c), d), output, c);
        }

        return c;
    }

    /// <summary><c>target += gradient / divisor</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AddQuotientBody<TVec, TOps>(ReadOnlySpan<float> gradient, float divisor, Span<float> target, int c)
        where TVec : struct where TOps : ISimdOps<TVec>
    {
        TVec d = TOps.Create(divisor);
        for (; c <= gradient.Length - TOps.Count; c += TOps.Count)
        {
            TOps.Store(TOps.Add(TOps.Load(target, c), TOps.Divide(TOps.Load(gradient, c), d)), target, c);
        }

        return c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstMax(ReadOnlySpan<float> image, float max, int c, int channels, int width, int iyStart, int iyEnd, int ixStart, int ixEnd)
    {
        for (int iy = iyStart; iy < iyEnd; iy++)
        {
            for (int ix = ixStart; ix < ixEnd; ix++)
            {
                int index = (iy * width + ix) * channels + c;
                if (image[index] == max)
                {
                    return index;
                }
            }
        }

        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int MaxBody<TVec, TOps>(ReadOnlySpan<float> values, Span<float> output, int c)
        where TVec : struct where TOps : ISimdOps<TVec>
    {
        for (; c <= values.Length - TOps.Count; c += TOps.Count)
        {
            TOps.Store(TOps.Max(TOps.Load(output, c), TOps.Load(values, c)), output, c);
        }

        return c;
    }
}
