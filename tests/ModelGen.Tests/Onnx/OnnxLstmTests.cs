using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using ModelGen.CompilerServices;
using Xunit;

namespace ModelGen.Tests.Onnx;

/// <summary>
/// <see cref="OnnxGraphBuilder.Lstm"/>: graphs built with the builder run in ONNX Runtime (all graph optimizations, and
/// none) and match a naive double-precision Keras LSTM written here (straight loops over Keras's layouts and gate order
/// i, f, c, o) for many shapes, both outputs and every activation ONNX's LSTM has; the graph's nodes, initializers and
/// attributes are what the builder documents; bad arguments throw; the encoding is deterministic.
/// </summary>
public class OnnxLstmTests
{
    /// <summary>(timesteps, features, units, batch): the ends of T 1..5, F 1..4, units 1..7, N 1..3 and shapes between.</summary>
    private static readonly (int T, int F, int Units, int N)[] s_shapes =
    {
        (1, 1, 1, 1), (5, 4, 7, 3), (1, 4, 7, 2), (5, 1, 1, 3), (2, 3, 4, 2), (3, 2, 5, 1),
        (4, 1, 6, 3), (5, 3, 2, 2), (1, 2, 3, 3), (3, 4, 1, 1), (4, 4, 7, 1), (2, 1, 7, 3),
    };

    public static IEnumerable<object[]> Activations() =>
        new (Activation A, Activation Ra)[]
        {
            (Activation.Tanh, Activation.Sigmoid), // Keras's default
            (Activation.Relu, Activation.Sigmoid),
            (Activation.Linear, Activation.Tanh),
            (Activation.Elu, Activation.Sigmoid),
            (Activation.LeakyRelu, Activation.Sigmoid),
            // Gate activations that take an alpha (and a beta), alone or with a cell activation that takes one too.
            (Activation.Tanh, Activation.LeakyRelu),
            (Activation.LeakyRelu, Activation.Linear),
            (Activation.Sigmoid, Activation.Elu),
            (Activation.Relu, Activation.Linear),
        }
        .SelectMany(p => new[] { false, true }.Select(r => new object[] { p.A, p.Ra, r }));

    [Theory]
    [MemberData(nameof(Activations))]
    public void LstmMatchesTheReferenceForManyShapes(Activation activation, Activation recurrentActivation, bool returnSequences)
    {
        int seed = 0;
        foreach ((int t, int f, int units, int n) in s_shapes)
        {
            seed++;
            var layer = LstmWeights.Random(f, units, seed);
            float[] x = Inputs(n, t * f, seed);
            var graph = new OnnxGraphBuilder("Test.Lstm", t * f);
            graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, t, f, units, activation, recurrentActivation, returnSequences);
            int outputSize = returnSequences ? t * units : units;
            Assert.Equal(outputSize, graph.Width);

            double[] expected = Reference(x, n, t, f, units, layer, activation, recurrentActivation, returnSequences);
            AssertRunsLike(expected, graph.ToArray(), x, t * f, outputSize, $"{activation}/{recurrentActivation} T={t} F={f} units={units} N={n} returnSequences={returnSequences}");
        }
    }

    [Fact]
    public void LstmWithoutBiasHasNoBInput()
    {
        var layer = LstmWeights.Random(3, 4, seed: 7) with { Bias = Array.Empty<float>() };
        float[] x = Inputs(2, 15, seed: 8);
        var graph = new OnnxGraphBuilder("Test.Lstm", 15);
        graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, default, 5, 3, 4, Activation.Tanh, Activation.Sigmoid, returnSequences: true);
        byte[] onnx = graph.ToArray();
        Assert.Equal(new[] { "lstm/to_time_major", "lstm/kernel", "lstm/recurrent_kernel" }, Graph.Parse(onnx).Node("lstm").Inputs);

        double[] expected = Reference(x, 2, 5, 3, 4, layer with { Bias = new float[16] }, Activation.Tanh, Activation.Sigmoid, true);
        AssertRunsLike(expected, onnx, x, 15, 20, "use_bias = false");
    }

    /// <summary>A sequence LSTM, a BatchNormalization over its units at every timestep, and a Dense on the flat
    /// sequence (as after a Keras Flatten).</summary>
    [Fact]
    public void LstmSequencesIntoBatchNormalizationAndDense()
    {
        const int T = 4, F = 3, Units = 5, N = 3, Outputs = 2;
        var layer = LstmWeights.Random(F, Units, seed: 11);
        var random = new Random(12);
        float[] gamma = Uniform(random, Units, 0.5, 1.5), beta = Uniform(random, Units, -0.5, 0.5);
        float[] mean = Uniform(random, Units, -0.2, 0.2), variance = Uniform(random, Units, 0.5, 2);
        float[] dense = Uniform(random, T * Units * Outputs, -0.5, 0.5), denseBias = Uniform(random, Outputs, -0.5, 0.5);
        const float Epsilon = 1e-3f;

        var graph = new OnnxGraphBuilder("Test.LstmBnDense", T * F);
        graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, T, F, Units, Activation.Tanh, Activation.Sigmoid, returnSequences: true);
        graph.BatchNormalization("batch_normalization", gamma, beta, mean, variance, Epsilon, features: Units);
        graph.Dense("dense", dense, denseBias, T * Units, Outputs, Activation.Tanh);
        byte[] onnx = graph.ToArray();

        float[] x = Inputs(N, T * F, seed: 13);
        double[] sequences = Reference(x, N, T, F, Units, layer, Activation.Tanh, Activation.Sigmoid, returnSequences: true);
        var expected = new double[N * Outputs];
        for (int n = 0; n < N; n++)
        {
            var normalized = new double[T * Units];
            for (int i = 0; i < T * Units; i++)
            {
                int u = i % Units;
                normalized[i] = gamma[u] * (sequences[n * T * Units + i] - mean[u]) / Math.Sqrt(variance[u] + (double)Epsilon) + beta[u];
            }

            for (int o = 0; o < Outputs; o++)
            {
                double sum = denseBias[o];
                for (int i = 0; i < T * Units; i++)
                {
                    sum += normalized[i] * dense[i * Outputs + o];
                }

                expected[n * Outputs + o] = Math.Tanh(sum);
            }
        }

        AssertRunsLike(expected, onnx, x, T * F, Outputs, "lstm → batch_normalization → dense");
        Assert.Equal(
            new[]
            {
                "Reshape lstm/to_sequence", "Transpose lstm/to_time_major", "LSTM lstm", "Transpose lstm/to_batch_major", "Reshape lstm/sequences",
                "Reshape batch_normalization/to_positions", "BatchNormalization batch_normalization", "Reshape batch_normalization/to_samples",
                "Gemm dense", "Tanh dense/tanh",
            },
            Graph.Parse(onnx).Nodes.Select(node => $"{node.OpType} {node.Name}"));
    }

    /// <summary>Two stacked LSTMs: the first returns sequences, the second reads them (its features are the first's
    /// units) and returns its last state, the graph's output.</summary>
    [Theory]
    [InlineData(1, 2, 3, 4, 2)]
    [InlineData(5, 4, 7, 2, 3)]
    [InlineData(3, 1, 1, 6, 1)]
    public void StackedLstms(int t, int f, int units, int units2, int n)
    {
        var first = LstmWeights.Random(f, units, seed: 21 + t);
        var second = LstmWeights.Random(units, units2, seed: 31 + t);
        var graph = new OnnxGraphBuilder("Test.StackedLstm", t * f);
        graph.Lstm("lstm", first.Kernel, first.RecurrentKernel, first.Bias, t, f, units, Activation.Tanh, Activation.Sigmoid, returnSequences: true);
        graph.Lstm("lstm_1", second.Kernel, second.RecurrentKernel, second.Bias, t, units, units2, Activation.Elu, Activation.Sigmoid, returnSequences: false);
        Assert.Equal(units2, graph.Width);

        float[] x = Inputs(n, t * f, seed: t);
        double[] hidden = Reference(x, n, t, f, units, first, Activation.Tanh, Activation.Sigmoid, returnSequences: true);
        double[] expected = Reference(hidden.Select(v => (float)v).ToArray(), n, t, units, units2, second, Activation.Elu, Activation.Sigmoid, returnSequences: false);
        byte[] onnx = graph.ToArray();
        AssertRunsLike(expected, onnx, x, t * f, units2, $"stacked T={t}");

        Graph file = Graph.Parse(onnx);
        Assert.Equal(
            new[]
            {
                "Reshape lstm/to_sequence", "Transpose lstm/to_time_major", "LSTM lstm", "Transpose lstm/to_batch_major", "Reshape lstm/sequences",
                "Reshape lstm_1/to_sequence", "Transpose lstm_1/to_time_major", "LSTM lstm_1", "Reshape lstm_1/last",
            },
            file.Nodes.Select(node => $"{node.OpType} {node.Name}"));
        Assert.Equal("y", file.Nodes[^1].Outputs.Single());
        Assert.Equal(new[] { "lstm/sequences", "lstm_1/sequence_shape" }, file.Node("lstm_1/to_sequence").Inputs);
    }

    /// <summary>After a Conv2D the NCHW image goes back to channels-last values before the LSTM reads its rows as
    /// timesteps (as a Keras Reshape((height, width · channels)) would).</summary>
    [Fact]
    public void LstmAfterAConvolutionReadsChannelsLastValues()
    {
        const int H = 3, W = 3, C = 1, Filters = 2, Units = 4, N = 2;
        var window = new Window2D(H, W, C, 1, 1, 1, 1, Padding.Valid);
        float[] conv = { 0.7f, -1.3f }, convBias = { 0.1f, -0.2f };
        var layer = LstmWeights.Random(W * Filters, Units, seed: 41);
        var graph = new OnnxGraphBuilder("Test.ConvLstm", H * W * C);
        graph.Conv2D("conv2d", conv, convBias, window, Filters);
        graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, H, W * Filters, Units, Activation.Tanh, Activation.Sigmoid, returnSequences: false);

        float[] x = Inputs(N, H * W * C, seed: 42);
        var image = new float[N * H * W * Filters];
        for (int i = 0; i < N * H * W; i++)
        {
            for (int o = 0; o < Filters; o++)
            {
                image[i * Filters + o] = x[i] * conv[o] + convBias[o];
            }
        }

        byte[] onnx = graph.ToArray();
        AssertRunsLike(Reference(image, N, H, W * Filters, Units, layer, Activation.Tanh, Activation.Sigmoid, false), onnx, x, H * W * C, Units, "conv2d → lstm");
        Assert.Equal(
            new[] { "Reshape conv2d/to_nhwc_image", "Transpose conv2d/to_nchw", "Conv conv2d", "Transpose lstm/flatten/to_nhwc", "Reshape lstm/flatten", "Reshape lstm/to_sequence", "Transpose lstm/to_time_major", "LSTM lstm", "Reshape lstm/last" },
            Graph.Parse(onnx).Nodes.Select(node => $"{node.OpType} {node.Name}"));
    }

    [Fact]
    public void GraphHasOnnxWeightsAndAttributes()
    {
        const int T = 3, F = 2, Units = 3;
        var layer = LstmWeights.Random(F, Units, seed: 51);
        var graph = new OnnxGraphBuilder("Test.Lstm", T * F);
        graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, T, F, Units, Activation.Tanh, Activation.Sigmoid, returnSequences: false);
        Graph file = Graph.Parse(graph.ToArray());

        Assert.Equal(new[] { "Reshape lstm/to_sequence", "Transpose lstm/to_time_major", "LSTM lstm", "Reshape lstm/last" }, file.Nodes.Select(node => $"{node.OpType} {node.Name}"));
        Node lstm = file.Node("lstm");
        Assert.Equal(new[] { "lstm/to_time_major", "lstm/kernel", "lstm/recurrent_kernel", "lstm/bias" }, lstm.Inputs);
        Assert.Equal(new[] { string.Empty, "lstm" }, lstm.Outputs); // Y left out, Y_h read
        Assert.Equal(new[] { "lstm", "lstm/last_shape" }, file.Node("lstm/last").Inputs);
        Assert.Equal("y", file.Nodes[^1].Outputs.Single());
        Assert.Equal(Units, (long)lstm.Attributes["hidden_size"]);
        Assert.Equal(new[] { "Sigmoid", "Tanh", "Tanh" }, (string[])lstm.Attributes["activations"]);
        Assert.False(lstm.Attributes.ContainsKey("activation_alpha"));
        Assert.False(lstm.Attributes.ContainsKey("activation_beta"));
        Assert.Equal(new long[] { 1, 0, 2 }, (long[])file.Node("lstm/to_time_major").Attributes["perm"]);

        Assert.Equal(
            new[] { "lstm/kernel", "lstm/recurrent_kernel", "lstm/bias", "lstm/sequence_shape", "lstm/last_shape" },
            file.Initializers.Select(i => i.Name));
        Assert.Equal(new long[] { 1, 4 * Units, F }, file.Initializer("lstm/kernel").Dims);
        Assert.Equal(new long[] { 1, 4 * Units, Units }, file.Initializer("lstm/recurrent_kernel").Dims);
        Assert.Equal(new long[] { 1, 8 * Units }, file.Initializer("lstm/bias").Dims);

        // ONNX gate o (1) is Keras block 3, f (2) block 1, c (3) block 2: W[g, j, k] = kernel[k, block · units + j].
        int[] blocks = { 0, 3, 1, 2 };
        float[] w = file.Initializer("lstm/kernel").Values, r = file.Initializer("lstm/recurrent_kernel").Values, b = file.Initializer("lstm/bias").Values;
        for (int g = 0; g < 4; g++)
        {
            for (int j = 0; j < Units; j++)
            {
                int column = blocks[g] * Units + j;
                for (int k = 0; k < F; k++)
                {
                    Assert.Equal(layer.Kernel[k * 4 * Units + column], w[(g * Units + j) * F + k]);
                }

                for (int k = 0; k < Units; k++)
                {
                    Assert.Equal(layer.RecurrentKernel[k * 4 * Units + column], r[(g * Units + j) * Units + k]);
                }

                Assert.Equal(layer.Bias[column], b[g * Units + j]);
                Assert.Equal(0f, b[4 * Units + g * Units + j]);
            }
        }

        var sequences = new OnnxGraphBuilder("Test.Lstm", T * F);
        sequences.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, T, F, Units, Activation.Tanh, Activation.Sigmoid, returnSequences: true);
        Graph sequenceFile = Graph.Parse(sequences.ToArray());
        Assert.Equal(new[] { "lstm" }, sequenceFile.Node("lstm").Outputs);
        Assert.Equal(new long[] { 2, 0, 1, 3 }, (long[])sequenceFile.Node("lstm/to_batch_major").Attributes["perm"]);
        Assert.Equal(new long[] { -1, T * Units }, sequenceFile.Int64Initializer("lstm/sequences_shape"));
        Assert.Equal(new long[] { -1, T, F }, sequenceFile.Int64Initializer("lstm/sequence_shape"));
    }

    /// <summary>activation_alpha and activation_beta have one value per activation (f, g, h); an activation that takes
    /// none holds the value of the first that takes one, so that ONNX Runtime, which hands the values out in order to
    /// the activations that take one, gives each its own.</summary>
    [Theory]
    [InlineData(Activation.LeakyRelu, Activation.Sigmoid, "Sigmoid,LeakyRelu,LeakyRelu", new[] { 0.2f, 0.2f, 0.2f }, null)]
    [InlineData(Activation.Elu, Activation.Sigmoid, "Sigmoid,Elu,Elu", new[] { 1f, 1f, 1f }, null)]
    [InlineData(Activation.Linear, Activation.Tanh, "Tanh,Affine,Affine", new[] { 1f, 1f, 1f }, new[] { 0f, 0f, 0f })]
    [InlineData(Activation.Relu, Activation.Sigmoid, "Sigmoid,Relu,Relu", null, null)]
    [InlineData(Activation.Tanh, Activation.LeakyRelu, "LeakyRelu,Tanh,Tanh", new[] { 0.2f, 0.2f, 0.2f }, null)]
    [InlineData(Activation.LeakyRelu, Activation.Linear, "Affine,LeakyRelu,LeakyRelu", new[] { 1f, 0.2f, 0.2f }, new[] { 0f, 0f, 0f })]
    public void ActivationsAndTheirParameters(Activation activation, Activation recurrentActivation, string activations, float[]? alphas, float[]? betas)
    {
        var layer = LstmWeights.Random(2, 2, seed: 61);
        var graph = new OnnxGraphBuilder("Test.Lstm", 4);
        graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, 2, 2, 2, activation, recurrentActivation, returnSequences: false);
        Node lstm = Graph.Parse(graph.ToArray()).Node("lstm");
        Assert.Equal(activations, string.Join(",", (string[])lstm.Attributes["activations"]));
        Assert.Equal(alphas, lstm.Attributes.TryGetValue("activation_alpha", out object? a) ? (float[])a : null);
        Assert.Equal(betas, lstm.Attributes.TryGetValue("activation_beta", out object? b) ? (float[])b : null);
    }

    [Theory]
    [InlineData(Activation.Gelu, Activation.Sigmoid, "activation gelu")]
    [InlineData(Activation.Swish, Activation.Sigmoid, "activation swish")]
    [InlineData(Activation.Softmax, Activation.Sigmoid, "activation softmax")]
    [InlineData(Activation.Tanh, Activation.Gelu, "recurrentActivation gelu")]
    [InlineData(Activation.Tanh, Activation.Swish, "recurrentActivation swish")]
    public void ActivationsOnnxLacksThrowNotSupported(Activation activation, Activation recurrentActivation, string named)
    {
        var layer = LstmWeights.Random(2, 3, seed: 71);
        var graph = new OnnxGraphBuilder("Test.Lstm", 4);
        var exception = Assert.Throws<NotSupportedException>(() =>
            graph.Lstm("lstm_7", layer.Kernel, layer.RecurrentKernel, layer.Bias, 2, 2, 3, activation, recurrentActivation, returnSequences: false));
        Assert.Contains("'lstm_7'", exception.Message);
        Assert.Contains(named, exception.Message);

        // Nothing was added: the same layer with supported activations still goes in under the same name.
        Assert.Equal(4, graph.Width);
        graph.Lstm("lstm_7", layer.Kernel, layer.RecurrentKernel, layer.Bias, 2, 2, 3, Activation.Tanh, Activation.Sigmoid, returnSequences: false);
        Assert.Equal(3, graph.Width);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            new OnnxGraphBuilder("Test.Lstm", 4).Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, 2, 2, 3, (Activation)99, Activation.Sigmoid, false));
    }

    [Fact]
    public void WrongSizesThrowWithTheExpectedSize()
    {
        var layer = LstmWeights.Random(3, 2, seed: 81); // kernel [3, 8], recurrent [2, 8], bias [8]
        var graph = new OnnxGraphBuilder("Test.Lstm", 12);

        void Throws(string expected, string parameter, Action call)
        {
            var exception = Assert.ThrowsAny<ArgumentException>(call);
            Assert.Equal(parameter, exception.ParamName);
            Assert.Contains(expected, exception.Message);
        }

        Throws("[3, 8] needs 24", "kernel", () => graph.Lstm("lstm", layer.Kernel.AsSpan(1), layer.RecurrentKernel, layer.Bias, 4, 3, 2, Activation.Tanh, Activation.Sigmoid, false));
        Throws("[2, 8] needs 16", "recurrentKernel", () => graph.Lstm("lstm", layer.Kernel, new float[8], layer.Bias, 4, 3, 2, Activation.Tanh, Activation.Sigmoid, false));
        Throws("[8] or empty needs 8", "bias", () => graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, new float[2], 4, 3, 2, Activation.Tanh, Activation.Sigmoid, false));
        Throws("has 12 values per sample", "features", () => graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, 3, 3, 2, Activation.Tanh, Activation.Sigmoid, false));
        Throws("(15 values)", "features", () => graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, 5, 3, 2, Activation.Tanh, Activation.Sigmoid, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.Lstm("lstm", default, default, default, 0, 3, 2, Activation.Tanh, Activation.Sigmoid, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.Lstm("lstm", default, default, default, 4, 3, 0, Activation.Tanh, Activation.Sigmoid, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => graph.Lstm("lstm", default, default, default, 4, -3, 2, Activation.Tanh, Activation.Sigmoid, false));
        Assert.Throws<ArgumentException>(() => graph.Lstm("", layer.Kernel, layer.RecurrentKernel, layer.Bias, 4, 3, 2, Activation.Tanh, Activation.Sigmoid, false));

        // Failed calls added nothing; a second layer of the same name is refused.
        Assert.Equal(12, graph.Width);
        graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, 4, 3, 2, Activation.Tanh, Activation.Sigmoid, true);
        Assert.Equal(8, graph.Width);
        var second = LstmWeights.Random(2, 2, seed: 82);
        Assert.Throws<ArgumentException>(() => graph.Lstm("lstm", second.Kernel, second.RecurrentKernel, second.Bias, 4, 2, 2, Activation.Tanh, Activation.Sigmoid, false));
    }

    [Fact]
    public void TheSameCallsGiveTheSameBytes()
    {
        static byte[] Build(LstmWeights layer, LstmWeights stacked)
        {
            var graph = new OnnxGraphBuilder("Test.Lstm", 12);
            graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, 4, 3, 5, Activation.LeakyRelu, Activation.Linear, returnSequences: true);
            graph.Lstm("lstm_1", stacked.Kernel, stacked.RecurrentKernel, stacked.Bias, 4, 5, 2, Activation.Elu, Activation.Sigmoid, returnSequences: false);
            return graph.ToArray();
        }

        var layer = LstmWeights.Random(3, 5, seed: 91);
        var stacked = LstmWeights.Random(5, 2, seed: 92);
        byte[] first = Build(layer, stacked);
        Assert.Equal(first, Build(layer, stacked));
        Assert.Equal(first, Build(LstmWeights.Random(3, 5, seed: 91), LstmWeights.Random(5, 2, seed: 92)));
        Assert.NotEqual(first, Build(layer, LstmWeights.Random(5, 2, seed: 93)));

        // The builder copied the weights: changing the arrays afterwards changes nothing.
        var graph = new OnnxGraphBuilder("Test.Lstm", 12);
        graph.Lstm("lstm", layer.Kernel, layer.RecurrentKernel, layer.Bias, 4, 3, 5, Activation.LeakyRelu, Activation.Linear, returnSequences: true);
        graph.Lstm("lstm_1", stacked.Kernel, stacked.RecurrentKernel, stacked.Bias, 4, 5, 2, Activation.Elu, Activation.Sigmoid, returnSequences: false);
        layer.Kernel[0] += 1;
        Assert.Equal(first, graph.ToArray());
        Assert.Equal(first, graph.ToArray());
    }

    /// <summary>Runs the graph in ONNX Runtime with all graph optimizations and with none, against the reference:
    /// absolute <see cref="OnnxTesting.Tolerance"/> up to 1, relative above.</summary>
    private static void AssertRunsLike(double[] expected, byte[] onnx, float[] x, int inputSize, int outputSize, string context)
    {
        Assert.All(expected, v => Assert.True(double.IsFinite(v), $"{context}: the reference is not finite"));
        float[] reference = expected.Select(v => (float)v).ToArray();
        foreach (GraphOptimizationLevel level in new[] { GraphOptimizationLevel.ORT_ENABLE_ALL, GraphOptimizationLevel.ORT_DISABLE_ALL })
        {
            OnnxTesting.AssertClose(reference, OnnxTesting.Run(onnx, x, inputSize, outputSize, level), $"{context} ({level}), reference");
        }
    }

    /// <summary>Keras's LSTM in double precision, from Keras's layouts: x [N, T·F] sample-major, kernel [F, 4u],
    /// recurrent kernel [u, 4u], bias [4u], gate blocks i, f, c, o.</summary>
    private static double[] Reference(float[] x, int n, int t, int f, int units, LstmWeights layer, Activation activation, Activation recurrentActivation, bool returnSequences)
    {
        int gates = 4 * units;
        var output = new double[returnSequences ? n * t * units : n * units];
        for (int sample = 0; sample < n; sample++)
        {
            var h = new double[units];
            var c = new double[units];
            for (int step = 0; step < t; step++)
            {
                var z = new double[gates];
                for (int column = 0; column < gates; column++)
                {
                    double sum = layer.Bias.Length == 0 ? 0 : layer.Bias[column];
                    for (int k = 0; k < f; k++)
                    {
                        sum += x[sample * t * f + step * f + k] * (double)layer.Kernel[k * gates + column];
                    }

                    for (int k = 0; k < units; k++)
                    {
                        sum += h[k] * layer.RecurrentKernel[k * gates + column];
                    }

                    z[column] = sum;
                }

                for (int j = 0; j < units; j++)
                {
                    double i = Apply(recurrentActivation, z[j]);
                    double forget = Apply(recurrentActivation, z[units + j]);
                    double g = Apply(activation, z[2 * units + j]);
                    double o = Apply(recurrentActivation, z[3 * units + j]);
                    c[j] = forget * c[j] + i * g;
                    h[j] = o * Apply(activation, c[j]);
                }

                if (returnSequences)
                {
                    Array.Copy(h, 0, output, (sample * t + step) * units, units);
                }
            }

            if (!returnSequences)
            {
                Array.Copy(h, 0, output, sample * units, units);
            }
        }

        return output;
    }

    private static double Apply(Activation activation, double v) => activation switch
    {
        Activation.Linear => v,
        Activation.Relu => Math.Max(0, v),
        Activation.Tanh => Math.Tanh(v),
        Activation.Sigmoid => 1 / (1 + Math.Exp(-v)),
        Activation.Elu => v > 0 ? v : Math.Exp(v) - 1,
        Activation.LeakyRelu => v > 0 ? v : 0.2 * v,
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };

    private static float[] Inputs(int rows, int size, int seed) => Uniform(new Random(1000 + seed), rows * size, -2, 2);

    private static float[] Uniform(Random random, int count, double low, double high) =>
        Enumerable.Range(0, count).Select(_ => (float)(low + random.NextDouble() * (high - low))).ToArray();

    private sealed record LstmWeights(float[] Kernel, float[] RecurrentKernel, float[] Bias)
    {
        public static LstmWeights Random(int features, int units, int seed)
        {
            var random = new Random(seed);
            return new LstmWeights(
                Uniform(random, features * 4 * units, -0.6, 0.6),
                Uniform(random, units * 4 * units, -0.6, 0.6),
                Uniform(random, 4 * units, -0.5, 0.5));
        }
    }

    /// <summary>A node read back from the file, with every attribute type the builder writes (OnnxFile's reader knows
    /// float, int and ints; an LSTM also has strings and floats).</summary>
    private sealed record Node(string Name, string OpType, string[] Inputs, string[] Outputs, Dictionary<string, object> Attributes);

    /// <summary>The graph's nodes and initializers, decoded with <see cref="CodedInputStream"/> and field numbers from
    /// onnx/onnx.proto.</summary>
    private sealed record Graph(IReadOnlyList<Node> Nodes, IReadOnlyList<OnnxTensor> Initializers, IReadOnlyList<byte[]> RawInitializers)
    {
        public static Graph Parse(byte[] model)
        {
            byte[] graph = Messages(model).Single(m => m.Field == 7).Value; // ModelProto.graph = 7
            var fields = Messages(graph).ToList();
            return new Graph(
                fields.Where(m => m.Field == 1).Select(m => ParseNode(m.Value)).ToList(), // GraphProto.node = 1
                fields.Where(m => m.Field == 5).Select(m => OnnxTensor.Parse(m.Value)).ToList(), // GraphProto.initializer = 5
                fields.Where(m => m.Field == 5).Select(m => m.Value).ToList());
        }

        public Node Node(string name) => Nodes.Single(n => n.Name == name);

        public OnnxTensor Initializer(string name) => Initializers.Single(t => t.Name == name);

        /// <summary>An int64 initializer's values (TensorProto.raw_data = 9, data_type = 2 is INT64 = 7).</summary>
        public long[] Int64Initializer(string name)
        {
            int index = Initializers.ToList().FindIndex(t => t.Name == name);
            Assert.Equal(7, Initializers[index].DataType);
            byte[] raw = Messages(RawInitializers[index]).Single(m => m.Field == 9).Value;
            return Enumerable.Range(0, raw.Length / 8).Select(i => BitConverter.ToInt64(raw, 8 * i)).ToArray();
        }

        /// <summary>NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5. AttributeProto: name = 1,
        /// f = 2, i = 3, floats = 7, ints = 8, strings = 9, type = 20 (FLOAT 1, INT 2, FLOATS 6, INTS 7, STRINGS 8).</summary>
        private static Node ParseNode(byte[] bytes)
        {
            var inputs = new List<string>();
            var outputs = new List<string>();
            string name = string.Empty, opType = string.Empty;
            var attributes = new Dictionary<string, object>();
            var input = new CodedInputStream(bytes);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: inputs.Add(input.ReadString()); break;
                    case 2: outputs.Add(input.ReadString()); break;
                    case 3: name = input.ReadString(); break;
                    case 4: opType = input.ReadString(); break;
                    case 5:
                        (string attributeName, object value) = ParseAttribute(input.ReadBytes().ToByteArray());
                        attributes.Add(attributeName, value);
                        break;
                    default: throw new InvalidOperationException($"Unexpected NodeProto field {WireFormat.GetTagFieldNumber(tag)}.");
                }
            }

            return new Node(name, opType, inputs.ToArray(), outputs.ToArray(), attributes);
        }

        private static (string Name, object Value) ParseAttribute(byte[] bytes)
        {
            string name = string.Empty;
            float f = 0;
            long i = 0, type = 0;
            var floats = new List<float>();
            var ints = new List<long>();
            var strings = new List<string>();
            var input = new CodedInputStream(bytes);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                switch (WireFormat.GetTagFieldNumber(tag))
                {
                    case 1: name = input.ReadString(); break;
                    case 2: f = input.ReadFloat(); break;
                    case 3: i = input.ReadInt64(); break;
                    case 7: Assert.Equal(WireFormat.WireType.Fixed32, WireFormat.GetTagWireType(tag)); floats.Add(input.ReadFloat()); break;
                    case 8: Assert.Equal(WireFormat.WireType.Varint, WireFormat.GetTagWireType(tag)); ints.Add(input.ReadInt64()); break;
                    case 9: strings.Add(input.ReadString()); break;
                    case 20: type = input.ReadInt64(); break;
                    default: throw new InvalidOperationException($"Unexpected AttributeProto field {WireFormat.GetTagFieldNumber(tag)}.");
                }
            }

            return (name, type switch
            {
                1 => f,
                2 => i,
                6 => floats.ToArray(),
                7 => ints.ToArray(),
                8 => strings.ToArray(),
                _ => throw new InvalidOperationException($"Unexpected attribute type {type} of '{name}'."),
            });
        }

        private static IEnumerable<(int Field, byte[] Value)> Messages(byte[] bytes)
        {
            var input = new CodedInputStream(bytes);
            var result = new List<(int, byte[])>();
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    result.Add((WireFormat.GetTagFieldNumber(tag), input.ReadBytes().ToByteArray()));
                }
                else
                {
                    input.SkipLastField();
                }
            }

            return result;
        }
    }
}
