using System;
using ModelGen.CompilerServices;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Losses: values against hand formulas, gradients by finite differences, clipping, metrics and label checks.</summary>
public class LossTests
{
    private static float[] Probabilities(int length, int seed)
    {
        float[] p = TestData.RandomFloats(length, seed);
        for (int i = 0; i < p.Length; i++) p[i] = 0.1f + 0.8f * (p[i] + 1) / 2;
        return p;
    }

    private static float[] SoftmaxRows(float[] z, int classes)
    {
        var p = new float[z.Length];
        Activations.Softmax(z, p, classes);
        return p;
    }

    [Fact]
    public void BinaryCrossentropyValueAndGradient()
    {
        float[] p = Probabilities(12, 1);
        float[] y = { 0, 1, 1, 0, 1, 0.5f, 0, 0, 1, 1, 0, 1 };
        var g = new float[12];
        float loss = Losses.BinaryCrossentropy(p, y, g);
        double expected = 0;
        for (int i = 0; i < 12; i++) expected -= y[i] * Math.Log(p[i]) + (1 - y[i]) * Math.Log(1 - p[i]);
        Assert.Equal(expected / 12, loss, 6);
        GradientCheck.AssertMatches(p, g, ps => Losses.BinaryCrossentropy(ps, y, default), "dL/dp");
    }

    [Fact]
    public void BinaryCrossentropyClipsLikeKerasAndClippedValuesHaveNoGradient()
    {
        float[] p = { 0f, 1f, 1e-9f, 0.5f };
        float[] y = { 1f, 0f, 0f, 1f };
        var g = new float[4];
        var dz = new float[4];
        float loss = Losses.BinaryCrossentropy(p, y, g);
        float fused = Losses.BinaryCrossentropySigmoidGradient(p, y, dz);
        double clipLoss = -Math.Log(1e-7f);
        double expected = (clipLoss + -Math.Log(1 - (double)(1f - 1e-7f)) + -Math.Log(1 - 1e-7f) + Math.Log(2)) / 4;
        Assert.Equal(expected, loss, 5);
        Assert.Equal(loss, fused);
        Assert.Equal(new[] { 0f, 0f, 0f }, g[..3]);
        Assert.Equal(new[] { 0f, 0f, 0f, (0.5f - 1f) / 4 }, dz);
    }

    [Fact]
    public void FusedSigmoidGradientIsTheChainRule()
    {
        float[] z = TestData.RandomFloats(10, 3, scale: 3f);
        float[] y = { 0, 1, 1, 0, 1, 0, 0, 1, 1, 0 };
        var p = new float[10];
        Activations.Sigmoid(z, p);
        var dz = new float[10];
        Losses.BinaryCrossentropySigmoidGradient(p, y, dz);
        GradientCheck.AssertMatches(z, dz, zs =>
        {
            var ps = new float[zs.Length];
            Activations.Sigmoid(zs, ps);
            return Losses.BinaryCrossentropy(ps, y, default);
        }, "dL/dz");
    }

    [Fact]
    public void CategoricalCrossentropyValueAndGradients()
    {
        const int classes = 4;
        float[] z = TestData.RandomFloats(5 * classes, 4, scale: 2f);
        float[] y = new float[5 * classes];
        for (int r = 0; r < 5; r++) y[r * classes + (r * 3) % classes] = 1;
        float[] p = SoftmaxRows(z, classes);

        var g = new float[p.Length];
        float loss = Losses.CategoricalCrossentropy(p, y, g, classes);
        double expected = 0;
        for (int i = 0; i < p.Length; i++) if (y[i] == 1) expected -= Math.Log(p[i]);
        Assert.Equal(expected / 5, loss, 5);
        GradientCheck.AssertMatches(p, g, ps => Losses.CategoricalCrossentropy(ps, y, default, classes), "dL/dp");

        var dz = new float[p.Length];
        Assert.Equal(loss, Losses.CategoricalCrossentropySoftmaxGradient(p, y, dz, classes));
        for (int i = 0; i < p.Length; i++) Assert.Equal((p[i] - y[i]) / 5, dz[i], 6);
        GradientCheck.AssertMatches(z, dz, zs => Losses.CategoricalCrossentropy(SoftmaxRows(zs, classes), y, default, classes), "dL/dz");
    }

    [Fact]
    public void SparseCategoricalEqualsCategoricalWithOneHotLabels()
    {
        const int classes = 5;
        float[] p = SoftmaxRows(TestData.RandomFloats(6 * classes, 5, scale: 2f), classes);
        float[] labels = { 0, 4, 2, 2, 1, 3 };
        var oneHot = new float[p.Length];
        for (int r = 0; r < 6; r++) oneHot[r * classes + (int)labels[r]] = 1;

        var g1 = new float[p.Length];
        var g2 = new float[p.Length];
        Assert.Equal(Losses.CategoricalCrossentropy(p, oneHot, g1, classes), Losses.SparseCategoricalCrossentropy(p, labels, g2, classes));
        Assert.Equal(g1, g2);
        Assert.Equal(Losses.CategoricalCrossentropySoftmaxGradient(p, oneHot, g1, classes), Losses.SparseCategoricalCrossentropySoftmaxGradient(p, labels, g2, classes));
        Assert.Equal(g1, g2);
        GradientCheck.AssertMatches(p, SparseGradient(p, labels, classes), ps => Losses.SparseCategoricalCrossentropy(ps, labels, default, classes), "dL/dp");
    }

    private static float[] SparseGradient(float[] p, float[] labels, int classes)
    {
        var g = new float[p.Length];
        Losses.SparseCategoricalCrossentropy(p, labels, g, classes);
        return g;
    }

    [Fact]
    public void SoftmaxGradientIsZeroForAClippedTarget()
    {
        // The target's probability underflows the clip: Keras's loss is flat there.
        float[] p = { 1e-9f, 0.5f, 0.5f - 1e-9f };
        float[] y = { 1, 0, 0 };
        var dz = new float[3];
        float loss = Losses.CategoricalCrossentropySoftmaxGradient(p, y, dz, 3);
        Assert.Equal(-Math.Log(1e-7), loss, 4);
        Assert.Equal(new[] { 0f, 0f, 0f }, dz);
    }

    [Fact]
    public void MeanSquaredErrorValueAndGradient()
    {
        float[] p = TestData.RandomFloats(12, 6), y = TestData.RandomFloats(12, 7);
        var g = new float[12];
        float loss = Losses.MeanSquaredError(p, y, g);
        double expected = 0;
        for (int i = 0; i < 12; i++) expected += (p[i] - y[i]) * (double)(p[i] - y[i]);
        Assert.Equal(expected / 12, loss, 6);
        GradientCheck.AssertMatches(p, g, ps => Losses.MeanSquaredError(ps, y, default), "dL/dp");
    }

    [Fact]
    public void ComputeDispatchesOnTheLossEnum()
    {
        float[] p = Probabilities(6, 8);
        float[] y = { 1, 0, 1, 0, 1, 0 };
        Assert.Equal(Losses.BinaryCrossentropy(p, y, default), Losses.Compute(Loss.BinaryCrossentropy, p, y, default, 1));
        Assert.Equal(Losses.MeanSquaredError(p, y, default), Losses.Compute(Loss.MeanSquaredError, p, y, default, 1));
    }

    [Fact]
    public void AccuracyCounts()
    {
        Assert.Equal(3, Metrics.BinaryCorrect(new[] { 0.7f, 0.5f, 0.2f, 0.9f }, new[] { 1f, 1f, 0f, 1f }));
        Assert.Equal(1, Metrics.CategoricalCorrect(new[] { 0.1f, 0.9f, 0.6f, 0.4f }, new[] { 0f, 1f, 0f, 1f }, 2));
        Assert.Equal(2, Metrics.SparseCategoricalCorrect(new[] { 0.1f, 0.7f, 0.2f, 0.5f, 0.3f, 0.2f }, new[] { 1f, 0f }, 3));
        Assert.Equal(0, Metrics.ArgMax(new[] { 2f, 2f, 1f }));
    }

    [Fact]
    public void LabelChecksNameTheBadIndexAndValue()
    {
        var ex = Assert.Throws<ArgumentException>(() => Labels.ValidateSparse(new[] { 0f, 2f, 3f }, 3));
        Assert.Equal("Label at index 2 is 3; sparse categorical labels must be integers in [0, 3). (Parameter 'labels')", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Labels.ValidateSparse(new[] { 0.5f }, 3));
        Assert.Contains("index 0 is 0.5", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Labels.ValidateBinary(new[] { 0f, 1f, 2f }));
        Assert.Contains("Label at index 2 is 2; binary cross-entropy labels must be in [0, 1]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Labels.ValidateBinary(new[] { float.NaN }));
        Assert.Contains("is NaN", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => Losses.SparseCategoricalCrossentropy(new float[6], new[] { 0f, 7f }, default, 3));
        Assert.Contains("index 1 is 7", ex.Message);
        Labels.ValidateSparse(new[] { 0f, 1f, 2f }, 3);
        Labels.ValidateBinary(new[] { 0f, 1f, 0.25f });
    }
}
