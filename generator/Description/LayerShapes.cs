using System;
using ModelGen.Generator.Common;
using ModelGen.Generator.Shared;

namespace ModelGen.Generator.Description;

/// <summary>What a layer does to shapes and how many parameters it has: Keras's rules, in one place for the
/// validator (MG0005) and the planner.</summary>
internal static class LayerShapes
{
    /// <summary>The output shape of <paramref name="layer"/> on <paramref name="input"/>, or the reason it does not fit
    /// (a sentence for MG0005 that names the shapes and the fix).</summary>
    public static bool TryInfer(LayerSpec layer, string layerName, TensorShape input, out TensorShape output, out string? error)
    {
        output = input;
        error = null;
        switch (layer)
        {
            case DenseSpec dense:
                if (!input.IsVector)
                {
                    error = $"dense '{layerName}' needs a vector input but gets {input} ({Describe(input)}): "
                        + (input.IsSequence ? "add lstm or flatten before it" : "add flatten before it");
                    return false;
                }

                output = TensorShape.Vector(dense.Units);
                return true;

            case Conv2DSpec { Sequence: true } conv:
                if (!input.IsSequence)
                {
                    error = $"conv1d '{layerName}' needs a sequence input (timesteps x features) but gets {input} ({Describe(input)}): "
                        + (input.IsImage ? "use conv2d on images, or write the input as TxF, e.g. 'input 100x8'" : "write the input as TxF, e.g. 'input 100x8'");
                    return false;
                }

                if (conv.Padding == PaddingKind.Valid && conv.KernelWidth > input.D0)
                {
                    error = $"conv1d '{layerName}' has a kernel of {conv.KernelWidth} timesteps, longer than its {input.D0} timesteps {input}: use a smaller kernel_size or padding=same";
                    return false;
                }

                output = TensorShape.Sequence(WindowArithmetic.OutputLength(input.D0, conv.KernelWidth, conv.StrideWidth, conv.Padding == PaddingKind.Same), conv.Filters);
                return true;

            case Conv2DSpec conv:
                if (!input.IsImage)
                {
                    error = $"conv2d '{layerName}' needs an image input (height x width x channels) but gets {input} ({Describe(input)}): {ImageAdvice}";
                    return false;
                }

                return TryWindow("conv2d", layerName, input, conv.KernelHeight, conv.KernelWidth, conv.StrideHeight, conv.StrideWidth, conv.Padding, conv.Filters, out output, out error);

            case var _ when PoolingLayers.Of(layer) is { } pool:
                return TryPool(pool, layerName, input, out output, out error);

            case FlattenSpec:
                long size = input.Size;
                if (size > int.MaxValue)
                {
                    error = $"flatten '{layerName}' would make {size} values per sample from {input}, more than a model can hold";
                    return false;
                }

                output = TensorShape.Vector((int)size);
                return true;

            case LstmSpec lstm:
                if (!input.IsSequence)
                {
                    error = $"lstm '{layerName}' needs a sequence input (timesteps x features) but gets {input} ({Describe(input)}): write the input as TxF, e.g. 'input 10x14'";
                    return false;
                }

                output = lstm.ReturnSequences ? TensorShape.Sequence(input.D0, lstm.Units) : TensorShape.Vector(lstm.Units);
                return true;

            case GruSpec gru:
                if (!input.IsSequence)
                {
                    error = $"gru '{layerName}' needs a sequence input (timesteps x features) but gets {input} ({Describe(input)}): write the input as TxF, e.g. 'input 10x14'";
                    return false;
                }

                output = gru.ReturnSequences ? TensorShape.Sequence(input.D0, gru.Units) : TensorShape.Vector(gru.Units);
                return true;

            default:
                // batch_normalization, activation and dropout keep the shape.
                return true;
        }
    }

    /// <summary>Trainable and non-trainable parameters of <paramref name="layer"/> on <paramref name="input"/> (Keras's counts).</summary>
    public static (long Trainable, long NonTrainable) Parameters(LayerSpec layer, TensorShape input) => layer switch
    {
        DenseSpec dense => ((long)input.Last * dense.Units + (dense.UseBias ? dense.Units : 0), 0),
        BatchNormalizationSpec bn => ((long)input.Last * ((bn.Center ? 1 : 0) + (bn.Scale ? 1 : 0)), 2L * input.Last),
        Conv2DSpec conv => ((long)conv.KernelHeight * conv.KernelWidth * input.Last * conv.Filters + (conv.UseBias ? conv.Filters : 0), 0),
        LstmSpec lstm => (4L * lstm.Units * (input.Last + lstm.Units + 1), 0),
        GruSpec gru => (3L * gru.Units * (input.Last + gru.Units + (gru.ResetAfter ? 2 : 1)), 0),
        _ => (0, 0),
    };

    /// <summary>The layers' names: the one written (<c>name=</c>), or Keras's automatic name: <c>dense</c>, <c>dense_1</c>,
    /// <c>batch_normalization</c>, ..., counted per layer type over the layers without a written name (as Keras counts
    /// the layers it names itself). Uniqueness is the validator's (MG0003).</summary>
    public static EquatableArray<string> Names(EquatableArray<LayerSpec> layers)
    {
        var counts = new int[Enum.GetValues(typeof(LayerKind)).Length];
        var names = new string[layers.Count];
        for (int i = 0; i < names.Length; i++)
        {
            if (layers[i].Name is { } written)
            {
                names[i] = written;
                continue;
            }

            LayerKind kind = layers[i].Kind;
            int count = counts[(int)kind]++;
            string baseName = Description.Names.Of(kind);
            names[i] = count == 0 ? baseName : baseName + "_" + count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return names.ToEquatableArray();
    }

    private static bool TryWindow(
        string kind,
        string layerName,
        TensorShape input,
        int windowHeight,
        int windowWidth,
        int strideHeight,
        int strideWidth,
        PaddingKind padding,
        int channels,
        out TensorShape output,
        out string? error)
    {
        output = input;
        error = null;
        if (padding == PaddingKind.Valid && (windowHeight > input.D0 || windowWidth > input.D1))
        {
            error = $"{kind} '{layerName}' has a {windowHeight}x{windowWidth} window, larger than its {input.D0}x{input.D1} input {input}: use a smaller window, padding=same, or remove a pooling layer before it";
            return false;
        }

        bool same = padding == PaddingKind.Same;
        int height = WindowArithmetic.OutputLength(input.D0, windowHeight, strideHeight, same);
        int width = WindowArithmetic.OutputLength(input.D1, windowWidth, strideWidth, same);
        output = TensorShape.Image(height, width, channels);
        return true;
    }

    /// <summary>A pooling layer's output: a window pool keeps the rank (an image's or a sequence's positions pooled, the
    /// channels or features kept), a global pool gives the vector of channels or features.</summary>
    private static bool TryPool(PoolingGeometry pool, string layerName, TensorShape input, out TensorShape output, out string? error)
    {
        output = input;
        error = null;
        string kind = pool.Keyword;
        if (pool.Images && !input.IsImage)
        {
            error = $"{kind} '{layerName}' needs an image input (height x width x channels) but gets {input} ({Describe(input)}): "
                + (input.IsSequence ? $"use {kind.Replace("2d", "1d")} on a sequence, or write an image input as HxWxC, e.g. 'input 8x8x1'" : ImageAdvice);
            return false;
        }

        if (!pool.Images && !input.IsSequence)
        {
            error = $"{kind} '{layerName}' needs a sequence input (timesteps x features) but gets {input} ({Describe(input)}): "
                + (input.IsImage ? $"use {kind.Replace("1d", "2d")} on an image, or write a sequence input as TxF, e.g. 'input 10x14'" : "write the input as TxF, e.g. 'input 10x14', or use lstm with return_sequences=true before it");
            return false;
        }

        if (pool.Global)
        {
            output = TensorShape.Vector(input.Last);
            return true;
        }

        if (pool.Images)
        {
            return TryWindow(kind, layerName, input, pool.PoolHeight, pool.PoolWidth, pool.StrideHeight, pool.StrideWidth, pool.Padding, input.D2, out output, out error);
        }

        // Along the timesteps only; the features are the channels.
        if (pool.Padding == PaddingKind.Valid && pool.PoolHeight > input.D0)
        {
            error = $"{kind} '{layerName}' has a window of {pool.PoolHeight} timesteps, more than the {input.D0} of its input {input}: use a smaller pool_size, padding=same, or remove a pooling layer before it";
            return false;
        }

        output = TensorShape.Sequence(WindowArithmetic.OutputLength(input.D0, pool.PoolHeight, pool.StrideHeight, pool.Padding == PaddingKind.Same), input.D1);
        return true;
    }

    private const string ImageAdvice = "write an image input as HxWxC, e.g. 'input 8x8x1', and put flatten only after the last conv2d or max_pooling2d";


    private static string Describe(TensorShape shape) => shape.Rank switch
    {
        1 => "a vector",
        2 => "a sequence",
        _ => "an image",
    };
}
