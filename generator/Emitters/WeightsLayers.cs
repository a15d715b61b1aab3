using System.Globalization;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;

namespace ModelGen.Generator.Emitters;

/// <summary>
/// What both backends need to know of a layer, in one place: a Dense's or a conv2d's numbers as a matrix product (a
/// conv2d runs as a Dense on its im2col matrix: rows · positions rows of kh · kw · in values, filters units), and a
/// layer described in a comment of the generated code.
/// </summary>
internal static class WeightsLayers
{
    /// <summary>Units of a Dense, filters of a conv2d (the plan's <see cref="ProductPlan"/>).</summary>
    public static int UnitsOf(LayerPlan layer) =>
        layer.Product?.Units ?? throw new System.InvalidOperationException(layer.Name + " has no weights.");

    /// <summary>Inputs per matrix row: a Dense's input features, a conv2d's kh · kw · in.</summary>
    public static long InputsOf(LayerPlan layer) =>
        layer.Product?.InputsPerRow ?? throw new System.InvalidOperationException(layer.Name + " has no weights.");

    public static bool UseBiasOf(LayerPlan layer) => layer.Product?.UseBias ?? false;

    public static ActivationKind ActivationOf(LayerPlan layer) => layer.Product?.Activation ?? ActivationKind.Linear;

    /// <summary>Rows per sample of a layer's output as a matrix over its last axis: 1 for a vector, output height ·
    /// width for an image (a conv2d's matrix product has batch · positions rows), timesteps for a sequence.</summary>
    public static long PositionsOf(LayerPlan layer) => layer.Output.Size / layer.Output.Last;

    /// <summary>The expression for the matrix rows of <paramref name="layer"/>'s output: <c>rows</c> or <c>rows * 16</c>.</summary>
    public static string PositionRows(LayerPlan layer)
    {
        long positions = PositionsOf(layer);
        return positions == 1 ? "rows" : $"rows * {CpuLayout.Int(positions)}";
    }

    /// <summary>The same rows in a comment: <c>rows</c> or <c>rows · 16</c>.</summary>
    public static string PositionRowsText(LayerPlan layer)
    {
        long positions = PositionsOf(layer);
        return positions == 1 ? "rows" : $"rows · {CpuLayout.Int(positions)}";
    }

    /// <summary>A layer in a comment: <c>dense_1: Dense(50, relu) (None, 2) -> (None, 50)</c>.</summary>
    public static string Describe(LayerPlan layer) => layer.Spec switch
    {
        DenseSpec dense => $"{layer.Name}: Dense({Int(dense.Units)}{Activation(dense.Activation)}{(dense.UseBias ? string.Empty : ", no bias")}) {layer.Input} -> {layer.Output}",
        BatchNormalizationSpec bn => $"{layer.Name}: BatchNormalization(momentum={Num(bn.Momentum)}, epsilon={Num(bn.Epsilon)}{(bn.Center ? string.Empty : ", center=false")}{(bn.Scale ? string.Empty : ", scale=false")}) over {Int(layer.Output.Last)} features",
        ActivationSpec activation => $"{layer.Name}: Activation({Names.Of(activation.Activation)})",
        DropoutSpec dropout => $"{layer.Name}: Dropout({Num(dropout.Rate)})",
        FlattenSpec => $"{layer.Name}: Flatten {layer.Input} -> {layer.Output}",
        Conv2DSpec { Sequence: true } conv => $"{layer.Name}: Conv1D({Int(conv.Filters)}, {Int(conv.KernelWidth)}{(conv.StrideWidth == 1 ? string.Empty : ", strides " + Int(conv.StrideWidth))}, {Names.Of(conv.Padding)}{Activation(conv.Activation)}{(conv.UseBias ? string.Empty : ", no bias")}) {layer.Input} -> {layer.Output}",
        Conv2DSpec conv => $"{layer.Name}: Conv2D({Int(conv.Filters)}, {Int(conv.KernelHeight)}x{Int(conv.KernelWidth)}{Strides(conv.StrideHeight, conv.StrideWidth)}, {Names.Of(conv.Padding)}{Activation(conv.Activation)}{(conv.UseBias ? string.Empty : ", no bias")}) {layer.Input} -> {layer.Output}",
        LstmSpec lstm => $"{layer.Name}: LSTM({Int(lstm.Units)}{(lstm.Activation == ActivationKind.Tanh ? string.Empty : ", activation " + Names.Of(lstm.Activation))}{(lstm.RecurrentActivation == ActivationKind.Sigmoid ? string.Empty : ", recurrent " + Names.Of(lstm.RecurrentActivation))}{(lstm.ReturnSequences ? ", return_sequences" : string.Empty)}) {layer.Input} -> {layer.Output}",
        GruSpec gru => $"{layer.Name}: GRU({Int(gru.Units)}{(gru.Activation == ActivationKind.Tanh ? string.Empty : ", activation " + Names.Of(gru.Activation))}{(gru.RecurrentActivation == ActivationKind.Sigmoid ? string.Empty : ", recurrent " + Names.Of(gru.RecurrentActivation))}{(gru.ReturnSequences ? ", return_sequences" : string.Empty)}{(gru.ResetAfter ? string.Empty : ", reset_after=false")}) {layer.Input} -> {layer.Output}",
        MaxPooling2DSpec pool => $"{layer.Name}: MaxPooling2D({Int(pool.PoolHeight)}x{Int(pool.PoolWidth)}{Strides(pool.StrideHeight, pool.StrideWidth)}, {Names.Of(pool.Padding)}) {layer.Input} -> {layer.Output}",
        AveragePooling2DSpec pool => $"{layer.Name}: AveragePooling2D({Int(pool.PoolHeight)}x{Int(pool.PoolWidth)}{Strides(pool.StrideHeight, pool.StrideWidth)}, {Names.Of(pool.Padding)}) {layer.Input} -> {layer.Output}",
        MaxPooling1DSpec pool => $"{layer.Name}: MaxPooling1D({Int(pool.PoolSize)}{(pool.Stride == 1 ? string.Empty : ", strides " + Int(pool.Stride))}, {Names.Of(pool.Padding)}) {layer.Input} -> {layer.Output}",
        AveragePooling1DSpec pool => $"{layer.Name}: AveragePooling1D({Int(pool.PoolSize)}{(pool.Stride == 1 ? string.Empty : ", strides " + Int(pool.Stride))}, {Names.Of(pool.Padding)}) {layer.Input} -> {layer.Output}",
        GlobalAveragePooling1DSpec or GlobalMaxPooling1DSpec or GlobalAveragePooling2DSpec or GlobalMaxPooling2DSpec =>
            $"{layer.Name}: {Names.KerasClassOf(layer.Spec.Kind)} {layer.Input} -> {layer.Output}",
        _ => layer.Name,
    };

    private static string Activation(ActivationKind activation) => activation == ActivationKind.Linear ? string.Empty : ", " + Names.Of(activation);

    private static string Strides(int height, int width) => height == 1 && width == 1 ? string.Empty : $", strides {Int(height)}x{Int(width)}";

    private static string Int(long value) => CpuLayout.Int(value);

    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
