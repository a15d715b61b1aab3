using System;
using System.ComponentModel;

namespace ModelGen.CompilerServices;

/// <summary>
/// The geometry of a 2-D sliding window over a channels-last image (Keras's conv2d and max_pooling2d): input
/// <c>[height, width, channels]</c>, a <c>windowHeight × windowWidth</c> window moved by the strides, and the padding
/// TensorFlow uses for <c>"same"</c>: along each axis <c>total = max((ceil(in / stride) - 1) · stride + window - in, 0)</c>,
/// <c>total / 2</c> before the first value and the rest after the last. <c>"valid"</c> pads nothing. For generated code.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct Window2D
{
    /// <summary>The geometry of a window over an image.</summary>
    /// <param name="height">Input rows.</param>
    /// <param name="width">Input columns.</param>
    /// <param name="channels">Input channels (the last, contiguous axis).</param>
    /// <param name="windowHeight">Window rows (kernel or pool height).</param>
    /// <param name="windowWidth">Window columns.</param>
    /// <param name="strideHeight">Step between windows along the rows.</param>
    /// <param name="strideWidth">Step between windows along the columns.</param>
    /// <param name="padding">Keras's padding: valid (none) or same (TensorFlow's, the larger half after).</param>
    public Window2D(int height, int width, int channels, int windowHeight, int windowWidth, int strideHeight, int strideWidth, Padding padding)
    {
        Check.Positive(height, nameof(height));
        Check.Positive(width, nameof(width));
        Check.Positive(channels, nameof(channels));
        Check.Positive(windowHeight, nameof(windowHeight));
        Check.Positive(windowWidth, nameof(windowWidth));
        Check.Positive(strideHeight, nameof(strideHeight));
        Check.Positive(strideWidth, nameof(strideWidth));
        Height = height;
        Width = width;
        Channels = channels;
        WindowHeight = windowHeight;
        WindowWidth = windowWidth;
        StrideHeight = strideHeight;
        StrideWidth = strideWidth;
        Padding = padding;
        bool same = padding == Padding.Same;
        if (!same && (windowHeight > height || windowWidth > width))
        {
            throw new ArgumentException($"A {windowHeight}x{windowWidth} window does not fit a {height}x{width} input without padding.");
        }

        // The generator plans the same geometry with the same code (WindowArithmetic is compiled into both).
        OutputHeight = WindowArithmetic.OutputLength(height, windowHeight, strideHeight, same);
        OutputWidth = WindowArithmetic.OutputLength(width, windowWidth, strideWidth, same);
        PadTop = WindowArithmetic.PadBefore(height, OutputHeight, windowHeight, strideHeight, same);
        PadLeft = WindowArithmetic.PadBefore(width, OutputWidth, windowWidth, strideWidth, same);
    }

    /// <summary>Input rows.</summary>
    public int Height { get; }

    /// <summary>Input columns.</summary>
    public int Width { get; }

    /// <summary>Input channels.</summary>
    public int Channels { get; }

    /// <summary>Window rows.</summary>
    public int WindowHeight { get; }

    /// <summary>Window columns.</summary>
    public int WindowWidth { get; }

    /// <summary>Step along the rows.</summary>
    public int StrideHeight { get; }

    /// <summary>Step along the columns.</summary>
    public int StrideWidth { get; }

    /// <summary>Valid or same.</summary>
    public Padding Padding { get; }

    /// <summary>Rows of padding above the input (same padding: the smaller half).</summary>
    public int PadTop { get; }

    /// <summary>Columns of padding left of the input.</summary>
    public int PadLeft { get; }

    /// <summary>Output rows.</summary>
    public int OutputHeight { get; }

    /// <summary>Output columns.</summary>
    public int OutputWidth { get; }

    /// <summary>Values per input sample: <c>height · width · channels</c>.</summary>
    public int InputSize => Height * Width * Channels;

    /// <summary>Window positions per sample: <c>outputHeight · outputWidth</c>.</summary>
    public int Positions => OutputHeight * OutputWidth;

    /// <summary>Values under one window: <c>windowHeight · windowWidth · channels</c>, a row of the im2col matrix.</summary>
    public int PatchSize => WindowHeight * WindowWidth * Channels;

    /// <summary>Whether the im2col matrix is the input itself: a 1x1 window with unit strides.</summary>
    public bool IsPointwise => WindowHeight == 1 && WindowWidth == 1 && StrideHeight == 1 && StrideWidth == 1;

    /// <summary>The first and one-past-last window offsets along an axis that fall inside the input, for the window
    /// whose first offset is at input index <paramref name="origin"/> (negative inside the padding).</summary>
    internal static (int First, int End) Inside(int origin, int window, int extent) =>
        (Math.Max(0, -origin), Math.Min(window, extent - origin));
}
