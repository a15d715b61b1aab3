namespace ModelGen.Generator.Description;

// The pooling layers besides max_pooling2d (ModelSpec.cs): average pooling on images, max and average pooling over the
// timesteps of a sequence, and the global poolings that turn an image or a sequence into one vector per sample.
// None has weights. Every one of them is a sliding window (Pooling.Of): the kernels of both backends and the ONNX
// export run them all through the same window machinery, a sequence (T, F) being a T x 1 image of F channels and a
// global pool a window over the whole input.

/// <summary>Keras <c>AveragePooling2D</c>: the mean of each window per channel; with "same" padding the mean of the
/// positions inside the input only (TensorFlow's, Keras's <c>count_include_pad=False</c>).</summary>
internal sealed record AveragePooling2DSpec(int PoolHeight, int PoolWidth, int StrideHeight, int StrideWidth, PaddingKind Padding) : LayerSpec
{
    public override LayerKind Kind => LayerKind.AveragePooling2D;
}

/// <summary>Keras <c>MaxPooling1D</c> over the timesteps of a sequence, per feature.</summary>
internal sealed record MaxPooling1DSpec(int PoolSize, int Stride, PaddingKind Padding) : LayerSpec
{
    public override LayerKind Kind => LayerKind.MaxPooling1D;
}

/// <summary>Keras <c>AveragePooling1D</c> over the timesteps of a sequence, per feature ("same": inside positions only).</summary>
internal sealed record AveragePooling1DSpec(int PoolSize, int Stride, PaddingKind Padding) : LayerSpec
{
    public override LayerKind Kind => LayerKind.AveragePooling1D;
}

/// <summary>Keras <c>GlobalAveragePooling1D</c>: the mean over the timesteps, one vector of features per sample.</summary>
internal sealed record GlobalAveragePooling1DSpec : LayerSpec
{
    public override LayerKind Kind => LayerKind.GlobalAveragePooling1D;
}

/// <summary>Keras <c>GlobalMaxPooling1D</c>: the maximum over the timesteps, one vector of features per sample.</summary>
internal sealed record GlobalMaxPooling1DSpec : LayerSpec
{
    public override LayerKind Kind => LayerKind.GlobalMaxPooling1D;
}

/// <summary>Keras <c>GlobalAveragePooling2D</c>: the mean over height and width, one vector of channels per sample.</summary>
internal sealed record GlobalAveragePooling2DSpec : LayerSpec
{
    public override LayerKind Kind => LayerKind.GlobalAveragePooling2D;
}

/// <summary>Keras <c>GlobalMaxPooling2D</c>: the maximum over height and width, one vector of channels per sample.</summary>
internal sealed record GlobalMaxPooling2DSpec : LayerSpec
{
    public override LayerKind Kind => LayerKind.GlobalMaxPooling2D;
}

/// <summary>
/// A pooling layer's geometry, whatever its kind: whether it averages or takes the maximum, whether it pools images
/// (rank 3 inputs) or sequences (rank 2), whether it is global (one window over the whole input, whose output is a
/// vector), and, for a window pool, the window, the strides and the padding (a 1-D pool's along the timesteps, with a
/// width of 1).
/// </summary>
internal readonly record struct PoolingGeometry(
    bool Average, bool Images, bool Global, int PoolHeight, int PoolWidth, int StrideHeight, int StrideWidth, PaddingKind Padding)
{
    /// <summary>The keyword of the layer (<c>average_pooling1d</c>), for messages.</summary>
    public string Keyword => Images
        ? Global ? (Average ? "global_average_pooling2d" : "global_max_pooling2d") : (Average ? "average_pooling2d" : "max_pooling2d")
        : Global ? (Average ? "global_average_pooling1d" : "global_max_pooling1d") : (Average ? "average_pooling1d" : "max_pooling1d");
}

/// <summary>The pooling layers as one family (<see cref="PoolingGeometry"/>).</summary>
internal static class PoolingLayers
{
    /// <summary>The geometry of a pooling layer, or null for any other layer.</summary>
    public static PoolingGeometry? Of(LayerSpec layer) => layer switch
    {
        MaxPooling2DSpec p => new PoolingGeometry(false, true, false, p.PoolHeight, p.PoolWidth, p.StrideHeight, p.StrideWidth, p.Padding),
        AveragePooling2DSpec p => new PoolingGeometry(true, true, false, p.PoolHeight, p.PoolWidth, p.StrideHeight, p.StrideWidth, p.Padding),
        MaxPooling1DSpec p => new PoolingGeometry(false, false, false, p.PoolSize, 1, p.Stride, 1, p.Padding),
        AveragePooling1DSpec p => new PoolingGeometry(true, false, false, p.PoolSize, 1, p.Stride, 1, p.Padding),
        GlobalAveragePooling1DSpec => Global(average: true, images: false),
        GlobalMaxPooling1DSpec => Global(average: false, images: false),
        GlobalAveragePooling2DSpec => Global(average: true, images: true),
        GlobalMaxPooling2DSpec => Global(average: false, images: true),
        _ => null,
    };

    /// <summary>Whether <paramref name="layer"/> is one of the pooling layers.</summary>
    public static bool Is(LayerSpec layer) => Of(layer) is not null;

    /// <summary>A global pool: its window (the whole input) is only known with the input's shape.</summary>
    private static PoolingGeometry Global(bool average, bool images) => new(average, images, true, 0, 0, 0, 0, PaddingKind.Valid);
}
