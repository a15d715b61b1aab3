using ModelGen.Generator.Description;

namespace ModelGen.Generator.Planning;

/// <summary>
/// The geometry of a conv2d's or max_pooling2d's sliding window over its channels-last input, as the kernels need it:
/// the input, the window, the strides, the output, and the padding before the first row and column. "same" pads as
/// TensorFlow does (along each axis <c>total = max((out - 1) · stride + window - in, 0)</c>, the smaller half before);
/// "valid" pads nothing. The same numbers as the runtime's <c>Window2D</c>, which the CPU backend builds at run time.
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
    /// <summary>The window of a conv2d or max_pooling2d layer.</summary>
    public static WindowPlan Of(LayerPlan layer)
    {
        TensorShape input = layer.Input, output = layer.Output;
        (int height, int width, int strideHeight, int strideWidth, PaddingKind padding) = layer.Spec switch
        {
            Conv2DSpec conv => (conv.KernelHeight, conv.KernelWidth, conv.StrideHeight, conv.StrideWidth, conv.Padding),
            MaxPooling2DSpec pool => (pool.PoolHeight, pool.PoolWidth, pool.StrideHeight, pool.StrideWidth, pool.Padding),
            _ => throw new System.InvalidOperationException(layer.Name + " has no window."),
        };

        int padTop = 0, padLeft = 0;
        if (padding == PaddingKind.Same)
        {
            padTop = System.Math.Max((output.D0 - 1) * strideHeight + height - input.D0, 0) / 2;
            padLeft = System.Math.Max((output.D1 - 1) * strideWidth + width - input.D1, 0) / 2;
        }

        return new WindowPlan(input.D0, input.D1, input.D2, height, width, strideHeight, strideWidth, output.D0, output.D1, padTop, padLeft, padding == PaddingKind.Same);
    }

    /// <summary>Window positions per sample.</summary>
    public int Positions => OutputHeight * OutputWidth;
}
