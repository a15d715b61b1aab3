using System;
using System.Globalization;

namespace ModelGen.Generator.Description;

/// <summary>The shape of one sample (the batch axis left out): a vector <c>(F)</c>, a sequence <c>(T, F)</c> or a
/// channels-last image <c>(H, W, C)</c>.</summary>
internal readonly record struct TensorShape(int Rank, int D0, int D1 = 0, int D2 = 0)
{
    public static TensorShape Vector(int features) => new(1, features);

    public static TensorShape Sequence(int timesteps, int features) => new(2, timesteps, features);

    public static TensorShape Image(int height, int width, int channels) => new(3, height, width, channels);

    public bool IsVector => Rank == 1;

    public bool IsSequence => Rank == 2;

    public bool IsImage => Rank == 3;

    /// <summary>The size of the last axis: features or channels; what BatchNormalization normalizes over.</summary>
    public int Last => Rank switch { 1 => D0, 2 => D1, _ => D2 };

    /// <summary>Values per sample.</summary>
    public long Size => Rank switch { 1 => D0, 2 => (long)D0 * D1, _ => (long)D0 * D1 * D2 };

    /// <summary>Keras's notation with the batch axis: <c>(None, 6, 6, 32)</c>.</summary>
    public override string ToString() => Rank switch
    {
        1 => string.Format(CultureInfo.InvariantCulture, "(None, {0})", D0),
        2 => string.Format(CultureInfo.InvariantCulture, "(None, {0}, {1})", D0, D1),
        3 => string.Format(CultureInfo.InvariantCulture, "(None, {0}, {1}, {2})", D0, D1, D2),
        _ => "(None)",
    };

    public static TensorShape FromInput(InputSpec input) => input.Shape.Count switch
    {
        1 => Vector(input.Shape[0]),
        2 => Sequence(input.Shape[0], input.Shape[1]),
        3 => Image(input.Shape[0], input.Shape[1], input.Shape[2]),
        _ => throw new ArgumentException("An input shape has 1 to 3 dimensions.", nameof(input)),
    };
}
