using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.CompilerServices;
using ModelGen.CompilerServices.Simd;
using Xunit;

namespace ModelGen.Tests.Convolution;

/// <summary>
/// The runtime's pooling kernels beyond max_pooling2d's (ConvolutionKernelTests): average pooling forward at every SIMD
/// width against plain loops (the padding of "same" not counted), its backward pass as the exact adjoint of the forward
/// one, and the shapes the other pooling layers run as: a sequence <c>[T, F]</c> as a <c>T x 1</c> image (1-D pooling,
/// against loops written on sequences) and one window over the whole input (global pooling: the mean or the maximum of
/// each channel, the gradient to the first maximum).
/// </summary>
public class PoolingKernelTests
{
    private static readonly SimdWidth[] Widths = [SimdWidth.Scalar, SimdWidth.V128, SimdWidth.V256, SimdWidth.V512];

    public static IEnumerable<object[]> Geometries() =>
        ConvolutionKernelTests.Geometries().Concat(
        [
            // 1-D: timesteps x 1, features as channels.
            [9, 1, 3, 2, 1, 2, 1, Padding.Valid],
            [9, 1, 4, 3, 1, 2, 1, Padding.Same],
            [7, 1, 5, 3, 1, 1, 1, Padding.Same],
            [8, 1, 33, 4, 1, 3, 1, Padding.Same],
            // Global: one window over the whole input.
            [5, 4, 19, 5, 4, 5, 4, Padding.Valid],
            [6, 1, 8, 6, 1, 6, 1, Padding.Valid],
        ]);

    private static Window2D Window(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding) => new(h, w, c, kh, kw, sh, sw, padding);

    [Theory]
    [MemberData(nameof(Geometries))]
    public void AveragePoolingAveragesTheInsidePositionsAtEveryWidth(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        Window2D window = Window(h, w, c, kh, kw, sh, sw, padding);
        const int rows = 2;
        // All far from zero: a padded zero counted as a position would show.
        float[] x = Values(rows * window.InputSize, seed: 5).Select(v => v + 3f).ToArray();
        float[] expected = NaiveAveragePool(x, rows, window);
        foreach (SimdWidth width in Widths)
        {
            var y = new float[expected.Length];
            Pooling.AverageForward(x, y, rows, window, width);
            Assert.Equal(expected, y);
        }
    }

    [Theory]
    [MemberData(nameof(Geometries))]
    public void AveragePoolingBackwardIsTheAdjointOfTheForwardPassAtEveryWidth(int h, int w, int c, int kh, int kw, int sh, int sw, Padding padding)
    {
        // Average pooling is linear: y = A x, and its backward pass must be Aᵀ: <dy, A x> = <Aᵀ dy, x> for any x and dy.
        Window2D window = Window(h, w, c, kh, kw, sh, sw, padding);
        const int rows = 3;
        float[] x = Values(rows * window.InputSize, seed: 6);
        float[] dy = Values(rows * window.Positions * c, seed: 7);
        double forward = Dot(NaiveAveragePool(x, rows, window), dy);
        float[]? scalar = null;
        foreach (SimdWidth width in Widths)
        {
            var dx = new float[x.Length];
            dx.AsSpan().Fill(float.NaN);
            Pooling.AverageBackward(dy, dx, rows, window, width);
            double backward = Dot(dx, x);
            Assert.True(Math.Abs(forward - backward) <= 1e-5 * Math.Max(1, Math.Abs(forward)), $"{width}: <dy, A x> = {forward:R}, <Aᵀ dy, x> = {backward:R}");
            scalar ??= dx;
            Assert.Equal(scalar, dx);
        }
    }

    [Fact]
    public void AveragePoolingWithSamePaddingDividesABorderWindowByItsInsidePositions()
    {
        // 3x4 image, 2x2 windows, strides 2, same: one row of padding below, so the bottom windows hold 2 values each.
        var window = new Window2D(3, 4, 1, 2, 2, 2, 2, Padding.Same);
        float[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var y = new float[4];
        Pooling.AverageForward(x, y, 1, window);
        Assert.Equal(new[] { 3.5f, 5.5f, 9.5f, 11.5f }, y);

        var dx = new float[12];
        Pooling.AverageBackward([1f, 10f, 100f, 1000f], dx, 1, window);
        Assert.Equal(new[] { 0.25f, 0.25f, 2.5f, 2.5f, 0.25f, 0.25f, 2.5f, 2.5f, 50f, 50f, 500f, 500f }, dx);
    }

    [Theory]
    [InlineData(9, 3, 2, 2, Padding.Valid)]
    [InlineData(9, 4, 3, 2, Padding.Same)]
    [InlineData(7, 2, 3, 1, Padding.Same)]
    [InlineData(5, 3, 5, 1, Padding.Same)]
    [InlineData(10, 17, 4, 3, Padding.Valid)]
    public void OneDimensionalPoolingIsPoolingOverTheTimesteps(int timesteps, int features, int pool, int stride, Padding padding)
    {
        var window = new Window2D(timesteps, 1, features, pool, 1, stride, 1, padding);
        const int rows = 2;
        float[] x = Values(rows * timesteps * features, seed: 9);

        // Keras's MaxPooling1D and AveragePooling1D, written on [rows, timesteps, features] directly.
        bool same = padding == Padding.Same;
        int outputs = same ? (timesteps + stride - 1) / stride : (timesteps - pool) / stride + 1;
        int before = same ? Math.Max((outputs - 1) * stride + pool - timesteps, 0) / 2 : 0;
        var max = new float[rows * outputs * features];
        var mean = new float[max.Length];
        for (int b = 0; b < rows; b++)
        {
            for (int t = 0; t < outputs; t++)
            {
                for (int f = 0; f < features; f++)
                {
                    float best = float.NegativeInfinity, sum = 0;
                    int count = 0;
                    for (int k = 0; k < pool; k++)
                    {
                        int s = t * stride - before + k;
                        if (s >= 0 && s < timesteps)
                        {
                            float v = x[(b * timesteps + s) * features + f];
                            best = Math.Max(best, v);
                            sum += v;
                            count++;
                        }
                    }

                    max[(b * outputs + t) * features + f] = best;
                    mean[(b * outputs + t) * features + f] = sum / count;
                }
            }
        }

        Assert.Equal(outputs, window.Positions);
        var y = new float[max.Length];
        Pooling.MaxForward(x, y, rows, window);
        Assert.Equal(max, y);
        Pooling.AverageForward(x, y, rows, window);
        Assert.Equal(mean, y);
    }

    [Theory]
    [InlineData(4, 3, 5)]
    [InlineData(1, 7, 2)]
    [InlineData(6, 1, 17)]
    public void GlobalPoolingIsTheMeanAndMaximumOfEachChannelWithTheGradientToTheFirstMaximum(int height, int width, int channels)
    {
        var window = new Window2D(height, width, channels, height, width, height, width, Padding.Valid);
        const int rows = 3;
        int positions = height * width;
        float[] x = Values(rows * positions * channels, seed: 10);
        // A tie in sample 0, channel 0: the first of the two positions gets the gradient.
        if (positions > 1)
        {
            x[0] = 5f;
            x[(positions - 1) * channels] = 5f;
        }

        var max = new float[rows * channels];
        var mean = new float[rows * channels];
        var argmax = new int[rows * channels];
        for (int b = 0; b < rows; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                float best = float.NegativeInfinity, sum = 0;
                for (int p = 0; p < positions; p++)
                {
                    int at = (b * positions + p) * channels + c;
                    sum += x[at];
                    if (x[at] > best)
                    {
                        best = x[at];
                        argmax[b * channels + c] = at;
                    }
                }

                max[b * channels + c] = best;
                mean[b * channels + c] = sum / positions;
            }
        }

        Assert.Equal(1, window.Positions);
        var y = new float[rows * channels];
        Pooling.MaxForward(x, y, rows, window);
        Assert.Equal(max, y);
        Pooling.AverageForward(x, y, rows, window);
        Assert.Equal(mean, y);

        float[] dy = Values(rows * channels, seed: 11);
        var dx = new float[x.Length];
        Pooling.MaxBackward(x, max, dy, dx, rows, window);
        var expected = new float[x.Length];
        for (int i = 0; i < dy.Length; i++)
        {
            expected[argmax[i]] = dy[i];
        }

        Assert.Equal(expected, dx);

        Pooling.AverageBackward(dy, dx, rows, window);
        for (int i = 0; i < dx.Length; i++)
        {
            int b = i / (positions * channels), c = i % channels;
            Assert.Equal(dy[b * channels + c] / positions, dx[i]);
        }
    }

    private static float[] NaiveAveragePool(float[] x, int rows, Window2D window)
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
                        // TensorFlow's order: the sum over the inside positions in row-major order, then one division.
                        float sum = 0;
                        int count = 0;
                        for (int ky = 0; ky < window.WindowHeight; ky++)
                        {
                            for (int kx = 0; kx < window.WindowWidth; kx++)
                            {
                                int iy = oy * window.StrideHeight - window.PadTop + ky, ix = ox * window.StrideWidth - window.PadLeft + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                {
                                    sum += x[((b * h + iy) * w + ix) * c + ch];
                                    count++;
                                }
                            }
                        }

                        y[((b * window.OutputHeight + oy) * window.OutputWidth + ox) * c + ch] = sum / count;
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
