using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.CompilerServices;
using ModelGen.CompilerServices.Simd;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Activations: every width against a double reference for many lengths, and gradients by finite differences.</summary>
public class ActivationTests
{
    public static IEnumerable<object[]> ActivationsAndWidths() =>
        from Activation a in Enum.GetValues<Activation>() from w in TestData.AllWidths select new object[] { a, w };

    [Theory]
    [MemberData(nameof(ActivationsAndWidths))]
    internal void ForwardMatchesTheDoubleReferenceForEveryLength(Activation activation, SimdWidth width)
    {
        foreach (int length in Enumerable.Range(0, 70).Concat(new[] { 127, 128, 129, 255, 256, 257 }))
        {
            int features = activation == Activation.Softmax ? Math.Max(1, length % 13) : 1;
            if (length % features != 0) continue;
            float[] x = TestData.RandomFloats(length, length, scale: 6f);
            var y = new float[length];
            Activations.Forward(activation, x, y, features, width);
            TestData.AssertScaled(Reference(activation, x, features), y, 1e-6, 1e-5, $"{activation} {width} n={length}");
        }
    }

    [Theory]
    [MemberData(nameof(ActivationsAndWidths))]
    internal void BackwardMatchesFiniteDifferences(Activation activation, SimdWidth width)
    {
        const int features = 7;
        float[] x = TestData.RandomFloats(5 * features, 42, scale: 3f);
        for (int i = 0; i < x.Length; i++)
        {
            // Keep away from relu's kink, where a central difference is meaningless.
            if (MathF.Abs(x[i]) < 0.05f) x[i] += 0.1f;
        }

        float[] g = TestData.RandomFloats(x.Length, 43);
        var y = new float[x.Length];
        Activations.Forward(activation, x, y, features, width);
        var dx = new float[x.Length];
        Activations.Backward(activation, x, y, g, dx, features, width);

        GradientCheck.AssertMatches(x, dx, xs =>
        {
            var ys = new float[xs.Length];
            Activations.Forward(activation, xs, ys, features, width);
            double sum = 0;
            for (int i = 0; i < ys.Length; i++) sum += (double)ys[i] * g[i];
            return sum;
        }, $"{activation} {width}");
    }

    [Theory]
    [MemberData(nameof(ActivationsAndWidths))]
    internal void InPlaceGivesTheSameResult(Activation activation, SimdWidth width)
    {
        float[] x = TestData.RandomFloats(60, 5, scale: 4f);
        var y = new float[x.Length];
        Activations.Forward(activation, x, y, 6, width);
        Activations.Forward(activation, x, x, 6, width);
        Assert.Equal(y, x);
    }

    [Fact]
    public void SoftmaxIsStableForLargeInputsAndRowsSumToOne()
    {
        float[] x = { 1000f, 1001f, 1002f, -1000f, 0f, 1000f };
        var y = new float[6];
        Activations.Softmax(x, y, 3);
        Assert.All(y, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1.0, y[0] + y[1] + y[2], 6);
        Assert.Equal(0.66524096, y[2], 6);
        Assert.Equal(0f, y[3]);
        Assert.Equal(1f, y[5]);
    }

    [Fact]
    public void DedicatedMethodsMatchTheEnumDispatch()
    {
        float[] x = TestData.RandomFloats(50, 9, scale: 3f), dy = TestData.RandomFloats(50, 10);
        (Activation A, Action<float[], float[]> F, Action<float[], float[], float[]> B)[] cases =
        {
            (Activation.Relu, (a, b) => Activations.Relu(a, b), (xv, yv, d) => Activations.ReluBackward(yv, dy, d)),
            (Activation.LeakyRelu, (a, b) => Activations.LeakyRelu(a, b), (xv, yv, d) => Activations.LeakyReluBackward(yv, dy, d)),
            (Activation.Elu, (a, b) => Activations.Elu(a, b), (xv, yv, d) => Activations.EluBackward(yv, dy, d)),
            (Activation.Tanh, (a, b) => Activations.Tanh(a, b), (xv, yv, d) => Activations.TanhBackward(yv, dy, d)),
            (Activation.Sigmoid, (a, b) => Activations.Sigmoid(a, b), (xv, yv, d) => Activations.SigmoidBackward(yv, dy, d)),
            (Activation.Gelu, (a, b) => Activations.Gelu(a, b), (xv, yv, d) => Activations.GeluBackward(xv, dy, d)),
            (Activation.Swish, (a, b) => Activations.Swish(a, b), (xv, yv, d) => Activations.SwishBackward(xv, dy, d)),
            (Activation.Softmax, (a, b) => Activations.Softmax(a, b, 5), (xv, yv, d) => Activations.SoftmaxBackward(yv, dy, d, 5)),
        };
        foreach (var (a, f, b) in cases)
        {
            var y1 = new float[50];
            var y2 = new float[50];
            f(x, y1);
            Activations.Forward(a, x, y2, 5);
            Assert.Equal(y2, y1);
            var d1 = new float[50];
            var d2 = new float[50];
            b(x, y1, d1);
            Activations.Backward(a, x, y1, dy, d2, 5);
            Assert.Equal(d2, d1);
        }
    }

    [Fact]
    public void KerasConstants()
    {
        var y = new float[4];
        Activations.LeakyRelu(new[] { -1f, 2f, -10f, 0f }, y);
        Assert.Equal(new[] { -0.2f, 2f, -2f, 0f }, y);
        Activations.Gelu(new[] { 1f, -1f, 0f, 3f }, y);
        Assert.Equal(0.8413447460685429, y[0], 6); // exact erf form (tanh approximation gives 0.8411920)
        Assert.Equal(-0.15865525393145707, y[1], 6);
        Assert.Equal(2.9959507, y[3], 5);
        var dx = new float[2];
        Activations.ReluBackward(new[] { 0f, 1f }, new[] { 5f, 5f }, dx);
        Assert.Equal(new[] { 0f, 5f }, dx); // gradient at 0 is 0, as in TensorFlow
    }

    internal static double[] Reference(Activation activation, float[] x, int features)
    {
        var y = new double[x.Length];
        if (activation == Activation.Softmax)
        {
            for (int r = 0; r < x.Length / features; r++)
            {
                double max = double.NegativeInfinity, sum = 0;
                for (int c = 0; c < features; c++) max = Math.Max(max, x[r * features + c]);
                for (int c = 0; c < features; c++) sum += Math.Exp(x[r * features + c] - max);
                for (int c = 0; c < features; c++) y[r * features + c] = Math.Exp(x[r * features + c] - max) / sum;
            }

            return y;
        }

        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            y[i] = activation switch
            {
                Activation.Linear => v,
                Activation.Relu => Math.Max(v, 0),
                Activation.Tanh => Math.Tanh(v),
                Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
                Activation.Elu => v > 0 ? v : Math.Exp(v) - 1,
                Activation.LeakyRelu => v > 0 ? v : 0.2 * v,
                Activation.Gelu => 0.5 * v * (1 + Erf(v / Math.Sqrt(2))),
                Activation.Swish => v / (1 + Math.Exp(-v)),
                Activation.Selu => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.Exp(v) - 1)),
                Activation.Softplus => Math.Log(1 + Math.Exp(v)),
                Activation.HardSigmoid => Math.Min(Math.Max(v + 3, 0), 6) / 6, // Keras 3: relu6(x + 3) / 6
                Activation.HardSigmoidKeras2 => Math.Min(Math.Max(0.2 * v + 0.5, 0), 1), // Keras 2
                _ => throw new ArgumentOutOfRangeException(nameof(activation)),
            };
        }

        return y;
    }

    /// <summary>erf in double by its Taylor series (|x| ≤ 5; ±1 beyond, where erf is 1 to 1e-12).</summary>
    internal static double Erf(double x)
    {
        if (Math.Abs(x) > 5) return Math.Sign(x);
        double sum = 0, term = x;
        for (int n = 0; n < 200; n++)
        {
            double contribution = term / (2 * n + 1);
            sum += contribution;
            if (Math.Abs(contribution) < 1e-17) break;
            term *= -x * x / (n + 1);
        }

        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
