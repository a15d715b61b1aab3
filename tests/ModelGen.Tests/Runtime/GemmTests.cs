using System;
using System.Collections.Generic;
using System.Runtime.Intrinsics.X86;
using ModelGen.CompilerServices;
using ModelGen.CompilerServices.Simd;
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

        // Beyond one depth block and one column block of the old constants (KC = 256, NC = 512), with edges in every
        // dimension. The blocking now follows the machine's caches (GemmBlocking); GemmBlockingTests runs tiny ones.
        shapes.Add((19, 600, 45));
        shapes.Add((13, 70, 600));
        shapes.Add((9, 257, 33));
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

    [Theory]
    [InlineData(13, 37, 61)]
    [InlineData(37, 300, 45)]
    public void WidthsGiveBitIdenticalResultsOnFmaHardware(int m, int k, int n)
    {
        // Every path used here computes each element as one k-ordered chain of fused multiply-adds.
        if (!Fma.IsSupported)
        {
            return;
        }

        float[] a = TestData.RandomFloats(m * k, 1), b = TestData.RandomFloats(k * n, 2);
        foreach (Variant variant in Enum.GetValues<Variant>())
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
    public void ABlockOfRowsGivesTheSameBitsAsTheWholeProduct()
    {
        // Fused kernels multiply a block of rows at a time and must agree with the whole product.
        const int m = 37, k = 90, n = 45;
        float[] a = TestData.RandomFloats(m * k, 5), b = TestData.RandomFloats(k * n, 6);
        float[] whole = new float[m * n];
        Gemm.Multiply(a, b, whole, m, k, n, false);
        for (int r0 = 0; r0 < m; r0 += 16)
        {
            int rows = Math.Min(16, m - r0);
            float[] block = new float[rows * n];
            Gemm.Multiply(a.AsSpan(r0 * k, rows * k), b, block, rows, k, n, false);
            Assert.Equal(whole.AsSpan(r0 * n, rows * n).ToArray(), block);
        }
    }

    public static IEnumerable<object[]> ParallelShapes()
    {
        foreach ((int m, int k, int n) in new[] { (1, 30, 40), (7, 20, 300), (64, 64, 64), (70, 300, 9), (200, 33, 35), (37, 280, 530), (300, 40, 100) })
        {
            yield return new object[] { m, k, n };
        }
    }

    [Theory]
    [MemberData(nameof(ParallelShapes))]
    public void ParallelProductsGiveTheSingleThreadedBits(int m, int k, int n)
    {
        float[] a = TestData.RandomFloats(m * k, 21), b = TestData.RandomFloats(k * n, 22), c0 = TestData.RandomFloats(m * n, 23);
        foreach (Variant variant in Enum.GetValues<Variant>())
        {
            foreach (bool accumulate in new[] { false, true })
            {
                float[] serial = (float[])c0.Clone();
                Run(variant, a, b, serial, m, k, n, accumulate, SimdDispatch.Best);
                foreach (int threads in new[] { 2, 3, 5 })
                {
                    float[] c = (float[])c0.Clone();
                    Run(variant, a, b, c, m, k, n, accumulate, SimdDispatch.Best, threads);
                    Assert.Equal(serial, c);
                }

                float[] viaPublic = (float[])c0.Clone();
                (float[] aStored, float[] bStored) = Stored(variant, a, b, m, k, n);
                RunParallel(variant, aStored, bStored, viaPublic, m, k, n, accumulate);
                Assert.Equal(serial, viaPublic);
            }
        }
    }

    [Fact]
    public void ConcurrentCallersEachGetTheirOwnProduct()
    {
        // Packing buffers are per thread and the worker pool serves one product at a time (others run alone).
        const int m = 96, k = 130, n = 70;
        var inputs = new (float[] A, float[] B, float[] Expected)[6];
        for (int t = 0; t < inputs.Length; t++)
        {
            float[] a = TestData.RandomFloats(m * k, 100 + t), b = TestData.RandomFloats(k * n, 200 + t), expected = new float[m * n];
            Gemm.Multiply(a, b, expected, m, k, n, false);
            inputs[t] = (a, b, expected);
        }

        System.Threading.Tasks.Parallel.For(0, 60, new System.Threading.Tasks.ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var (a, b, expected) = inputs[i % inputs.Length];
            float[] c = new float[m * n];
            if (i % 2 == 0)
            {
                Gemm.MultiplyParallel(a, b, c, m, k, n, false, maxDegreeOfParallelism: 2);
            }
            else
            {
                Gemm.Multiply(a, b, c, m, k, n, false);
            }

            Assert.Equal(expected, c);
        });
    }

    [Fact]
    public void ParallelProductsDoNotAllocateOnceWarm()
    {
        const int m = 128, k = 300, n = 200;
        float[] a = TestData.RandomFloats(m * k, 31), b = TestData.RandomFloats(k * n, 32), c = new float[m * n];
        foreach (Variant variant in Enum.GetValues<Variant>())
        {
            (float[] aStored, float[] bStored) = Stored(variant, a, b, m, k, n);
            // Warm the calling thread's own path too: while another test's product holds the pool, this product runs on
            // the calling thread alone, which then needs its packing buffer.
            Run(variant, aStored, bStored, c, m, k, n, false, SimdDispatch.Best);
            RunParallel(variant, aStored, bStored, c, m, k, n, false);
            RunParallel(variant, aStored, bStored, c, m, k, n, false);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++)
            {
                RunParallel(variant, aStored, bStored, c, m, k, n, false);
            }

            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }

    [Fact]
    public void ParallelRejectsAZeroDegreeOfParallelism()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.MultiplyParallel(new float[4], new float[4], new float[4], 2, 2, 2, false, maxDegreeOfParallelism: 0));
    }

    [Theory]
    [InlineData(9, 23, 29)]
    [InlineData(19, 70, 45)]
    public void ResultsDoNotDependOnTheBufferOffset(int m, int k, int n)
    {
        float[] a = TestData.RandomFloats(m * k, 3), b = TestData.RandomFloats(k * n, 4);
        foreach (Variant variant in Enum.GetValues<Variant>())
        {
            float[] reference = new float[m * n];
            Run(variant, a, b, reference, m, k, n, false, SimdDispatch.Best);
            for (int offset = 1; offset < 8; offset++)
            {
                float[] aShifted = new float[a.Length + offset], bShifted = new float[b.Length + offset], c = new float[m * n + offset];
                a.CopyTo(aShifted, offset);
                b.CopyTo(bShifted, offset);
                Run(variant, aShifted.AsSpan(offset), bShifted.AsSpan(offset), c.AsSpan(offset), m, k, n, false, SimdDispatch.Best);
                Assert.Equal(reference, c.AsSpan(offset).ToArray());
            }
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

    /// <summary>Runs a variant on A [m, k] and B [k, n] given untransposed (the stored layout is built here).</summary>
    private static void Run(Variant variant, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width, int threads = 1)
    {
        switch (variant)
        {
            case Variant.Normal: Gemm.Multiply(a, b, c, m, k, n, accumulate, width, threads); break;
            case Variant.TransposeA: Gemm.MultiplyTransposeA(Transpose(a.ToArray(), m, k), b, c, m, k, n, accumulate, width, threads); break;
            case Variant.TransposeB: Gemm.MultiplyTransposeB(a, Transpose(b.ToArray(), k, n), c, m, k, n, accumulate, width, threads); break;
        }
    }

    /// <summary>A and B in the layouts a variant takes: A [k, m] for TransposeA, B [n, k] for TransposeB.</summary>
    private static (float[] A, float[] B) Stored(Variant variant, float[] a, float[] b, int m, int k, int n) => variant switch
    {
        Variant.TransposeA => (Transpose(a, m, k), b),
        Variant.TransposeB => (a, Transpose(b, k, n)),
        _ => (a, b),
    };

    /// <summary>Runs a variant through the public parallel entry points, on operands already in their stored layouts.</summary>
    private static void RunParallel(Variant variant, float[] aStored, float[] bStored, float[] c, int m, int k, int n, bool accumulate)
    {
        switch (variant)
        {
            case Variant.Normal: Gemm.MultiplyParallel(aStored, bStored, c, m, k, n, accumulate); break;
            case Variant.TransposeA: Gemm.MultiplyTransposeAParallel(aStored, bStored, c, m, k, n, accumulate); break;
            case Variant.TransposeB: Gemm.MultiplyTransposeBParallel(aStored, bStored, c, m, k, n, accumulate); break;
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
