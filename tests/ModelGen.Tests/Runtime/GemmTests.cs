using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics.X86;
using ModelGen.Numerics;
using ModelGen.Numerics.Simd;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>GEMM against a naive double reference for many shapes, through every width path.</summary>
public class GemmTests
{
    public enum Variant { Normal, TransposeA, TransposeB }

    public static IEnumerable<object[]> Shapes()
    {
        var shapes = new List<(int M, int K, int N)>();
        for (int i = 1; i <= 70; i++)
        {
            shapes.Add((5, 7, i));
            shapes.Add((i, 3, 19));
            shapes.Add((6, i, 21));
        }

        var random = new Random(7);
        for (int i = 0; i < 60; i++)
        {
            shapes.Add((random.Next(1, 71), random.Next(1, 71), random.Next(1, 71)));
        }

        shapes.Add((0, 4, 4));
        shapes.Add((4, 0, 4));
        shapes.Add((4, 4, 0));
        foreach ((int m, int k, int n) in shapes)
        {
            yield return new object[] { m, k, n };
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryVariantAndWidthMatchesTheDoubleReference(int m, int k, int n)
    {
        foreach (Variant variant in Enum.GetValues<Variant>())
        {
            float[] a = TestData.RandomFloats(m * k, m * 1000 + k);
            float[] b = TestData.RandomFloats(k * n, k * 1000 + n + 1);
            float[] c0 = TestData.RandomFloats(m * n, n * 1000 + m + 2);
            foreach (bool accumulate in new[] { false, true })
            {
                double[] expected = Reference(variant, a, b, c0, m, k, n, accumulate);
                foreach (SimdWidth width in TestData.AllWidths)
                {
                    float[] c = (float[])c0.Clone();
                    Run(variant, a, b, c, m, k, n, accumulate, width);
                    // Each element is a k-term sum of products of values in [-1, 1].
                    TestData.AssertClose(expected, c, 1e-6 * (k + 2), $"{variant} m={m} k={k} n={n} acc={accumulate} {width}");
                }
            }
        }
    }

    [Fact]
    public void WidthsGiveBitIdenticalResultsForTheRowByColumnKernelsOnFmaHardware()
    {
        if (!Fma.IsSupported)
        {
            return;
        }

        const int m = 13, k = 37, n = 61;
        float[] a = TestData.RandomFloats(m * k, 1), b = TestData.RandomFloats(k * n, 2);
        foreach (Variant variant in new[] { Variant.Normal, Variant.TransposeA })
        {
            float[] scalar = new float[m * n];
            Run(variant, a, b, scalar, m, k, n, false, SimdWidth.Scalar);
            foreach (SimdWidth width in TestData.AllWidths)
            {
                float[] c = new float[m * n];
                Run(variant, a, b, c, m, k, n, false, width);
                Assert.Equal(scalar, c);
            }
        }
    }

    [Fact]
    public void ResultsDoNotDependOnTheBufferOffset()
    {
        const int m = 9, k = 23, n = 29;
        float[] a = TestData.RandomFloats(m * k, 3), b = TestData.RandomFloats(k * n, 4);
        float[] reference = new float[m * n];
        Gemm.MultiplyTransposeB(a, Transpose(b, k, n), reference, m, k, n, false);
        for (int offset = 1; offset < 8; offset++)
        {
            float[] aShifted = new float[a.Length + offset], bShifted = new float[b.Length + offset], c = new float[m * n + offset];
            a.CopyTo(aShifted, offset);
            Transpose(b, k, n).CopyTo(bShifted, offset);
            Gemm.MultiplyTransposeB(aShifted.AsSpan(offset), bShifted.AsSpan(offset), c.AsSpan(offset), m, k, n, false);
            Assert.Equal(reference, c.AsSpan(offset).ToArray());
        }
    }

    [Fact]
    public void WrongLengthsNameTheExpectedShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => Gemm.Multiply(new float[6], new float[5], new float[4], 2, 3, 2, false));
        Assert.Contains("b has 5 values, expected 6 ([k, n] = [3, 2])", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposeA(new float[5], new float[6], new float[4], 2, 3, 2, false));
        Assert.Contains("a has 5 values, expected 6 ([k, m] = [3, 2])", ex.Message);
    }

    [Fact]
    public void TransposedProductsAreTheGradientsOfTheForwardProduct()
    {
        // L = Σ G ⊙ (X·W): dL/dX = G·Wᵀ and dL/dW = Xᵀ·G. Checked by central differences in double.
        const int batch = 5, inputs = 7, units = 6;
        float[] x = TestData.RandomFloats(batch * inputs, 11), w = TestData.RandomFloats(inputs * units, 12), g = TestData.RandomFloats(batch * units, 13);
        var dx = new float[x.Length];
        var dw = new float[w.Length];
        Gemm.MultiplyTransposeB(g, w, dx, batch, units, inputs, false);
        Gemm.MultiplyTransposeA(x, g, dw, inputs, batch, units, false);

        double Loss(float[] xs, float[] ws)
        {
            var y = new float[batch * units];
            Gemm.Multiply(xs, ws, y, batch, inputs, units, false);
            double sum = 0;
            for (int i = 0; i < y.Length; i++) sum += (double)y[i] * g[i];
            return sum;
        }

        GradientCheck.AssertMatches(x, dx, xs => Loss(xs, w), "dX");
        GradientCheck.AssertMatches(w, dw, ws => Loss(x, ws), "dW");
    }

    private static float[] Transpose(float[] b, int rows, int cols)
    {
        var t = new float[b.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                t[c * rows + r] = b[r * cols + c];
        return t;
    }

    private static void Run(Variant variant, float[] a, float[] b, float[] c, int m, int k, int n, bool accumulate, SimdWidth width)
    {
        switch (variant)
        {
            case Variant.Normal: Gemm.Multiply(a, b, c, m, k, n, accumulate, width); break;
            case Variant.TransposeA: Gemm.MultiplyTransposeA(Transpose(a, m, k), b, c, m, k, n, accumulate, width); break;
            case Variant.TransposeB: Gemm.MultiplyTransposeB(a, Transpose(b, k, n), c, m, k, n, accumulate, width); break;
        }
    }

    /// <summary>C (=|+=) A·B in double, with A [m, k] and B [k, n] in their untransposed forms.</summary>
    private static double[] Reference(Variant variant, float[] a, float[] b, float[] c0, int m, int k, int n, bool accumulate)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c0[i * n + j] : 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[i * k + p] * b[p * n + j];
                }

                c[i * n + j] = sum;
            }
        }

        return c;
    }
}
