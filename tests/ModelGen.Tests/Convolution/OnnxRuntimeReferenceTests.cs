using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using ModelGen.TestModels;
using Xunit;
using static ModelGen.Tests.Onnx.OnnxProtoWriter;

namespace ModelGen.Tests.Convolution;

/// <summary>
/// conv2d + BatchNormalization + relu + max_pooling2d against reference values from a trusted framework: ONNX
/// Runtime runs a graph written here, independently of <c>ExportOnnx</c> and of the runtime's window geometry, on
/// NCHW values: <c>Conv</c> (kernel transposed from Keras's <c>[kh, kw, in, out]</c> to <c>[out, in, kh, kw]</c>),
/// <c>BatchNormalization</c> (moving statistics), <c>Relu</c> and <c>MaxPool</c>, with Keras's "same" padding as
/// TensorFlow computes it: per axis <c>total = max((ceil(H / s) - 1) · s + k - H, 0)</c>, <c>top = total / 2</c>,
/// <c>bottom = total - top</c> (ONNX's MaxPool ignores padded positions, like TensorFlow's -∞ padding; Conv pads with
/// zeros). The reference values are computed in the test, by ONNX Runtime, on every run.
/// </summary>
public class OnnxRuntimeReferenceTests
{
    // ConvBatchNormPool.model: input 7x6x2; conv2d 3 kernel_size=3 strides=2 padding=same (uneven pads: 1/1 rows, 0/1
    // columns); batch_normalization; activation relu; max_pooling2d 2 strides=2 padding=same (0/0 rows, 0/1 columns).
    private const int H = 7, W = 6, C = 2, Filters = 3, K = 3, S = 2, Pool = 2;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void PredictMatchesOnnxRuntimesConvBatchNormalizationAndMaxPool(int seed)
    {
        var random = new Random(seed);
        float Uniform(double low, double high) => (float)(low + random.NextDouble() * (high - low));
        float[] kernel = Enumerable.Range(0, K * K * C * Filters).Select(_ => Uniform(-1, 1)).ToArray();
        float[] bias = Enumerable.Range(0, Filters).Select(_ => Uniform(-1, 1)).ToArray();
        float[] gamma = Enumerable.Range(0, Filters).Select(_ => Uniform(0.5, 2)).ToArray();
        float[] beta = Enumerable.Range(0, Filters).Select(_ => Uniform(-1, 1)).ToArray();
        float[] mean = Enumerable.Range(0, Filters).Select(_ => Uniform(-1, 1)).ToArray();
        float[] variance = Enumerable.Range(0, Filters).Select(_ => Uniform(0.2, 3)).ToArray();

        var model = new ConvBatchNormPool(seed);
        model.SetWeights(new[] { kernel, bias, gamma, beta, mean, variance });
        const int rows = 5;
        float[] x = Enumerable.Range(0, rows * H * W * C).Select(_ => Uniform(-2, 2)).ToArray();
        var predicted = new float[rows * ConvBatchNormPool.OutputSize];
        model.Predict(x, predicted);

        (int convHeight, int convTop, int convBottom) = Same(H, K, S);
        (int convWidth, int convLeft, int convRight) = Same(W, K, S);
        (int poolHeight, int poolTop, int poolBottom) = Same(convHeight, Pool, Pool);
        (int poolWidth, int poolLeft, int poolRight) = Same(convWidth, Pool, Pool);
        Assert.Equal((4, 1, 1, 3, 0, 1), (convHeight, convTop, convBottom, convWidth, convLeft, convRight));
        Assert.Equal((2, 0, 0, 2, 0, 1), (poolHeight, poolTop, poolBottom, poolWidth, poolLeft, poolRight));
        Assert.Equal(ConvBatchNormPool.OutputSize, poolHeight * poolWidth * Filters);

        var onnxKernel = new float[kernel.Length];
        for (int ky = 0; ky < K; ky++)
        {
            for (int kx = 0; kx < K; kx++)
            {
                for (int i = 0; i < C; i++)
                {
                    for (int o = 0; o < Filters; o++)
                    {
                        onnxKernel[((o * C + i) * K + ky) * K + kx] = kernel[((ky * K + kx) * C + i) * Filters + o];
                    }
                }
            }
        }

        byte[] graph = Graph(
            nodes:
            [
                Node("Conv", ["x", "W", "B"], "conv", Ints("kernel_shape", K, K), Ints("strides", S, S), Ints("pads", convTop, convLeft, convBottom, convRight)),
                Node("BatchNormalization", ["conv", "gamma", "beta", "mean", "var"], "bn", Float("epsilon", 1e-3f)),
                Node("Relu", ["bn"], "relu"),
                Node("MaxPool", ["relu"], "y", Ints("kernel_shape", Pool, Pool), Ints("strides", Pool, Pool), Ints("pads", poolTop, poolLeft, poolBottom, poolRight)),
            ],
            initializers:
            [
                Tensor("W", [Filters, C, K, K], onnxKernel),
                Tensor("B", [Filters], bias),
                Tensor("gamma", [Filters], gamma),
                Tensor("beta", [Filters], beta),
                Tensor("mean", [Filters], mean),
                Tensor("var", [Filters], variance),
            ],
            input: ("x", [rows, C, H, W]),
            output: ("y", [rows, Filters, poolHeight, poolWidth]));

        float[] reference = ToChannelsLast(Run(graph, ToChannelsFirst(x, rows, H, W, C), [rows, C, H, W]), rows, Filters, poolHeight, poolWidth);
        Assert.Equal(predicted.Length, reference.Length);
        for (int i = 0; i < predicted.Length; i++)
        {
            Assert.True(
                Math.Abs(predicted[i] - reference[i]) <= 1e-5f * Math.Max(1f, Math.Abs(reference[i])),
                $"output {i}: Predict {predicted[i]:R}, ONNX Runtime {reference[i]:R}");
        }

    }

    /// <summary>TensorFlow's "same": output size and the padding before and after.</summary>
    private static (int Output, int Before, int After) Same(int input, int window, int stride)
    {
        int output = (input + stride - 1) / stride;
        int total = Math.Max((output - 1) * stride + window - input, 0);
        return (output, total / 2, total - total / 2);
    }

    private static float[] ToChannelsFirst(float[] nhwc, int n, int h, int w, int c)
    {
        var nchw = new float[nhwc.Length];
        for (int b = 0; b < n; b++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ch = 0; ch < c; ch++)
                        nchw[((b * c + ch) * h + y) * w + x] = nhwc[((b * h + y) * w + x) * c + ch];
        return nchw;
    }

    private static float[] ToChannelsLast(float[] nchw, int n, int c, int h, int w)
    {
        var nhwc = new float[nchw.Length];
        for (int b = 0; b < n; b++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    for (int ch = 0; ch < c; ch++)
                        nhwc[((b * h + y) * w + x) * c + ch] = nchw[((b * c + ch) * h + y) * w + x];
        return nhwc;
    }

    private static float[] Run(byte[] onnx, float[] x, long[] shape)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(onnx, options);
        using var input = OrtValue.CreateTensorValueFromMemory(x, shape);
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, ["x"], [input], ["y"]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }
}
