using System;
using System.Collections.Generic;
using ModelGen.Benchmarks.Models;

namespace ModelGen.Benchmarks;

/// <summary>The activations the benchmark models use.</summary>
public enum Act
{
    Linear,
    Relu,
    Tanh,
    Sigmoid,
    Softmax,
}

/// <summary>The losses the benchmark models use.</summary>
public enum LossKind
{
    /// <summary>One sigmoid unit; labels [batch, 1] of 0 or 1.</summary>
    BinaryCrossentropy,

    /// <summary>Softmax over the classes; labels [batch] class indices.</summary>
    SparseCategoricalCrossentropy,
}

/// <summary>One layer of a model, as the peers build it (the generated classes read the same model from Models/*.model).</summary>
public abstract record LayerSpec;

/// <summary>Dense with a bias, then <paramref name="Activation"/>.</summary>
public sealed record DenseSpec(int Units, Act Activation = Act.Linear) : LayerSpec;

/// <summary>BatchNormalization over the features (after a conv2d: over the channels), Keras's momentum (weight of the old moving statistic).</summary>
public sealed record BatchNormSpec(float Momentum = 0.99f, float Epsilon = 1e-3f) : LayerSpec;

/// <summary>A separate activation layer.</summary>
public sealed record ActivationSpec(Act Activation) : LayerSpec;

/// <summary>Inverted dropout.</summary>
public sealed record DropoutSpec(float Rate) : LayerSpec;

/// <summary>Conv2D with a bias, stride 1, "same" padding (odd kernels), no activation.</summary>
public sealed record Conv2DSpec(int Filters, int KernelSize) : LayerSpec;

/// <summary>MaxPooling2D, stride = pool size, "valid" padding.</summary>
public sealed record MaxPoolSpec(int PoolSize) : LayerSpec;

/// <summary>Flatten of an image in Keras's channels-last order (h, w, c).</summary>
public sealed record FlattenSpec : LayerSpec;

/// <summary>Keras's LSTM: <paramref name="Units"/> units, activation tanh, recurrent activation sigmoid, a bias, zero initial
/// state, the last step's output only (return_sequences=false). Weights in Keras's layout: kernel [features, 4u], recurrent
/// kernel [u, 4u], bias [4u], gates in the order i, f, c (the candidate), o.</summary>
public sealed record LstmSpec(int Units) : LayerSpec;

/// <summary>A sequence input as ModelGen takes it: the flat input is [batch, Timesteps × Features], sample-major then time-major.</summary>
public sealed record SequenceShape(int Timesteps, int Features);

/// <summary>An image input, channels last as ModelGen takes it: the flat input is [batch, Height × Width × Channels].</summary>
public sealed record ImageShape(int Height, int Width, int Channels);

/// <summary>A benchmark model: the same architecture and optimizer (Keras's SGD) for every implementation.
/// <paramref name="Image"/>: the input's image shape for a convolutional model, null for a flat one;
/// <paramref name="Sequence"/>: the input's sequence shape for a recurrent model, null for the others.</summary>
public sealed record ModelSpec(string Name, int InputSize, int OutputSize, LayerSpec[] Layers, LossKind Loss, float LearningRate, float Momentum, ImageShape? Image = null, SequenceShape? Sequence = null)
{
    /// <summary>Whether the model has conv2d/max_pooling2d layers (the plain C# loops have none).</summary>
    public bool IsConvolutional => Image is not null;

    /// <summary>Whether the model has an lstm layer (the plain C# loops have none).</summary>
    public bool IsRecurrent => Sequence is not null;

    /// <summary>Whether training draws random numbers (dropout): two implementations then train on different masks.</summary>
    public bool HasDropout => Array.Exists(Layers, l => l is DropoutSpec);

    /// <summary>Label values per sample, in ModelGen's layout.</summary>
    public int LabelSize => 1;

    /// <summary>Multiply-adds of the Dense layers per sample in the forward pass.</summary>
    public long DenseMacsPerSample
    {
        get
        {
            long macs = 0;
            int width = InputSize;
            foreach (LayerSpec layer in Layers)
            {
                if (layer is DenseSpec dense)
                {
                    macs += (long)width * dense.Units;
                    width = dense.Units;
                }
                else if (layer is LstmSpec lstm)
                {
                    width = lstm.Units;
                }
            }

            return macs;
        }
    }

    /// <summary>Multiply-adds of the Dense layers' input gradients per sample (none for the first Dense: the input needs none).</summary>
    public long DenseInputGradientMacsPerSample
    {
        get
        {
            long macs = 0;
            int width = InputSize;
            bool first = true;
            foreach (LayerSpec layer in Layers)
            {
                if (layer is DenseSpec dense)
                {
                    if (!first)
                    {
                        macs += (long)width * dense.Units;
                    }

                    first = false;
                    width = dense.Units;
                }
                else if (layer is LstmSpec lstm)
                {
                    width = lstm.Units;
                    first = false;
                }
            }

            return macs;
        }
    }
}

/// <summary>The models M1 to M6 (their .model files are in Models/), their generated classes and their data.</summary>
public static class ModelSpecs
{
    public static readonly ModelSpec M1 = new("M1", 2, 1,
        [new DenseSpec(50, Act.Relu), new BatchNormSpec(), new DenseSpec(1, Act.Sigmoid)],
        LossKind.BinaryCrossentropy, LearningRate: 0.01f, Momentum: 0.9f);

    public static readonly ModelSpec M2 = new("M2", 14, 2,
        [
            new DenseSpec(64), new BatchNormSpec(), new ActivationSpec(Act.Tanh), new DropoutSpec(0.2f),
            new DenseSpec(64), new BatchNormSpec(), new ActivationSpec(Act.Tanh), new DropoutSpec(0.2f),
            new DenseSpec(2), new BatchNormSpec(), new ActivationSpec(Act.Softmax),
        ],
        LossKind.SparseCategoricalCrossentropy, LearningRate: 0.01f, Momentum: 0f);

    public static readonly ModelSpec M3 = new("M3", 192, 99,
        [
            new DenseSpec(100), new BatchNormSpec(), new ActivationSpec(Act.Relu),
            new DenseSpec(100), new BatchNormSpec(), new ActivationSpec(Act.Relu),
            new DenseSpec(100), new BatchNormSpec(), new ActivationSpec(Act.Relu),
            new DenseSpec(99, Act.Softmax),
        ],
        LossKind.SparseCategoricalCrossentropy, LearningRate: 0.01f, Momentum: 0f);

    public static readonly ModelSpec M4 = new("M4", 784, 10,
        [
            new DenseSpec(512), new BatchNormSpec(), new ActivationSpec(Act.Relu),
            new DenseSpec(512), new BatchNormSpec(), new ActivationSpec(Act.Relu),
            new DenseSpec(10, Act.Softmax),
        ],
        LossKind.SparseCategoricalCrossentropy, LearningRate: 0.01f, Momentum: 0f);

    /// <summary>The digits CNN (issue 6), as samples/ModelZoo/Models/DigitsCnn.model.</summary>
    public static readonly ModelSpec M5 = new("M5", 64, 10,
        [
            new Conv2DSpec(16, 3), new BatchNormSpec(), new ActivationSpec(Act.Relu), new MaxPoolSpec(2),
            new Conv2DSpec(32, 3), new BatchNormSpec(), new ActivationSpec(Act.Relu), new MaxPoolSpec(2),
            new FlattenSpec(),
            new DenseSpec(64), new BatchNormSpec(), new ActivationSpec(Act.Relu),
            new DenseSpec(10, Act.Softmax),
        ],
        LossKind.SparseCategoricalCrossentropy, LearningRate: 0.01f, Momentum: 0.9f, Image: new ImageShape(8, 8, 1));

    /// <summary>The LSTM sequence classifier: 20 timesteps of 16 features, lstm 64, batch_normalization, dense 10 softmax.</summary>
    public static readonly ModelSpec M6 = new("M6", 20 * 16, 10,
        [new LstmSpec(64), new BatchNormSpec(), new DenseSpec(10, Act.Softmax)],
        LossKind.SparseCategoricalCrossentropy, LearningRate: 0.01f, Momentum: 0.9f, Sequence: new SequenceShape(20, 16));

    public static IReadOnlyList<ModelSpec> All { get; } = [M1, M2, M3, M4, M5, M6];

    public static ModelSpec Get(string name) => All[IndexOf(name)];

    private static int IndexOf(string name) => name switch
    {
        "M1" => 0,
        "M2" => 1,
        "M3" => 2,
        "M4" => 3,
        "M5" => 4,
        "M6" => 5,
        _ => throw new ArgumentException($"no model {name}", nameof(name)),
    };

    /// <summary>A new generated model (from Models/{name}.model), initialized from <paramref name="seed"/>.</summary>
    public static ITrainableModel CreateGenerated(string name, int seed) => name switch
    {
        "M1" => new M1(seed),
        "M2" => new M2(seed),
        "M3" => new M3(seed),
        "M4" => new M4(seed),
        "M5" => new M5(seed),
        "M6" => new M6(seed),
        _ => throw new ArgumentException($"no model {name}", nameof(name)),
    };

    /// <summary>Inputs in [-1, 1) and labels (ModelGen's layout: 0/1 or class indices) for <paramref name="batch"/> samples.</summary>
    public static (float[] X, float[] Labels) Data(ModelSpec spec, int batch, int seed)
    {
        var random = new Random(seed);
        var x = new float[batch * spec.InputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 2 - 1);
        }

        var labels = new float[batch * spec.LabelSize];
        int classes = spec.Loss == LossKind.BinaryCrossentropy ? 2 : spec.OutputSize;
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = random.Next(classes);
        }

        return (x, labels);
    }
}
