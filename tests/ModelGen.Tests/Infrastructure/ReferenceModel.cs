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
                    values = Activate(next, rows, features, dense.Activation);
                    break;
                }

                case BatchNormalizationSpec bn:
                {
                    float[]? gamma = bn.Scale ? queue.Dequeue() : null;
                    float[]? beta = bn.Center ? queue.Dequeue() : null;
                    float[] mean = queue.Dequeue();
                    float[] variance = queue.Dequeue();
                    for (int r = 0; r < rows; r++)
                    {
                        for (int j = 0; j < features; j++)
                        {
                            double v = values[r * features + j];
                            values[r * features + j] = (v - mean[j]) / Math.Sqrt(variance[j] + (double)(float)bn.Epsilon) * (gamma?[j] ?? 1) + (beta?[j] ?? 0);
                        }
                    }

                    break;
                }

                case ActivationSpec activation:
                    values = Activate(values, rows, features, activation.Activation);
                    break;
            }
        }

        return values;
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
