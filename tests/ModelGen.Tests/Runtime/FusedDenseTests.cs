using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.CompilerServices;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// The fused kernels against the unfused ones they replace (Gemm, Bias, Activations, BatchNormalization), for every
/// elementwise activation and sizes around every vector width, so that each SIMD path and the scalar tails run.
/// </summary>
public class FusedDenseTests
{
    private static readonly Activation[] Elementwise =
        [Activation.Linear, Activation.Relu, Activation.Tanh, Activation.Sigmoid, Activation.Elu, Activation.LeakyRelu, Activation.Gelu, Activation.Swish,
         Activation.Selu, Activation.Softplus, Activation.HardSigmoid, Activation.HardSigmoidKeras2];

    public static IEnumerable<object[]> Cases()
    {
        int[] units = [1, 3, 8, 17, 33, 64, 70];
        int index = 0;
        foreach (Activation activation in Elementwise)
        {
            foreach (int u in units)
            {
                int rows = new[] { 2, 5, 37 }[index % 3];
                int inputs = new[] { 1, 4, 9 }[index++ % 3];
                yield return [activation, rows, inputs, u];
            }
        }
    }

    private static float[] Random(Random random, int length, double scale = 1, double offset = 0) =>
        Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale + offset)).ToArray();

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    /// <summary>Dense layers of up to 4 inputs skip the GEMM (FusedDense's thin path): the same bits as the GEMM and the
    /// unfused bias and activation, for widths below, at and between vector widths, with and without a bias, in place.</summary>
    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 50)]
    [InlineData(3, 7)]
    [InlineData(4, 16)]
    [InlineData(4, 33)]
    [InlineData(2, 2)]
    public void FewInputsGiveTheGemmsBits(int inputs, int units)
    {
        const int rows = 9;
        var random = new Random(inputs * 100 + units);
        float[] x = Random(random, rows * inputs), kernel = Random(random, inputs * units), bias = Random(random, units);
        foreach (Activation activation in new[] { Activation.Linear, Activation.Relu, Activation.Tanh, Activation.Sigmoid, Activation.Gelu })
        {
            foreach (bool withBias in new[] { true, false })
            {
                ReadOnlySpan<float> b = withBias ? bias : ReadOnlySpan<float>.Empty;
                float[] zRef = new float[rows * units], yRef = new float[rows * units];
                Gemm.Multiply(x, kernel, zRef, rows, inputs, units, accumulate: false);
                if (withBias)
                {
                    Bias.Add(zRef, bias, rows, units);
                }

                float[] z = new float[rows * units], y = new float[rows * units];
                FusedDense.Forward(x, kernel, b, z, y, rows, inputs, units, activation);
                Assert.Equal(zRef, z);
                if (units < 4)
                {
                    continue; // narrower than a vector: the general path, checked by the tests above
                }

                float[] yWide = new float[rows * units];
                // The activation as the epilogue computes it for this width: the GEMM path of a model with more inputs
                // (zero inputs appended) gives the same pre-activation and runs the ordinary epilogue.
                float[] xWide = new float[rows * 8], kernelWide = new float[8 * units];
                for (int r = 0; r < rows; r++)
                {
                    Array.Copy(x, r * inputs, xWide, r * 8, inputs);
                }

                Array.Copy(kernel, kernelWide, kernel.Length);
                float[] zWide = new float[rows * units];
                FusedDense.Forward(xWide, kernelWide, b, zWide, yWide, rows, 8, units, activation);
                Assert.Equal(z, zWide);
                Assert.Equal(yWide, y);
                if (activation == Activation.Linear)
                {
                    float[] inPlace = new float[rows * units];
                    FusedDense.Forward(x, kernel, b, inPlace, inPlace, rows, inputs, units, activation);
                    Assert.Equal(y, inPlace);
                }
            }
        }
    }

    /// <summary>A row's last vector overlaps the one before it (50 units: 48 + the last 8): the overlapped lanes are
    /// written twice with the same values, in place (z = y, linear) and out of place, and each lane gets exactly what a
    /// row of whole vectors gives it (the first 50 values of a 64-unit layer with the same first 50 columns).</summary>
    [Theory]
    [InlineData(Activation.Linear)]
    [InlineData(Activation.Relu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    public void RowTailsOverlapWithoutChangingValues(Activation activation)
    {
        const int rows = 5, inputs = 7, narrow = 50, wide = 64;
        var random = new Random(50);
        float[] x = Random(random, rows * inputs), wideKernel = Random(random, inputs * wide), wideBias = Random(random, wide);
        float[] kernel = new float[inputs * narrow];
        for (int k = 0; k < inputs; k++)
        {
            Array.Copy(wideKernel, k * wide, kernel, k * narrow, narrow);
        }

        float[] bias = wideBias[..narrow];
        float[] zWide = new float[rows * wide], yWide = new float[rows * wide];
        FusedDense.Forward(x, wideKernel, wideBias, zWide, yWide, rows, inputs, wide, activation);
        float[] z = new float[rows * narrow], y = new float[rows * narrow];
        FusedDense.Forward(x, kernel, bias, z, y, rows, inputs, narrow, activation);
        for (int r = 0; r < rows; r++)
        {
            for (int u = 0; u < narrow; u++)
            {
                Assert.Equal(zWide[r * wide + u], z[r * narrow + u]);
                Assert.Equal(yWide[r * wide + u], y[r * narrow + u]);
            }
        }

        if (activation == Activation.Linear)
        {
            float[] inPlace = new float[rows * narrow];
            FusedDense.Forward(x, kernel, bias, inPlace, inPlace, rows, inputs, narrow, activation);
            Assert.Equal(y, inPlace);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DenseActivationMatchesTheUnfusedKernels(Activation activation, int rows, int inputs, int units)
    {
        var random = new Random(rows * 1000 + units);
        float[] x = Random(random, rows * inputs), kernel = Random(random, inputs * units), bias = Random(random, units), dy = Random(random, rows * units);

        float[] z = new float[rows * units], y = new float[rows * units];
        FusedDense.Forward(x, kernel, bias, z, y, rows, inputs, units, activation);
        float[] dz = new float[rows * units], db = new float[units];
        FusedDense.Backward(z, y, dy, dz, db, rows, units, activation);

        float[] zRef = new float[rows * units], yRef = new float[rows * units], dzRef = new float[rows * units], dbRef = new float[units];
        Gemm.Multiply(x, kernel, zRef, rows, inputs, units, accumulate: false);
        Bias.Add(zRef, bias, rows, units);
        Activations.Forward(activation, zRef, yRef, units);
        Activations.Backward(activation, zRef, yRef, dy, dzRef, units);
        Bias.Gradient(dzRef, dbRef, rows, units);

        AssertClose(zRef, z, 1e-6, "z");
        AssertClose(yRef, y, 1e-6, "y");
        AssertClose(dzRef, dz, 1e-6, "dz");
        AssertClose(dbRef, db, 1e-5, "dbias");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DenseBatchNormActivationMatchesTheUnfusedKernels(Activation activation, int rows, int inputs, int units)
    {
        var random = new Random(rows * 7 + units);
        float[] x = Random(random, rows * inputs), kernel = Random(random, inputs * units), bias = Random(random, units, offset: 3);
        float[] gamma = Random(random, units, offset: 1), beta = Random(random, units), dy = Random(random, rows * units);
        float[] movingMean = Random(random, units), movingVariance = Random(random, units, 0.2, 1);

        // Fused.
        float[] z = new float[rows * units], y = new float[rows * units], mean = new float[units], inverseStd = new float[units];
        float[] mm = movingMean.ToArray(), mv = movingVariance.ToArray();
        FusedDense.BatchNormActivationForward(x, kernel, bias, z, y, rows, inputs, units, gamma, beta, 1e-3f, 0.9f, mm, mv, mean, inverseStd, activation);
        float[] dz = new float[rows * units], dgamma = new float[units], dbeta = new float[units], dbias = new float[units];
        FusedDense.BatchNormActivationBackward(z, y, dy, dz, rows, units, gamma, beta, mean, inverseStd, dgamma, dbeta, dbias, activation);

        // Unfused: GEMM + bias, BN (two-pass), activation; backward in reverse.
        float[] zRef = new float[rows * units], u = new float[rows * units], yRef = new float[rows * units], xhat = new float[rows * units];
        float[] mmRef = movingMean.ToArray(), mvRef = movingVariance.ToArray(), meanRef = new float[units], inverseStdRef = new float[units];
        Gemm.Multiply(x, kernel, zRef, rows, inputs, units, accumulate: false);
        Bias.Add(zRef, bias, rows, units);
        BatchNormalization.ForwardTraining(zRef, u, rows, units, gamma, beta, 1e-3f, 0.9f, mmRef, mvRef, meanRef, inverseStdRef, xhat);
        Activations.Forward(activation, u, yRef, units);
        float[] du = new float[rows * units], dzRef = new float[rows * units], dgammaRef = new float[units], dbetaRef = new float[units], dbiasRef = new float[units];
        Activations.Backward(activation, u, yRef, dy, du, units);
        BatchNormalization.BackwardTraining(xhat, du, dzRef, rows, units, gamma, inverseStdRef, dgammaRef, dbetaRef, accumulate: false);
        Bias.Gradient(dzRef, dbiasRef, rows, units);

        AssertClose(zRef, z, 1e-6, "z");
        AssertClose(meanRef, mean, 1e-5, "mean");
        AssertClose(inverseStdRef, inverseStd, 1e-4, "inverse std");
        AssertClose(mmRef, mm, 1e-5, "moving mean");
        AssertClose(mvRef, mv, 1e-4, "moving variance");
        AssertClose(yRef, y, 1e-4, "y");
        AssertCloseToTerms(dzRef, dz, gamma, inverseStdRef, du, units, 1e-4, "dz");
        AssertClose(dgammaRef, dgamma, 1e-4, "dgamma");
        AssertClose(dbetaRef, dbeta, 1e-4, "dbeta");
        AssertClose(dbiasRef, dbias, 1e-4, "dbias");
    }

    /// <summary>
    /// BatchNormalization's input gradient <c>k · (g - mean(g) - x̂ · mean(g · x̂))</c>, k = gamma / std, is a difference of
    /// terms of size |k| · max |g| that cancel (exactly, for two rows well above epsilon), so its rounding is relative to
    /// those terms rather than to the result: |expected - actual| ≤ tolerance · max(1, |expected|, |k| · max_r |g[r]|).
    /// </summary>
    private static void AssertCloseToTerms(float[] expected, float[] actual, float[] gamma, float[] inverseStd, float[] g, int units, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int rows = expected.Length / units;
        for (int f = 0; f < units; f++)
        {
            double largestG = Enumerable.Range(0, rows).Max(r => Math.Abs(g[r * units + f]));
            double terms = Math.Abs(gamma[f] * inverseStd[f]) * largestG;
            for (int r = 0; r < rows; r++)
            {
                int i = r * units + f;
                double scale = Math.Max(1, Math.Max(Math.Abs(expected[i]), terms));
                Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * scale, $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (terms of size {terms:G3})");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void DenseActivationBatchNormMatchesTheUnfusedKernels(Activation activation, int rows, int inputs, int units)
    {
        var random = new Random(rows * 11 + units);
        float[] x = Random(random, rows * inputs), kernel = Random(random, inputs * units), bias = Random(random, units);
        float[] gamma = Random(random, units, offset: 1), beta = Random(random, units), dy = Random(random, rows * units);

        float[] z = new float[rows * units], a = new float[rows * units], y = new float[rows * units], mean = new float[units], inverseStd = new float[units];
        float[] mm = new float[units], mv = Enumerable.Repeat(1f, units).ToArray();
        FusedDense.ActivationBatchNormForward(x, kernel, bias, z, a, y, rows, inputs, units, gamma, beta, 1e-3f, 0.99f, mm, mv, mean, inverseStd, activation);
        float[] dz = new float[rows * units], dgamma = new float[units], dbeta = new float[units], dbias = new float[units];
        FusedDense.ActivationBatchNormBackward(z, a, dy, dz, rows, units, gamma, mean, inverseStd, dgamma, dbeta, dbias, activation);

        float[] zRef = new float[rows * units], aRef = new float[rows * units], yRef = new float[rows * units], xhat = new float[rows * units];
        float[] mmRef = new float[units], mvRef = Enumerable.Repeat(1f, units).ToArray(), meanRef = new float[units], inverseStdRef = new float[units];
        Gemm.Multiply(x, kernel, zRef, rows, inputs, units, accumulate: false);
        Bias.Add(zRef, bias, rows, units);
        Activations.Forward(activation, zRef, aRef, units);
        BatchNormalization.ForwardTraining(aRef, yRef, rows, units, gamma, beta, 1e-3f, 0.99f, mmRef, mvRef, meanRef, inverseStdRef, xhat);
        float[] da = new float[rows * units], dzRef = new float[rows * units], dgammaRef = new float[units], dbetaRef = new float[units], dbiasRef = new float[units];
        BatchNormalization.BackwardTraining(xhat, dy, da, rows, units, gamma, inverseStdRef, dgammaRef, dbetaRef, accumulate: false);
        Activations.Backward(activation, zRef, aRef, da, dzRef, units);
        Bias.Gradient(dzRef, dbiasRef, rows, units);

        AssertClose(aRef, a, 1e-6, "a");
        AssertClose(yRef, y, 1e-4, "y");
        AssertClose(mvRef, mv, 1e-4, "moving variance");
        AssertClose(dzRef, dz, 1e-4, "dz");
        AssertClose(dgammaRef, dgamma, 1e-4, "dgamma");
        AssertClose(dbetaRef, dbeta, 1e-4, "dbeta");
        AssertClose(dbiasRef, dbias, 1e-4, "dbias");
    }

    [Fact]
    public void ShiftedSumsKeepTheVarianceOfALargeMean()
    {
        // Mean ~1000, standard deviation ~1: E[z²] - E[z]² would lose about 0.3 of the variance in float32.
        const int Rows = 64, Units = 20;
        var random = new Random(3);
        float[] x = Random(random, Rows), kernel = Enumerable.Repeat(1f, Units).ToArray(), bias = Enumerable.Repeat(1000f, Units).ToArray();
        float[] z = new float[Rows * Units], y = new float[Rows * Units], mean = new float[Units], inverseStd = new float[Units];
        float[] mm = new float[Units], mv = new float[Units];

        FusedDense.BatchNormActivationForward(x, kernel, bias, z, y, Rows, 1, Units, [], [], 1e-3f, 0f, mm, mv, mean, inverseStd, Activation.Linear);

        double exactMean = z.Take(Rows * Units).Where((_, i) => i % Units == 0).Average(v => (double)v);
        double exactVariance = z.Where((_, i) => i % Units == 0).Average(v => ((double)v - exactMean) * ((double)v - exactMean));
        Assert.Equal(exactMean, mean[0], 3);
        Assert.Equal(exactVariance, mv[0], 4);
    }
}
