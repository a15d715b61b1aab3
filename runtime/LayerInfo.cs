using System;
using System.Collections.Generic;

namespace ModelGen;

/// <summary>A layer of a generated model as Keras knows it: its name, its Keras class and its weight tensors in Keras's
/// order. <see cref="IModel.Layers"/> lists them; tools that read and write Keras's files (ModelGen.Keras) match layers
/// by them.</summary>
public sealed class LayerInfo
{
    /// <summary>Creates the description of a layer.</summary>
    /// <param name="name">The layer's name (<c>dense_1</c>).</param>
    /// <param name="kerasClass">The Keras class it computes (<c>Dense</c>, <c>BatchNormalization</c>, …).</param>
    /// <param name="weights">Its weight tensors in Keras's <c>layer.weights</c> order; none for a layer without weights.</param>
    public LayerInfo(string name, string kerasClass, params WeightInfo[] weights)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(kerasClass);
        ArgumentNullException.ThrowIfNull(weights);
        Name = name;
        KerasClass = kerasClass;
        Weights = Array.AsReadOnly((WeightInfo[])weights.Clone());
    }

    /// <summary>The layer's name, as in <c>Summary</c> and Keras's <c>layer.name</c>.</summary>
    public string Name { get; }

    /// <summary>The Keras class of the layer (<c>Dense</c>, <c>BatchNormalization</c>, <c>Activation</c>, <c>Dropout</c>,
    /// <c>Conv2D</c>, <c>MaxPooling2D</c>, <c>Flatten</c>, <c>LSTM</c>).</summary>
    public string KerasClass { get; }

    /// <summary>The layer's weight tensors, in Keras's order (<see cref="IWeightsAccess.GetWeights"/> lists every layer's in turn).</summary>
    public IReadOnlyList<WeightInfo> Weights { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({KerasClass})";
}

/// <summary>One weight tensor of a layer: its Keras name, shape and whether training changes it.</summary>
public sealed class WeightInfo
{
    private readonly int[] _shape;

    /// <summary>Creates the description of a weight tensor.</summary>
    /// <param name="name">The variable's name within its layer (<c>kernel</c>, <c>bias</c>, <c>gamma</c>, <c>moving_mean</c>, …).</param>
    /// <param name="trainable">Whether the optimizer updates it (false for BatchNormalization's moving statistics).</param>
    /// <param name="shape">Its shape in Keras's layout (a dense kernel <c>[in, units]</c>, a conv2d kernel <c>[kh, kw, in, filters]</c>).</param>
    public WeightInfo(string name, bool trainable, params int[] shape)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        long length = 1;
        foreach (int dimension in shape)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension, nameof(shape));
            length *= dimension;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, int.MaxValue, nameof(shape));
        Name = name;
        Trainable = trainable;
        _shape = (int[])shape.Clone();
        Length = (int)length;
    }

    /// <summary>The variable's name within its layer (<c>kernel</c>); the weights file calls it <c>layer/kernel</c>.</summary>
    public string Name { get; }

    /// <summary>Whether the optimizer updates it.</summary>
    public bool Trainable { get; }

    /// <summary>The shape, in Keras's layout.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of values (the product of <see cref="Shape"/>).</summary>
    public int Length { get; }

    /// <summary>The shape as Keras prints it: <c>(2, 50)</c>.</summary>
    public string ShapeText => "(" + string.Join(", ", _shape) + (_shape.Length == 1 ? ",)" : ")");

    /// <inheritdoc/>
    public override string ToString() => $"{Name} {ShapeText}";
}
