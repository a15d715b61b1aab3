using System;
using ModelGen.CompilerServices;
using ModelGen.CompilerServices.Simd;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>SGD (momentum, Nesterov, decay) and Adam against hand-computed Keras values.</summary>
public class OptimizerTests
{
    [Theory]
    [MemberData(nameof(TestData.Widths), MemberType = typeof(TestData))]
    internal void SgdWithMomentumFollowsKeras(SimdWidth width)
    {
        // w = 1, g = 0.5, lr = 0.1, momentum = 0.9: v = -0.05, -0.095, -0.1355; w = 0.95, 0.855, 0.7195.
        float[] w = Filled(37, 1f), v = new float[37], g = Filled(37, 0.5f);
        double[] expected = { 0.95, 0.855, 0.7195 };
        foreach (double e in expected)
        {
            Optimizers.Sgd(w, g, v, 0.1f, 0.9f, nesterov: false, width);
            Assert.All(w, x => Assert.Equal(e, x, 6));
        }

        Assert.All(v, x => Assert.Equal(-0.1355, x, 6));
    }

    [Theory]
    [MemberData(nameof(TestData.Widths), MemberType = typeof(TestData))]
    internal void NesterovFollowsKeras(SimdWidth width)
    {
        // v = -0.05 then w += 0.9 v - 0.05 = -0.095; v = -0.095 then w += -0.1355.
        float[] w = Filled(37, 1f), v = new float[37], g = Filled(37, 0.5f);
        Optimizers.Sgd(w, g, v, 0.1f, 0.9f, nesterov: true, width);
        Assert.All(w, x => Assert.Equal(0.905, x, 6));
        Optimizers.Sgd(w, g, v, 0.1f, 0.9f, nesterov: true, width);
        Assert.All(w, x => Assert.Equal(0.7695, x, 6));
    }

    [Theory]
    [MemberData(nameof(TestData.Widths), MemberType = typeof(TestData))]
    internal void PlainSgdNeedsNoVelocity(SimdWidth width)
    {
        float[] w = Filled(19, 1f), g = Filled(19, 0.5f);
        Optimizers.Sgd(w, g, default, 0.1f, 0f, false, width);
        Assert.All(w, x => Assert.Equal(0.95f, x));
    }

    [Fact]
    public void Keras2DecayDividesByOnePlusDecayTimesIterations()
    {
        Assert.Equal(0.1f, Optimizers.DecayedLearningRate(0.1f, 0.5f, 0));
        Assert.Equal(0.1 / 1.5, Optimizers.DecayedLearningRate(0.1f, 0.5f, 1), 7);
        Assert.Equal(0.05, Optimizers.DecayedLearningRate(0.1f, 0.5f, 2), 7);
        Assert.Equal(0.01f, Optimizers.DecayedLearningRate(0.01f, 0f, 1000));
    }

    [Theory]
    [MemberData(nameof(TestData.Widths), MemberType = typeof(TestData))]
    internal void AdamFollowsKeras3(SimdWidth width)
    {
        const int n = 21;
        float[] w = Filled(n, 1f), m = new float[n], v = new float[n];
        double[] gradients = { 0.5, -0.25, 1.5, 0.1 };
        double wd = 1, md = 0, vd = 0;
        for (int t = 1; t <= gradients.Length; t++)
        {
            double g = gradients[t - 1];
            Optimizers.Adam(w, Filled(n, (float)g), m, v, 0.001f, 0.9f, 0.999f, 1e-7f, t, width);
            md += (g - md) * (1 - 0.9);
            vd += (g * g - vd) * (1 - 0.999);
            double alpha = 0.001 * Math.Sqrt(1 - Math.Pow(0.999, t)) / (1 - Math.Pow(0.9, t));
            wd -= alpha * md / (Math.Sqrt(vd) + 1e-7);
            Assert.All(w, x => Assert.Equal(wd, x, 6));
            if (t == 1)
            {
                // Hand-computed: m = 0.05, v = 0.00025, alpha = 3.16227766e-4, step = 9.99993675e-4.
                Assert.Equal(0.999000006, w[0], 6);
                Assert.Equal(0.05f, m[0], 6);
                Assert.Equal(0.00025f, v[0], 6);
            }
        }
    }

    [Fact]
    public void AdamRejectsStepZero() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Optimizers.Adam(new float[1], new float[1], new float[1], new float[1], 0.001f, 0.9f, 0.999f, 1e-7f, 0));

    private static float[] Filled(int n, float value)
    {
        var a = new float[n];
        Array.Fill(a, value);
        return a;
    }
}
