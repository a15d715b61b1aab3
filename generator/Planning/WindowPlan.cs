using ModelGen.Generator.Description;
using ModelGen.Generator.Shared;

namespace ModelGen.Generator.Planning;

/// <summary>
/// The geometry of a conv2d's or a pooling layer's sliding window over its channels-last input, as the kernels need it:
/// the input, the window, the strides, the output, and the padding before the first row and column, computed once by
/// <see cref="WindowArithmetic"/> (TensorFlow's "same" and "valid"), which the runtime's <c>Window2D</c> also uses.
/// <c>Padded</c>: whether windows may reach into the padding ("same"); every window of a "valid" one lies inside.
/// </summary>
internal readonly record struct WindowPlan(
    int Height, int Width, int Channels,
    int WindowHeight, int WindowWidth,
    int StrideHeight, int StrideWidth,
    int OutputHeight, int OutputWidth,
    int PadTop, int PadLeft,
    bool Padded)
{
    /// <summary>The window of a conv2d, conv1d (height 1) or pooling layer.</summary>
    public static WindowPlan Of(LayerPlan layer)
    {
        TensorShape input = layer.Input, output = layer.Output;
        if (PoolingLayers.Of(layer.Spec) is { Images: false } or { Global: true })
        {
            return PoolingWindow(input, PoolingLayers.Of(layer.Spec)!.Value);
        }

        (int height, int width, int strideHeight, int strideWidth, PaddingKind padding) = layer.Spec switch
        {
            Conv2DSpec conv => (conv.KernelHeight, conv.KernelWidth, conv.StrideHeight, conv.StrideWidth, conv.Padding),
            MaxPooling2DSpec pool => (pool.PoolHeight, pool.PoolWidth, pool.StrideHeight, pool.StrideWidth, pool.Padding),
            AveragePooling2DSpec pool => (pool.PoolHeight, pool.PoolWidth, pool.StrideHeight, pool.StrideWidth, pool.Padding),
            _ => throw new System.InvalidOperationException(layer.Name + " has no window."),
        };

        bool same = padding == PaddingKind.Same;
        if (layer.Spec is Conv2DSpec { Sequence: true })
        {
            // A conv1d: an image of height 1, the timesteps as its width.
            int padStart = WindowArithmetic.PadBefore(input.D0, output.D0, width, strideWidth, same);
            return new WindowPlan(1, input.D0, input.D1, 1, width, 1, strideWidth, 1, output.D0, 0, padStart, same);
        }

        int padTop = WindowArithmetic.PadBefore(input.D0, output.D0, height, strideHeight, same);
        int padLeft = WindowArithmetic.PadBefore(input.D1, output.D1, width, strideWidth, same);
        return new WindowPlan(input.D0, input.D1, input.D2, height, width, strideHeight, strideWidth, output.D0, output.D1, padTop, padLeft, padding == PaddingKind.Same);
    }

    /// <summary>
    /// The window of a 1-D or global pool: a sequence (T, F) is a T x 1 image of F channels, pooled along its rows; a
    /// global pool is one "valid" window over the whole input (an image's height and width, a sequence's timesteps),
    /// whose single output position is the vector of channels.
    /// </summary>
    private static WindowPlan PoolingWindow(TensorShape input, PoolingGeometry pool)
    {
        (int height, int width, int channels) = input.IsImage ? (input.D0, input.D1, input.D2) : (input.D0, 1, input.D1);
        if (pool.Global)
        {
            return new WindowPlan(height, width, channels, height, width, height, width, 1, 1, 0, 0, Padded: false);
        }

        bool same = pool.Padding == PaddingKind.Same;
        int outputHeight = WindowArithmetic.OutputLength(height, pool.PoolHeight, pool.StrideHeight, same);
        int padTop = WindowArithmetic.PadBefore(height, outputHeight, pool.PoolHeight, pool.StrideHeight, same);
        return new WindowPlan(height, 1, channels, pool.PoolHeight, 1, pool.StrideHeight, 1, outputHeight, 1, padTop, 0, same);
    }

    /// <summary>Window positions per sample.</summary>
    public int Positions => OutputHeight * OutputWidth;
}
