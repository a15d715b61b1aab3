using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Description;
using ModelGen.Generator.FrontEnds.ModelFiles;

namespace ModelGen.Tests.Infrastructure;

/// <summary>
/// A plain, double-precision, layer-by-layer inference of a model description with Keras's semantics and no
/// folding or fusion: the reference the generated code is compared with. Weights come in Keras's get_weights() order.
/// </summary>
public sealed class ReferenceModel
{
    private readonly ModelSpec _spec;

    private ReferenceModel(ModelSpec spec) => _spec = spec;

    /// <summary>The model of a <c>.model</c> file.</summary>
    public static ReferenceModel FromFile(string path)
    {
        ModelDefinition model = ModelFileParser.Parse(path, SourceText.From(File.ReadAllText(path)), new ProjectOptions("Reference", string.Empty), CancellationToken.None);
        return new ReferenceModel(model.Spec);
    }

    /// <summary>Inference-mode outputs for <paramref name="x"/> (rows of the input size).</summary>
    public double[] Predict(float[] x, float[][] weights)
    {
        int features = _spec.Input!.Shape.Aggregate(1, (a, b) => a * b);
        int rows = x.Length / features;
        // (height, width, channels) while the values are images, channels last; the last axis is what BN and softmax see.
        int[] shape = _spec.Input!.Shape.ToArray();
        double[] values = x.Select(v => (double)v).ToArray();
        var queue = new Queue<float[]>(weights);
        foreach (LayerSpec layer in _spec.Layers)
        {
            switch (layer)
            {
                case DenseSpec dense:
                {
                    float[] kernel = queue.Dequeue();
                    float[]? bias = dense.UseBias ? queue.Dequeue() : null;
                    var next = new double[rows * dense.Units];
                    for (int r = 0; r < rows; r++)
                    {
                        for (int j = 0; j < dense.Units; j++)
                        {
                            double sum = bias?[j] ?? 0;
                            for (int i = 0; i < features; i++)
                            {
                                sum += values[r * features + i] * kernel[i * dense.Units + j];
                            }

                            next[r * dense.Units + j] = sum;
                        }
                    }

                    features = dense.Units;
                    shape = new[] { features };
                    values = Activate(next, rows, features, dense.Activation);
                    break;
                }

                case Conv2DSpec conv:
                {
                    float[] kernel = queue.Dequeue();
                    float[]? bias = conv.UseBias ? queue.Dequeue() : null;
                    // A conv1d is a conv2d of height 1 over its timesteps.
                    (int h, int w, int c) = conv.Sequence ? (1, shape[0], shape[1]) : (shape[0], shape[1], shape[2]);
                    (int oh, int top) = Window(h, conv.KernelHeight, conv.StrideHeight, conv.Padding);
                    (int ow, int left) = Window(w, conv.KernelWidth, conv.StrideWidth, conv.Padding);
                    int f = conv.Filters;
                    var next = new double[rows * oh * ow * f];
                    for (int r = 0; r < rows; r++)
                    {
                        for (int oy = 0; oy < oh; oy++)
                        {
                            for (int ox = 0; ox < ow; ox++)
                            {
                                for (int o = 0; o < f; o++)
                                {
                                    double sum = bias?[o] ?? 0;
                                    for (int ky = 0; ky < conv.KernelHeight; ky++)
                                    {
                                        for (int kx = 0; kx < conv.KernelWidth; kx++)
                                        {
                                            int iy = oy * conv.StrideHeight - top + ky, ix = ox * conv.StrideWidth - left + kx;
                                            if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                                            {
                                                continue; // zero padding
                                            }

                                            for (int i = 0; i < c; i++)
                                            {
                                                sum += values[((r * h + iy) * w + ix) * c + i] * kernel[((ky * conv.KernelWidth + kx) * c + i) * f + o];
                                            }
                                        }
                                    }

                                    next[((r * oh + oy) * ow + ox) * f + o] = sum;
                                }
                            }
                        }
                    }

                    shape = conv.Sequence ? new[] { ow, f } : new[] { oh, ow, f };
                    features = oh * ow * f;
                    values = Activate(next, rows * oh * ow, f, conv.Activation);
                    break;
                }

                case MaxPooling2DSpec pool:
                {
                    (int h, int w, int c) = (shape[0], shape[1], shape[2]);
                    (int oh, int top) = Window(h, pool.PoolHeight, pool.StrideHeight, pool.Padding);
                    (int ow, int left) = Window(w, pool.PoolWidth, pool.StrideWidth, pool.Padding);
                    var next = new double[rows * oh * ow * c];
                    for (int r = 0; r < rows; r++)
                    {
                        for (int oy = 0; oy < oh; oy++)
                        {
                            for (int ox = 0; ox < ow; ox++)
                            {
                                for (int i = 0; i < c; i++)
                                {
                                    double max = double.NegativeInfinity; // padding is -inf: ignored
                                    for (int ky = 0; ky < pool.PoolHeight; ky++)
                                    {
                                        for (int kx = 0; kx < pool.PoolWidth; kx++)
                                        {
                                            int iy = oy * pool.StrideHeight - top + ky, ix = ox * pool.StrideWidth - left + kx;
                                            if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                            {
                                                max = Math.Max(max, values[((r * h + iy) * w + ix) * c + i]);
                                            }
                                        }
                                    }

                                    next[((r * oh + oy) * ow + ox) * c + i] = max;
                                }
                            }
                        }
                    }

                    shape = new[] { oh, ow, c };
                    features = oh * ow * c;
                    values = next;
                    break;
                }

                case AveragePooling2DSpec pool:
                    (values, shape) = Pool(values, rows, shape, pool.PoolHeight, pool.PoolWidth, pool.StrideHeight, pool.StrideWidth, pool.Padding, average: true);
                    features = shape.Aggregate(1, (a, b) => a * b);
                    break;

                case MaxPooling1DSpec pool:
                    (values, shape) = PoolTimesteps(values, rows, shape, pool.PoolSize, pool.Stride, pool.Padding, average: false);
                    features = shape[0] * shape[1];
                    break;

                case AveragePooling1DSpec pool:
                    (values, shape) = PoolTimesteps(values, rows, shape, pool.PoolSize, pool.Stride, pool.Padding, average: true);
                    features = shape[0] * shape[1];
                    break;

                case GlobalAveragePooling1DSpec or GlobalMaxPooling1DSpec or GlobalAveragePooling2DSpec or GlobalMaxPooling2DSpec:
                {
                    bool average = layer is GlobalAveragePooling1DSpec or GlobalAveragePooling2DSpec;
                    int channels = shape[^1], positions = features / channels;
                    var next = new double[rows * channels];
                    for (int r = 0; r < rows; r++)
                    {
                        for (int c = 0; c < channels; c++)
                        {
                            double sum = 0, max = double.NegativeInfinity;
                            for (int p = 0; p < positions; p++)
                            {
                                double v = values[(r * positions + p) * channels + c];
                                sum += v;
                                max = Math.Max(max, v);
                            }

                            next[r * channels + c] = average ? sum / positions : max;
                        }
                    }

                    values = next;
                    shape = new[] { channels };
                    features = channels;
                    break;
                }

                case FlattenSpec:
                    shape = new[] { features };
                    break;

                case BatchNormalizationSpec bn:
                {
                    float[]? gamma = bn.Scale ? queue.Dequeue() : null;
                    float[]? beta = bn.Center ? queue.Dequeue() : null;
                    float[] mean = queue.Dequeue();
                    float[] variance = queue.Dequeue();
                    // Over the last axis: every position of a sequence or image is a row of its own.
                    int last = shape[^1];
                    for (int p = 0; p < values.Length / last; p++)
                    {
                        for (int j = 0; j < last; j++)
                        {
                            double v = values[p * last + j];
                            values[p * last + j] = (v - mean[j]) / Math.Sqrt(variance[j] + (double)(float)bn.Epsilon) * (gamma?[j] ?? 1) + (beta?[j] ?? 0);
                        }
                    }

                    break;
                }

                case ActivationSpec activation:
                    values = Activate(values, values.Length / shape[^1], shape[^1], activation.Activation);
                    break;
            }
        }

        return values;
    }

    /// <summary>Max or average pooling of channels-last images <paramref name="shape"/> (h, w, c): the padding of "same"
    /// is left out of both (TensorFlow's -∞ for max, not counted for the mean).</summary>
    private static (double[] Values, int[] Shape) Pool(double[] values, int rows, int[] shape, int ph, int pw, int sh, int sw, PaddingKind padding, bool average)
    {
        (int h, int w, int c) = (shape[0], shape[1], shape[2]);
        (int oh, int top) = Window(h, ph, sh, padding);
        (int ow, int left) = Window(w, pw, sw, padding);
        var next = new double[rows * oh * ow * c];
        for (int r = 0; r < rows; r++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    for (int i = 0; i < c; i++)
                    {
                        double max = double.NegativeInfinity, sum = 0;
                        int count = 0;
                        for (int ky = 0; ky < ph; ky++)
                        {
                            for (int kx = 0; kx < pw; kx++)
                            {
                                int iy = oy * sh - top + ky, ix = ox * sw - left + kx;
                                if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                {
                                    double v = values[((r * h + iy) * w + ix) * c + i];
                                    max = Math.Max(max, v);
                                    sum += v;
                                    count++;
                                }
                            }
                        }

                        next[((r * oh + oy) * ow + ox) * c + i] = average ? sum / count : max;
                    }
                }
            }
        }

        return (next, new[] { oh, ow, c });
    }

    /// <summary>Pooling over the timesteps of sequences <paramref name="shape"/> (T, F): a T x 1 image of F channels.</summary>
    private static (double[] Values, int[] Shape) PoolTimesteps(double[] values, int rows, int[] shape, int size, int stride, PaddingKind padding, bool average)
    {
        (double[] pooled, int[] image) = Pool(values, rows, new[] { shape[0], 1, shape[1] }, size, 1, stride, 1, padding, average);
        return (pooled, new[] { image[0], image[2] });
    }

    /// <summary>Keras's output size along one axis and the padding before the first value (TensorFlow's same: the
    /// smaller half of max((out - 1) · stride + window - in, 0) before).</summary>
    private static (int Output, int Before) Window(int input, int window, int stride, PaddingKind padding)
    {
        if (padding == PaddingKind.Valid)
        {
            return ((input - window) / stride + 1, 0);
        }

        int output = (input + stride - 1) / stride;
        return (output, Math.Max((output - 1) * stride + window - input, 0) / 2);
    }

    private static double[] Activate(double[] z, int rows, int features, ActivationKind activation)
    {
        var y = new double[z.Length];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity, sum = 0;
            if (activation == ActivationKind.Softmax)
            {
                for (int j = 0; j < features; j++)
                {
                    max = Math.Max(max, z[r * features + j]);
                }

                for (int j = 0; j < features; j++)
                {
                    sum += Math.Exp(z[r * features + j] - max);
                }
            }

            for (int j = 0; j < features; j++)
            {
                double v = z[r * features + j];
                y[r * features + j] = activation switch
                {
                    ActivationKind.Relu => Math.Max(0, v),
                    ActivationKind.Tanh => Math.Tanh(v),
                    ActivationKind.Sigmoid => 1 / (1 + Math.Exp(-v)),
                    ActivationKind.Softmax => Math.Exp(v - max) / sum,
                    ActivationKind.Elu => v > 0 ? v : Math.Exp(v) - 1,
                    ActivationKind.LeakyRelu => v > 0 ? v : 0.2 * v,
                    ActivationKind.Swish => v / (1 + Math.Exp(-v)),
                    ActivationKind.Linear => v,
                    _ => throw new NotSupportedException(activation.ToString()),
                };
            }
        }

        return y;
    }
}
