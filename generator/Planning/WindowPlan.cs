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
        if (PoolingLayers.Of(layer.Spec) is { } pool)
        {
            return Pooling(layer.Input, pool);
        }

        if (layer.Spec is not Conv2DSpec conv)
        {
            throw new System.InvalidOperationException(layer.Name + " has no window.");
        }

        // A conv1d: an image of height 1, the timesteps as its width.
        return conv.Sequence
            ? Window(1, layer.Input.D0, layer.Input.D1, 1, conv.KernelWidth, 1, conv.StrideWidth, conv.Padding)
            : Window(layer.Input.D0, layer.Input.D1, layer.Input.D2, conv.KernelHeight, conv.KernelWidth, conv.StrideHeight, conv.StrideWidth, conv.Padding);
    }

    /// <summary>
    /// A pooling layer's window: an image's; a sequence (T, F) as a T x 1 image of F channels, pooled along its rows; a
    /// global pool's one "valid" window over the whole input (an image's height and width, a sequence's timesteps),
    /// whose single output position is the vector of channels.
    /// </summary>
    private static WindowPlan Pooling(TensorShape input, PoolingGeometry pool)
    {
        (int height, int width, int channels) = input.IsImage ? (input.D0, input.D1, input.D2) : (input.D0, 1, input.D1);
        return pool.Global
            ? Window(height, width, channels, height, width, height, width, PaddingKind.Valid)
            : Window(height, width, channels, pool.PoolHeight, pool.PoolWidth, pool.StrideHeight, pool.StrideWidth, pool.Padding);
    }

    private static WindowPlan Window(int height, int width, int channels, int windowHeight, int windowWidth, int strideHeight, int strideWidth, PaddingKind padding)
    {
        bool same = padding == PaddingKind.Same;
        int outputHeight = WindowArithmetic.OutputLength(height, windowHeight, strideHeight, same);
        int outputWidth = WindowArithmetic.OutputLength(width, windowWidth, strideWidth, same);
        int padTop = WindowArithmetic.PadBefore(height, outputHeight, windowHeight, strideHeight, same);
        int padLeft = WindowArithmetic.PadBefore(width, outputWidth, windowWidth, strideWidth, same);
        return new WindowPlan(height, width, channels, windowHeight, windowWidth, strideHeight, strideWidth, outputHeight, outputWidth, padTop, padLeft, same);
    }

    /// <summary>Window positions per sample.</summary>
    public int Positions => OutputHeight * OutputWidth;
}
