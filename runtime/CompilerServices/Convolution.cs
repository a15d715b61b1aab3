using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// Keras's conv2d on channels-last images as im2col + GEMM, for generated code. <see cref="Im2Col"/> lays every window
/// of the input out as one row of <c>[rows · positions, windowHeight · windowWidth · channels]</c>, in the order
/// <c>(ky, kx, c)</c> of Keras's kernel <c>[kh, kw, in, out]</c> read as a <c>[kh · kw · in, out]</c> matrix, so that the
/// convolution is a Dense layer on that matrix: <c>z = columns · kernel + bias</c> is <c>[rows · positions, filters]</c>,
/// which is the channels-last output itself. Every Dense kernel then applies unchanged: the fused BatchNormalization
/// of <see cref="FusedDense"/> with rows = batch · output height · output width normalizes over channels (SPEC §4).
/// Backward: the kernel gradient is <c>columnsᵀ · dz</c>, the columns' gradient <c>dz · kernelᵀ</c>, and
/// <c>Col2Im</c> adds each column back onto the input position it came from.
/// Padding positions are zeros (Keras pads convolutions with zeros); padded windows are laid out with zeros.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Convolution
{
    /// <summary>Lays out every window of <paramref name="x"/> as a row of <paramref name="columns"/> (zeros for padding).</summary>
    /// <param name="x">Images <c>[rows, height, width, channels]</c>.</param>
    /// <param name="columns">Receives <c>[rows · positions, windowHeight · windowWidth · channels]</c>.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="window">The window's geometry.</param>
    public static void Im2Col(ReadOnlySpan<float> x, Span<float> columns, int rows, in Window2D window)
    {
        int patch = window.PatchSize, channels = window.Channels;
        Check.Length(x.Length, rows * window.InputSize, nameof(x), "[rows, height, width, channels]");
        Check.Length(columns.Length, rows * window.Positions * patch, nameof(columns), "[rows · positions, patch]");
        int height = window.Height, width = window.Width, kh = window.WindowHeight, kw = window.WindowWidth;
        int row = 0;
        for (int b = 0; b < rows; b++)
        {
            ReadOnlySpan<float> image = x.Slice(b * window.InputSize, window.InputSize);
            for (int oy = 0; oy < window.OutputHeight; oy++)
            {
                int iy0 = oy * window.StrideHeight - window.PadTop;
                (int ky0, int ky1) = Window2D.Inside(iy0, kh, height);
                for (int ox = 0; ox < window.OutputWidth; ox++, row++)
                {
                    int ix0 = ox * window.StrideWidth - window.PadLeft;
                    (int kx0, int kx1) = Window2D.Inside(ix0, kw, width);
                    Span<float> destination = columns.Slice(row * patch, patch);
                    if (ky0 > 0 || ky1 < kh || kx0 > 0 || kx1 < kw)
                    {
                        destination.Clear();
                    }

                    // Within one window row the positions kx0..kx1 are adjacent in the image: one copy per row.
                    int run = (kx1 - kx0) * channels;
                    for (int ky = ky0; ky < ky1 && run > 0; ky++)
                    {
                        image.Slice(((iy0 + ky) * width + ix0 + kx0) * channels, run).CopyTo(destination.Slice((ky * kw + kx0) * channels, run));
                    }
                }
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: <c>dx</c> = the sum, over every window, of its column values added onto
    /// the input positions they were read from (padding positions are dropped). Overwrites <paramref name="dx"/>.</summary>
    /// <param name="columns">The gradient of the columns, <c>[rows · positions, patch]</c>.</param>
    /// <param name="dx">Receives the gradient of the images, <c>[rows, height, width, channels]</c>.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="window">The window's geometry.</param>
    public static void Col2Im(ReadOnlySpan<float> columns, Span<float> dx, int rows, in Window2D window) =>
        Col2Im(columns, dx, rows, window, SimdDispatch.Best);

    internal static void Col2Im(ReadOnlySpan<float> columns, Span<float> dx, int rows, in Window2D window, SimdWidth simd)
    {
        int patch = window.PatchSize, channels = window.Channels;
        Check.Length(dx.Length, rows * window.InputSize, nameof(dx), "[rows, height, width, channels]");
        Check.Length(columns.Length, rows * window.Positions * patch, nameof(columns), "[rows · positions, patch]");
        int height = window.Height, width = window.Width, kh = window.WindowHeight, kw = window.WindowWidth;
        dx.Clear();
        int row = 0;
        for (int b = 0; b < rows; b++)
        {
            Span<float> image = dx.Slice(b * window.InputSize, window.InputSize);
            for (int oy = 0; oy < window.OutputHeight; oy++)
            {
                int iy0 = oy * window.StrideHeight - window.PadTop;
                (int ky0, int ky1) = Window2D.Inside(iy0, kh, height);
                for (int ox = 0; ox < window.OutputWidth; ox++, row++)
                {
                    int ix0 = ox * window.StrideWidth - window.PadLeft;
                    (int kx0, int kx1) = Window2D.Inside(ix0, kw, width);
                    ReadOnlySpan<float> source = columns.Slice(row * patch, patch);
                    int run = (kx1 - kx0) * channels;
                    for (int ky = ky0; ky < ky1 && run > 0; ky++)
                    {
                        AddTo(source.Slice((ky * kw + kx0) * channels, run), image.Slice(((iy0 + ky) * width + ix0 + kx0) * channels, run), simd);
                    }
                }
            }
        }
    }

    /// <summary>
    /// A direct convolution <c>y = conv(x, kernel)</c> without the columns (no bias, no activation): per output position,
    /// the sum over the window's inside positions of <c>x[iy, ix, :] · kernel[ky, kx, :, :]</c>, vectorized over the
    /// filters. Kept as the alternative to <see cref="Im2Col"/> + GEMM that the benchmark harness compares.
    /// </summary>
    internal static void DirectForward(ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, Span<float> y, int rows, in Window2D window, int filters)
    {
        int channels = window.Channels, width = window.Width, kw = window.WindowWidth;
        Check.Length(x.Length, rows * window.InputSize, nameof(x), "[rows, height, width, channels]");
        Check.Length(kernel.Length, window.PatchSize * filters, nameof(kernel), "[kh, kw, in, out]");
        Check.Length(y.Length, rows * window.Positions * filters, nameof(y), "[rows, outH, outW, filters]");
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
                    (int kx0, int kx1) = Window2D.Inside(ix0, kw, width);
                    Span<float> output = y.Slice(position * filters, filters);
                    output.Clear();
                    for (int ky = ky0; ky < ky1; ky++)
                    {
                        int run = (kx1 - kx0) * channels;
                        ReadOnlySpan<float> inputs = image.Slice(((iy0 + ky) * width + ix0 + kx0) * channels, run);
                        ReadOnlySpan<float> weights = kernel.Slice((ky * kw + kx0) * channels * filters, run * filters);
                        for (int i = 0; i < run; i++)
                        {
                            float value = inputs[i];
                            ReadOnlySpan<float> weightRow = weights.Slice(i * filters, filters);
                            int f = 0;
                            if (Vector512.IsHardwareAccelerated) f = AxpyBody<Vector512<float>, Vector512Ops>(value, weightRow, output, f);
                            if (Vector256.IsHardwareAccelerated) f = AxpyBody<Vector256<float>, Vector256Ops>(value, weightRow, output, f);
                            if (Vector128.IsHardwareAccelerated) f = AxpyBody<Vector128<float>, Vector128Ops>(value, weightRow, output, f);
                            AxpyBody<float, ScalarOps>(value, weightRow, output, f);
                        }
                    }
                }
            }
        }
    }

    private static void AddTo(ReadOnlySpan<float> source, Span<float> destination, SimdWidth simd)
    {
        int i = 0;
        if (simd >= SimdWidth.V512) i = AddBody<Vector512<float>, Vector512Ops>(source, destination, i);
        if (simd >= SimdWidth.V256) i = AddBody<Vector256<float>, Vector256Ops>(source, destination, i);
        if (simd >= SimdWidth.V128) i = AddBody<Vector128<float>, Vector128Ops>(source, destination, i);
        AddBody<float, ScalarOps>(source, destination, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AddBody<TVec, TOps>(ReadOnlySpan<float> source, Span<float> destination, int i)
        where TVec : struct where TOps : ISimdOps<TVec>
    {
        for (; i <= source.Length - TOps.Count; i += TOps.Count)
        {
            TOps.Store(TOps.Add(TOps.Load(destination, i), TOps.Load(source, i)), destination, i);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AxpyBody<TVec, TOps>(float a, ReadOnlySpan<float> x, Span<float> y, int i)
        where TVec : struct where TOps : ISimdOps<TVec>
    {
        TVec scale = TOps.Create(a);
        for (; i <= x.Length - TOps.Count; i += TOps.Count)
        {
            TOps.Store(TOps.MultiplyAdd(scale, TOps.Load(x, i), TOps.Load(y, i)), y, i);
        }

        return i;
    }
}
