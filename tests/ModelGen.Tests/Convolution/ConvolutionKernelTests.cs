using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.CompilerServices;
using ModelGen.CompilerServices.Simd;
using Xunit;

namespace ModelGen.Tests.Convolution;

/// <summary>
/// The runtime's convolution and pooling kernels on their own: <see cref="Window2D"/> against TensorFlow's output
/// sizes and pads, <see cref="ModelGen.CompilerServices.Convolution.Im2Col"/> against a direct read of the windows, Col2Im as
/// its exact adjoint, the direct convolution against im2col + GEMM, and max pooling forward (every SIMD width) and
/// backward (finite differences) against plain loops.
/// </summary>
public class ConvolutionKernelTests
{
    public static IEnumerable<object[]> Geometries() =>
    [
        // height, width, channels, window, strides, padding
        [7, 6, 2, 3, 3, 2, 2, Padding.Same],
        [7, 7, 1, 3, 3, 2, 2, Padding.Same],
        [6, 5, 2, 2, 3, 1, 2, Padding.Valid],
        [5, 5, 3, 1, 1, 1, 1, Padding.Valid],
        [5, 5, 4, 2, 2, 1, 1, Padding.Valid],
        [4, 4, 17, 3, 3, 1, 1, Padding.Same],
        [3, 3, 2, 5, 5, 1, 1, Padding.Same],
        [8, 8, 16, 2, 2, 2, 2, Padding.Valid],
        [5, 9, 5, 3, 2, 3, 1, Padding.Same],
    ];

    private static Window2D Window(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding) => new(h, w, c, kh, kw, sh, sw, padding);

    [Theory]
    // Keras/TensorFlow: out = ceil(in / s) for same, floor((in - k) / s) + 1 for valid; same pads the smaller half first.
    [InlineData(7, 3, 2, Padding.Same, 4, 1)]
    [InlineData(6, 3, 2, Padding.Same, 3, 0)]
    [InlineData(8, 3, 1, Padding.Same, 8, 1)]
    [InlineData(8, 2, 2, Padding.Same, 4, 0)]
    [InlineData(5, 2, 2, Padding.Same, 3, 0)]
    [InlineData(3, 5, 1, Padding.Same, 3, 2)]
    [InlineData(28, 3, 2, Padding.Valid, 13, 0)]
    [InlineData(13, 2, 2, Padding.Valid, 6, 0)]
    public void WindowHasTensorFlowsOutputSizeAndPads(int input, int window, int stride, Padding padding, int output, int before)
    {
        var geometry = new Window2D(input, input + 1, 1, window, 1, stride, 1, padding);
        Assert.Equal(output, geometry.OutputHeight);
        Assert.Equal(before, geometry.PadTop);
    }

    [Fact]
    public void ValidWindowLargerThanInputIsRefused() =>
        Assert.Throws<ArgumentException>(() => new Window2D(2, 5, 1, 3, 3, 1, 1, Padding.Valid));

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Im2ColReadsEveryWindowWithZerosForPadding(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        Window2D window = Window(h, w, c, kh, kw, sh, sw, padding);
        const int rows = 3;
        float[] x = Values(rows * window.InputSize, seed: h * 31 + c);
        var columns = new float[rows * window.Positions * window.PatchSize];
        columns.AsSpan().Fill(float.NaN);
        ModelGen.CompilerServices.Convolution.Im2Col(x, columns, rows, window);

        int row = 0;
        for (int b = 0; b < rows; b++)
        {
            for (int oy = 0; oy < window.OutputHeight; oy++)
            {
                for (int ox = 0; ox < window.OutputWidth; ox++, row++)
                {
                    for (int ky = 0; ky < kh; ky++)
                    {
                        for (int kx = 0; kx < kw; kx++)
                        {
                            int iy = oy * sh - window.PadTop + ky, ix = ox * sw - window.PadLeft + kx;
                            for (int ch = 0; ch < c; ch++)
                            {
                                float expected = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[((b * h + iy) * w + ix) * c + ch] : 0f;
                                Assert.Equal(expected, columns[row * window.PatchSize + (ky * kw + kx) * c + ch]);
                            }
                        }
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Col2ImIsTheAdjointOfIm2ColAtEveryWidth(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        Window2D window = Window(h, w, c, kh, kw, sh, sw, padding);
        const int rows = 2;
        float[] x = Values(rows * window.InputSize, seed: 1);
        float[] g = Values(rows * window.Positions * window.PatchSize, seed: 2);
        var columns = new float[g.Length];
        ModelGen.CompilerServices.Convolution.Im2Col(x, columns, rows, window);
        double left = Dot(columns, g);
        foreach (SimdWidth width in Widths)
        {
            var dx = new float[x.Length];
            dx.AsSpan().Fill(float.NaN); // overwritten, not added to
            ModelGen.CompilerServices.Convolution.Col2Im(g, dx, rows, window, width);
            double right = Dot(x, dx);
            Assert.True(Math.Abs(left - right) <= 1e-4 * Math.Max(1, Math.Abs(left)), $"{width}: <im2col(x), g> = {left}, <x, col2im(g)> = {right}");
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void DirectConvolutionEqualsIm2ColAndGemm(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        Window2D window = Window(h, w, c, kh, kw, sh, sw, padding);
        const int rows = 2, filters = 5;
        float[] x = Values(rows * window.InputSize, seed: 3);
        float[] kernel = Values(window.PatchSize * filters, seed: 4);
        var columns = new float[rows * window.Positions * window.PatchSize];
        var viaGemm = new float[rows * window.Positions * filters];
        var direct = new float[viaGemm.Length];
        ModelGen.CompilerServices.Convolution.Im2Col(x, columns, rows, window);
        Gemm.Multiply(columns, kernel, viaGemm, rows * window.Positions, window.PatchSize, filters, accumulate: false);
        ModelGen.CompilerServices.Convolution.DirectForward(x, kernel, direct, rows, window, filters);
        for (int i = 0; i < direct.Length; i++)
        {
            Assert.True(Math.Abs(direct[i] - viaGemm[i]) <= 1e-5f * Math.Max(1, Math.Abs(viaGemm[i])), $"{i}: direct {direct[i]}, im2col + GEMM {viaGemm[i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void MaxPoolingTakesTheMaximumOfTheInsidePositionsAtEveryWidth(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        Window2D window = Window(h, w, c, kh, kw, sh, sw, padding);
        const int rows = 2;
        // All negative: a padded zero taken for a value would show.
        float[] x = Values(rows * window.InputSize, seed: 5).Select(v => v - 3f).ToArray();
        float[] expected = NaiveMaxPool(x, rows, window);
        foreach (SimdWidth width in Widths)
        {
            var y = new float[expected.Length];
            Pooling.MaxForward(x, y, rows, window, width);
            Assert.Equal(expected, y);
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void MaxPoolingBackwardMatchesFiniteDifferences(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        Window2D window = Window(h, w, c, kh, kw, sh, sw, padding);
        const int rows = 2;
        // Distinct values in [-1, 1) (a permutation of a grid of spacing 2 / n) and steps of a quarter of that spacing:
        // a step never changes which value is the maximum, and the function is linear between the steps.
        var random = new Random(7);
        int n = rows * window.InputSize;
        float spacing = 2f / n, step = spacing / 4;
        float[] x = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Select(v => v * spacing - 1f).ToArray();
        float[] weights = Values(rows * window.Positions * c, seed: 8);
        var y = new float[weights.Length];
        Pooling.MaxForward(x, y, rows, window);
        var dx = new float[x.Length];
        dx.AsSpan().Fill(float.NaN);
        Pooling.MaxBackward(x, y, weights, dx, rows, window);
        for (int i = 0; i < n; i++)
        {
            float original = x[i];
            x[i] = original + step;
            double up = Dot(NaiveMaxPool(x, rows, window), weights);
            x[i] = original - step;
            double down = Dot(NaiveMaxPool(x, rows, window), weights);
            x[i] = original;
            double numeric = (up - down) / (2.0 * step);
            Assert.True(Math.Abs(numeric - dx[i]) <= 1e-3 * Math.Max(1, Math.Abs(numeric)), $"dx[{i}]: backward {dx[i]:R}, finite differences {numeric:R}");
        }
    }

    [Fact]
    public void MaxPoolingBackwardSendsATieToTheFirstPositionOnly()
    {
        var window = new Window2D(2, 2, 1, 2, 2, 2, 2, Padding.Valid);
        float[] x = [1f, 3f, 3f, 2f];
        var y = new float[1];
        Pooling.MaxForward(x, y, 1, window);
        var dx = new float[4];
        Pooling.MaxBackward(x, y, [5f], dx, 1, window);
        Assert.Equal(new[] { 0f, 5f, 0f, 0f }, dx);
    }

    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    private static float[] NaiveMaxPool(float[] x, int rows, Window2D window)
    {
        int h = window.Height, w = window.Width, c = window.Channels;
        var y = new float[rows * window.Positions * c];
        for (int b = 0; b < rows; b++)
        {
            for (int oy = 0; oy < window.OutputHeight; oy++)
            {
                for (int ox = 0; ox < window.OutputWidth; ox++)
                {
                    for (int ch = 0; ch < c; ch++)
                    {
                        float max = float.NegativeInfinity;
                        for (int ky = 0; ky < window.WindowHeight; ky++)
                        {
                            for (int kx = 0; kx < window.WindowWidth; kx++)
                            {
                                int iy = oy * window.StrideHeight - window.PadTop + ky, ix = ox * window.StrideWidth - window.PadLeft + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                {
                                    max = Math.Max(max, x[((b * h + iy) * w + ix) * c + ch]);
                                }
                            }
                        }

                        y[((b * window.OutputHeight + oy) * window.OutputWidth + ox) * c + ch] = max;
                    }
                }
            }
        }

        return y;
    }

    private static float[] Values(int length, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b, (p, q) => (double)p * q).Sum();
}
