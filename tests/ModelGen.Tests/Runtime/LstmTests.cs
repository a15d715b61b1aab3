using System;
using System.Collections.Generic;
using ModelGen.CompilerServices;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>
/// The LSTM kernels against a straight double-precision transcription of Keras's equations: the forward output for
/// shapes around the vector widths and several activation pairs, inference against training, every gradient of the
/// backward pass against central differences of the reference, the length checks and allocation.
/// </summary>
public class LstmTests
{
    /// <summary>(rows, timesteps, features, units, activation, recurrent activation).</summary>
    public static IEnumerable<object[]> ForwardCases()
    {
        (int Rows, int T, int F, int U)[] shapes =
        [
            (1, 1, 1, 1), (2, 3, 4, 2), (3, 2, 7, 3), (1, 6, 2, 4), (5, 4, 3, 5), (2, 5, 6, 7),
            (4, 3, 5, 8), (3, 6, 1, 9), (2, 2, 7, 16), (5, 3, 4, 17), (1, 4, 3, 6),
        ];
        (Activation A, Activation Ra)[] activations =
        [
            (Activation.Relu, Activation.Sigmoid), (Activation.Gelu, Activation.Sigmoid),
            (Activation.Tanh, Activation.Tanh), (Activation.Swish, Activation.Sigmoid), (Activation.Elu, Activation.LeakyRelu),
            (Activation.Linear, Activation.Sigmoid), (Activation.Sigmoid, Activation.Gelu), (Activation.LeakyRelu, Activation.Swish),
            (Activation.Tanh, Activation.Relu), (Activation.Tanh, Activation.Linear),
            (Activation.Tanh, Activation.HardSigmoidKeras2), (Activation.Selu, Activation.HardSigmoid), (Activation.Softplus, Activation.Sigmoid),
        ];
        foreach (var s in shapes)
        {
            yield return [s.Rows, s.T, s.F, s.U, Activation.Tanh, Activation.Sigmoid];
        }

        for (int i = 0; i < activations.Length; i++)
        {
            var s = shapes[(3 * i + 5) % shapes.Length];
            yield return [s.Rows, s.T, s.F, s.U, activations[i].A, activations[i].Ra];
        }
    }

    /// <summary>Small shapes for the finite differences, T = 1 included.</summary>
    public static IEnumerable<object[]> BackwardCases()
    {
        yield return [1, 1, 1, 1, Activation.Tanh, Activation.Sigmoid];
        yield return [2, 1, 3, 4, Activation.Tanh, Activation.Sigmoid];
        yield return [3, 4, 2, 3, Activation.Tanh, Activation.Sigmoid];
        yield return [2, 3, 5, 9, Activation.Tanh, Activation.Sigmoid];
        yield return [2, 5, 3, 8, Activation.Tanh, Activation.Sigmoid];
        yield return [1, 3, 4, 17, Activation.Tanh, Activation.Sigmoid];
        yield return [2, 3, 3, 5, Activation.Gelu, Activation.Sigmoid];
        yield return [3, 3, 2, 4, Activation.Relu, Activation.Sigmoid];
        yield return [2, 4, 3, 3, Activation.Tanh, Activation.Tanh];
        yield return [2, 3, 2, 6, Activation.Swish, Activation.Gelu];
        yield return [2, 3, 3, 4, Activation.Elu, Activation.LeakyRelu];
        yield return [2, 2, 3, 5, Activation.Linear, Activation.Swish];
        yield return [1, 4, 2, 3, Activation.Sigmoid, Activation.Relu];
    }

    private sealed record Problem(int Rows, int T, int F, int U, Activation A, Activation Ra, bool Sequences)
    {
        public int YLength => Sequences ? Rows * T * U : Rows * U;
        public int SavedLength => Rows * T * 11 * U;
        public int InferenceWorkspace => Rows * (4 * T + 6) * U;
        public int BackwardWorkspace => Rows * (4 * T + 7) * U;
    }

    private sealed record Weights(float[] X, float[] Kernel, float[] Recurrent, float[] Bias);

    private static Weights RandomWeights(Problem p, int seed)
    {
        var random = new Random(seed);
        float[] Values(int length, double scale) => Array.ConvertAll(new float[length], _ => (float)((random.NextDouble() * 2 - 1) * scale));
        return new Weights(
            Values(p.Rows * p.T * p.F, 1.0),
            Values(p.F * 4 * p.U, 0.8 / Math.Sqrt(p.F)),
            Values(p.U * 4 * p.U, 0.8 / Math.Sqrt(p.U)),
            Values(4 * p.U, 0.5));
    }

    private static float[] Filled(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }

    // ---- The reference: Keras's equations, in double, one sample and one step at a time.

    private static double Activate(Activation activation, double v) => activation switch
    {
        Activation.Linear => v,
        Activation.Relu => Math.Max(v, 0),
        Activation.Tanh => Math.Tanh(v),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
        Activation.Elu => v > 0 ? v : Math.Exp(v) - 1,
        Activation.LeakyRelu => v > 0 ? v : 0.2 * v,
        Activation.Gelu => 0.5 * v * (1 + ActivationTests.Erf(v / Math.Sqrt(2))),
        Activation.Swish => v / (1 + Math.Exp(-v)),
        Activation.Selu => 1.0507009873554805 * (v > 0 ? v : 1.6732632423543772 * (Math.Exp(v) - 1)),
        Activation.Softplus => Math.Log(1 + Math.Exp(v)),
        Activation.HardSigmoid => Math.Min(Math.Max(v + 3, 0), 6) / 6, // Keras 3: relu6(x + 3) / 6
        Activation.HardSigmoidKeras2 => Math.Min(Math.Max(0.2 * v + 0.5, 0), 1), // Keras 2
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    private static double[] Reference(Problem p, double[] x, double[] kernel, double[] recurrent, double[] bias)
    {
        int u = p.U, width = 4 * u;
        var y = new double[p.YLength];
        var h = new double[u];
        var c = new double[u];
        var z = new double[width];
        for (int r = 0; r < p.Rows; r++)
        {
            Array.Clear(h);
            Array.Clear(c);
            for (int t = 0; t < p.T; t++)
            {
                for (int j = 0; j < width; j++)
                {
                    double sum = bias[j];
                    for (int f = 0; f < p.F; f++)
                    {
                        sum += x[(r * p.T + t) * p.F + f] * kernel[f * width + j];
                    }

                    for (int k = 0; k < u; k++)
                    {
                        sum += h[k] * recurrent[k * width + j];
                    }

                    z[j] = sum;
                }

                for (int j = 0; j < u; j++)
                {
                    double i = Activate(p.Ra, z[j]), f = Activate(p.Ra, z[u + j]);
                    double g = Activate(p.A, z[2 * u + j]), o = Activate(p.Ra, z[3 * u + j]);
                    c[j] = f * c[j] + i * g;
                    h[j] = o * Activate(p.A, c[j]);
                }

                if (p.Sequences)
                {
                    Array.Copy(h, 0, y, (r * p.T + t) * u, u);
                }
            }

            if (!p.Sequences)
            {
                Array.Copy(h, 0, y, r * u, u);
            }
        }

        return y;
    }

    private static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);

    private static float[] Training(Problem p, Weights w, out float[] saved)
    {
        saved = Filled(p.SavedLength, float.NaN);
        float[] y = Filled(p.YLength, float.NaN);
        Lstm.ForwardTraining(w.X, w.Kernel, w.Recurrent, w.Bias, saved, y, p.Rows, p.T, p.F, p.U, p.A, p.Ra, p.Sequences);
        return y;
    }

    private static float[] Inference(Problem p, Weights w)
    {
        float[] workspace = Filled(p.InferenceWorkspace, float.NaN), y = Filled(p.YLength, float.NaN);
        Lstm.ForwardInference(w.X, w.Kernel, w.Recurrent, w.Bias, workspace, y, p.Rows, p.T, p.F, p.U, p.A, p.Ra, p.Sequences);
        return y;
    }

    // ---- 1 and 2: the forward passes.

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void ForwardMatchesReference(int rows, int timesteps, int features, int units, Activation activation, Activation recurrentActivation)
    {
        foreach (bool sequences in new[] { true, false })
        {
            var p = new Problem(rows, timesteps, features, units, activation, recurrentActivation, sequences);
            Weights w = RandomWeights(p, 1000 * rows + 100 * timesteps + 10 * features + units);
            double[] expected = Reference(p, ToDouble(w.X), ToDouble(w.Kernel), ToDouble(w.Recurrent), ToDouble(w.Bias));
            float[] y = Training(p, w, out _);
            TestData.AssertScaled(expected, y, 1e-5, 1e-5, $"{p} training y");

            // Inference performs the same operations on the same operands: bit-for-bit the same output.
            float[] inference = Inference(p, w);
            for (int i = 0; i < y.Length; i++)
            {
                Assert.True(BitConverter.SingleToInt32Bits(y[i]) == BitConverter.SingleToInt32Bits(inference[i]),
                    $"{p}: inference y[{i}] = {inference[i]:R}, training y[{i}] = {y[i]:R}.");
            }
        }
    }

    [Fact]
    public void ReturnSequencesEndsWithTheLastStep()
    {
        var all = new Problem(3, 4, 5, 6, Activation.Tanh, Activation.Sigmoid, true);
        var last = all with { Sequences = false };
        Weights w = RandomWeights(all, 7);
        float[] sequence = Training(all, w, out float[] saved);
        float[] final = Training(last, w, out float[] savedLast);
        Assert.Equal(saved, savedLast);
        for (int r = 0; r < all.Rows; r++)
        {
            Assert.Equal(sequence.AsSpan((r * all.T + all.T - 1) * all.U, all.U).ToArray(), final.AsSpan(r * all.U, all.U).ToArray());
        }
    }

    // ---- 3: backpropagation through time against central differences of the reference.

    [Theory]
    [MemberData(nameof(BackwardCases))]
    public void BackwardMatchesFiniteDifferences(int rows, int timesteps, int features, int units, Activation activation, Activation recurrentActivation)
    {
        foreach (bool sequences in new[] { true, false })
        {
            var p = new Problem(rows, timesteps, features, units, activation, recurrentActivation, sequences);
            Weights w = RandomWeights(p, 31 * rows + 17 * timesteps + 7 * features + units + (sequences ? 1 : 0));
            float[] dy = TestData.RandomFloats(p.YLength, 99 + units);

            Training(p, w, out float[] saved);
            float[] dx = Filled(w.X.Length, float.NaN), dKernel = Filled(w.Kernel.Length, float.NaN);
            float[] dRecurrent = Filled(w.Recurrent.Length, float.NaN), dBias = Filled(w.Bias.Length, float.NaN);
            float[] workspace = Filled(p.BackwardWorkspace, float.NaN);
            Lstm.Backward(w.X, w.Kernel, w.Recurrent, saved, dy, dx, dKernel, dRecurrent, dBias, workspace,
                p.Rows, p.T, p.F, p.U, p.A, p.Ra, p.Sequences);

            // loss = Σ y · dy, so dL/dy = dy; differentiated numerically in double.
            double[] x = ToDouble(w.X), kernel = ToDouble(w.Kernel), recurrent = ToDouble(w.Recurrent), bias = ToDouble(w.Bias);
            double Loss()
            {
                double[] y = Reference(p, x, kernel, recurrent, bias);
                double sum = 0;
                for (int i = 0; i < y.Length; i++)
                {
                    sum += y[i] * dy[i];
                }

                return sum;
            }

            AssertGradient(x, dx, Loss, $"{p} dx");
            AssertGradient(kernel, dKernel, Loss, $"{p} kernel gradient");
            AssertGradient(recurrent, dRecurrent, Loss, $"{p} recurrent gradient");
            AssertGradient(bias, dBias, Loss, $"{p} bias gradient");

            // Without dx (the first layer): the same weight gradients, from a workspace full of garbage again.
            float[] dKernel2 = Filled(w.Kernel.Length, float.NaN), dRecurrent2 = Filled(w.Recurrent.Length, float.NaN), dBias2 = Filled(w.Bias.Length, float.NaN);
            Array.Fill(workspace, float.NaN);
            Lstm.Backward(w.X, w.Kernel, w.Recurrent, saved, dy, Span<float>.Empty, dKernel2, dRecurrent2, dBias2, workspace,
                p.Rows, p.T, p.F, p.U, p.A, p.Ra, p.Sequences);
            Assert.Equal(dKernel, dKernel2);
            Assert.Equal(dRecurrent, dRecurrent2);
            Assert.Equal(dBias, dBias2);
        }
    }

    /// <summary>Central differences in double, <c>h = 1e-5 · max(1, |v|)</c>, against the float gradient.</summary>
    private static void AssertGradient(double[] parameters, float[] analytic, Func<double> loss, string what)
    {
        for (int i = 0; i < parameters.Length; i++)
        {
            double original = parameters[i], h = 1e-5 * Math.Max(1, Math.Abs(original));
            parameters[i] = original + h;
            double up = loss();
            parameters[i] = original - h;
            double down = loss();
            parameters[i] = original;
            double numeric = (up - down) / (2 * h);
            double error = Math.Abs(numeric - analytic[i]);
            double tolerance = 2e-5 + 1e-4 * Math.Abs(numeric);
            if (!(error <= tolerance))
            {
                Assert.Fail($"{what}[{i}]: analytic {analytic[i]:R}, numeric {numeric:R} (|error| {error:E2} > {tolerance:E2}).");
            }
        }
    }

    // ---- 4: argument checks.

    private delegate void Call(float[] x, float[] kernel, float[] recurrent, float[] bias, float[] saved, float[] y);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WrongLengthsNameTheExpectedSize(bool sequences)
    {
        const int rows = 2, t = 3, f = 4, u = 5;
        var p = new Problem(rows, t, f, u, Activation.Tanh, Activation.Sigmoid, sequences);
        int yLength = p.YLength;
        var lengths = new Dictionary<string, int>
        {
            ["x"] = rows * t * f, ["kernel"] = f * 4 * u, ["recurrent"] = u * 4 * u, ["bias"] = 4 * u,
            ["saved"] = p.SavedLength, ["y"] = yLength, ["inference workspace"] = p.InferenceWorkspace,
            ["dy"] = yLength, ["dx"] = rows * t * f, ["kernelGradient"] = f * 4 * u, ["recurrentGradient"] = u * 4 * u,
            ["biasGradient"] = 4 * u, ["workspace"] = p.BackwardWorkspace,
        };
        Assert.Equal(330, p.SavedLength);
        Assert.Equal(180, p.InferenceWorkspace);
        Assert.Equal(190, p.BackwardWorkspace);

        float[] Buffer(string name, string wrong) => new float[lengths[name] + (name == wrong ? 1 : 0)];

        void Training(string wrong) => Lstm.ForwardTraining(Buffer("x", wrong), Buffer("kernel", wrong), Buffer("recurrent", wrong), Buffer("bias", wrong),
            Buffer("saved", wrong), Buffer("y", wrong), rows, t, f, u, Activation.Tanh, Activation.Sigmoid, sequences);
        void Inference(string wrong) => Lstm.ForwardInference(Buffer("x", wrong), Buffer("kernel", wrong), Buffer("recurrent", wrong), Buffer("bias", wrong),
            Buffer("inference workspace", wrong), Buffer("y", wrong), rows, t, f, u, Activation.Tanh, Activation.Sigmoid, sequences);
        void Backward(string wrong) => Lstm.Backward(Buffer("x", wrong), Buffer("kernel", wrong), Buffer("recurrent", wrong), Buffer("saved", wrong), Buffer("dy", wrong),
            Buffer("dx", wrong), Buffer("kernelGradient", wrong), Buffer("recurrentGradient", wrong), Buffer("biasGradient", wrong), Buffer("workspace", wrong),
            rows, t, f, u, Activation.Tanh, Activation.Sigmoid, sequences);

        // The right lengths pass (zeros in, zeros out).
        Training("none");
        Inference("none");
        Backward("none");

        void Expect(Action<string> call, string wrong, string parameter)
        {
            var e = Assert.Throws<ArgumentException>(() => call(wrong));
            Assert.Equal(parameter, e.ParamName);
            Assert.Contains($"expected {lengths[wrong]}", e.Message);
        }

        foreach (string name in new[] { "x", "kernel", "recurrent", "bias", "saved", "y" })
        {
            Expect(Training, name, name);
        }

        foreach (string name in new[] { "x", "kernel", "recurrent", "bias", "y" })
        {
            Expect(Inference, name, name);
        }

        Expect(Inference, "inference workspace", "workspace");
        foreach (string name in new[] { "x", "kernel", "recurrent", "saved", "dy", "dx", "kernelGradient", "recurrentGradient", "biasGradient", "workspace" })
        {
            Expect(Backward, name, name);
        }

        // The other shape of y is wrong too.
        int otherY = sequences ? rows * u : rows * t * u;
        var wrongShape = Assert.Throws<ArgumentException>(() => Lstm.ForwardTraining(new float[lengths["x"]], new float[lengths["kernel"]],
            new float[lengths["recurrent"]], new float[lengths["bias"]], new float[p.SavedLength], new float[otherY], rows, t, f, u, Activation.Tanh, Activation.Sigmoid, sequences));
        Assert.Contains($"expected {yLength}", wrongShape.Message);
    }

    [Fact]
    public void SoftmaxAndNonPositiveSizesAreRejected()
    {
        const int rows = 2, t = 3, f = 4, u = 5;
        float[] x = new float[rows * t * f], kernel = new float[f * 4 * u], recurrent = new float[u * 4 * u], bias = new float[4 * u];
        float[] saved = new float[rows * t * 11 * u], y = new float[rows * u], workspace = new float[rows * (4 * t + 7) * u];
        float[] inferenceWorkspace = new float[rows * (4 * t + 6) * u];

        var e = Assert.Throws<ArgumentException>(() => Lstm.ForwardTraining(x, kernel, recurrent, bias, saved, y, rows, t, f, u, Activation.Softmax, Activation.Sigmoid, false));
        Assert.Contains("softmax", e.Message);
        Assert.Equal("activation", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Lstm.ForwardInference(x, kernel, recurrent, bias, inferenceWorkspace, y, rows, t, f, u, Activation.Tanh, Activation.Softmax, false));
        Assert.Contains("softmax", e.Message);
        Assert.Equal("recurrentActivation", e.ParamName);
        e = Assert.Throws<ArgumentException>(() => Lstm.Backward(x, kernel, recurrent, saved, y, x, kernel, recurrent, bias, workspace, rows, t, f, u, Activation.Tanh, Activation.Softmax, false));
        Assert.Contains("softmax", e.Message);

        Assert.Throws<ArgumentException>(() => Lstm.ForwardTraining(x, kernel, recurrent, bias, saved, y, 0, t, f, u, Activation.Tanh, Activation.Sigmoid, false));
        Assert.Throws<ArgumentException>(() => Lstm.ForwardTraining(x, kernel, recurrent, bias, saved, y, rows, 0, f, u, Activation.Tanh, Activation.Sigmoid, false));
        Assert.Throws<ArgumentException>(() => Lstm.ForwardInference(x, kernel, recurrent, bias, inferenceWorkspace, y, rows, t, -1, u, Activation.Tanh, Activation.Sigmoid, false));
        Assert.Throws<ArgumentException>(() => Lstm.Backward(x, kernel, recurrent, saved, y, x, kernel, recurrent, bias, workspace, rows, t, f, 0, Activation.Tanh, Activation.Sigmoid, false));
    }

    // ---- 5: allocation.

    private static void AssertNoAllocation(string what, Action action)
    {
        action();
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++)
        {
            action();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{what} allocated {allocated} bytes.");
    }

    [Theory]
    [InlineData(true, Activation.Tanh, Activation.Sigmoid)]
    [InlineData(false, Activation.Gelu, Activation.Swish)]
    public void KernelsDoNotAllocate(bool sequences, Activation activation, Activation recurrentActivation)
    {
        var p = new Problem(8, 5, 12, 17, activation, recurrentActivation, sequences);
        Weights w = RandomWeights(p, 5);
        float[] saved = new float[p.SavedLength], y = new float[p.YLength], dy = TestData.RandomFloats(p.YLength, 6);
        float[] inferenceWorkspace = new float[p.InferenceWorkspace], workspace = new float[p.BackwardWorkspace];
        float[] dx = new float[w.X.Length], dKernel = new float[w.Kernel.Length], dRecurrent = new float[w.Recurrent.Length], dBias = new float[w.Bias.Length];

        AssertNoAllocation("ForwardTraining", () => Lstm.ForwardTraining(w.X, w.Kernel, w.Recurrent, w.Bias, saved, y, p.Rows, p.T, p.F, p.U, p.A, p.Ra, p.Sequences));
        AssertNoAllocation("ForwardInference", () => Lstm.ForwardInference(w.X, w.Kernel, w.Recurrent, w.Bias, inferenceWorkspace, y, p.Rows, p.T, p.F, p.U, p.A, p.Ra, p.Sequences));
        AssertNoAllocation("Backward", () => Lstm.Backward(w.X, w.Kernel, w.Recurrent, saved, dy, dx, dKernel, dRecurrent, dBias, workspace, p.Rows, p.T, p.F, p.U, p.A, p.Ra, p.Sequences));
        AssertNoAllocation("Backward without dx", () => Lstm.Backward(w.X, w.Kernel, w.Recurrent, saved, dy, Span<float>.Empty, dKernel, dRecurrent, dBias, workspace, p.Rows, p.T, p.F, p.U, p.A, p.Ra, p.Sequences));
    }
}
