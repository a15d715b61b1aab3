using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

internal static partial class CpuEmitter
{
    /// <summary>The ONNX operator set the runtime's <c>ModelGen.CompilerServices.OnnxGraphBuilder.OpsetVersion</c> writes, for the docs.</summary>
    private const int OnnxOpset = 13;

    /// <summary><c>ExportOnnx(Stream)</c>, one <c>OnnxGraphBuilder</c> call per layer with the layer's Keras name, and
    /// <c>ExportOnnx(string)</c>. Layers that are identities at inference (dropout, flatten) add nothing.</summary>
    private static void WriteOnnxExport(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        writer.Line($"/// <summary>Writes the model's inference graph to <paramref name=\"stream\"/> as an ONNX model (opset {Int(OnnxOpset)}, float32):");
        writer.Line($"/// input <c>x</c> <c>[batch, {Int(plan.InputSize)}]</c>, output <c>y</c> <c>[batch, {Int(plan.OutputSize)}]</c>, one node per layer named as in Keras.");
        writer.Line("/// BatchNormalization uses its moving statistics and Dropout is left out, as in <see cref=\"Predict\"/>, whose outputs");
        writer.Line("/// ONNX Runtime reproduces. The model does not change.</summary>");
        writer.Line("/// <param name=\"stream\">The stream to write to.</param>");
        (LayerPlan Layer, string Reason)? unsupported = plan.OnnxBlocker is { } blocker ? (plan.Layers[blocker.Layer], blocker.Reason) : null;
        if (unsupported is { } none)
        {
            writer.Line($"/// <exception cref=\"global::System.NotSupportedException\">Always: layer '{none.Layer.Name}' {SourceWriter.Xml(none.Reason)}.</exception>");
        }

        writer.Line(Generated);
        writer.Open("public void ExportOnnx(global::System.IO.Stream stream)");
        if (unsupported is { } missing)
        {
            // A layer without an ONNX counterpart: the class still compiles, and says so at run time.
            string message = $"Layer '{missing.Layer.Name}' ({Names.KerasClassOf(missing.Layer.Spec.Kind)}) {missing.Reason}.";
            writer.Line($"throw new global::System.NotSupportedException({SourceWriter.Literal(message)});");
            writer.Close();
            writer.Line();
            WriteOnnxFileOverload(writer);
            return;
        }

        writer.Line("using global::ModelGen.CompilerServices.ModelGuard.ReadScope read = _guard.Read(); // the weights stay as they are while they are written");
        writer.Line($"var graph = new global::ModelGen.CompilerServices.OnnxGraphBuilder({SourceWriter.Literal(plan.Type.FullName)}, InputSize);");
        for (int i = 0; i < layout.Count; i++)
        {
            LayerPlan layer = layout.Layer(i);
            string name = SourceWriter.Literal(layer.Name);
            // Dropout and flatten (of a vector or sequence) pass values through at inference. BatchNormalization stays a
            // node of its own (with the moving statistics) even where Predict folds it into a Dense or Conv2D: ONNX
            // Runtime fuses it again itself.
            if (layer.Spec is DropoutSpec || (layer.Spec is FlattenSpec && !layer.Input.IsImage && !AfterConv1D(layout, i)))
            {
                writer.Line($"// {Describe(layer)}: identity at inference, not in the graph.");
                continue;
            }

            writer.Line($"// {Describe(layer)}");
            switch (layer.Spec)
            {
                case DenseSpec dense:
                {
                    string bias = dense.UseBias ? TensorMember(plan, i, TensorRole.Bias) : "global::System.ReadOnlySpan<float>.Empty";
                    writer.Line($"graph.Dense({name}, {TensorMember(plan, i, TensorRole.Kernel)}, {bias}, inputs: {Int(layer.Input.Last)}, units: {Int(dense.Units)}, {ActivationName(dense.Activation)});");
                    break;
                }

                case BatchNormalizationSpec bn:
                {
                    string gamma = bn.Scale ? TensorMember(plan, i, TensorRole.Gamma) : "global::System.ReadOnlySpan<float>.Empty";
                    string beta = bn.Center ? TensorMember(plan, i, TensorRole.Beta) : "global::System.ReadOnlySpan<float>.Empty";
                    writer.Line($"graph.BatchNormalization({name}, {gamma}, {beta}, {TensorMember(plan, i, TensorRole.MovingMean)}, {TensorMember(plan, i, TensorRole.MovingVariance)}, epsilon: {F(bn.Epsilon)}{PerPosition(layer)});");
                    break;
                }

                case ActivationSpec activation:
                    writer.Line($"graph.Activation({name}, {ActivationName(activation.Activation)}{PerPosition(layer)});");
                    break;

                case Conv2DSpec conv:
                {
                    string bias = conv.UseBias ? TensorMember(plan, i, TensorRole.Bias) : "global::System.ReadOnlySpan<float>.Empty";
                    writer.Line($"graph.Conv2D({name}, {TensorMember(plan, i, TensorRole.Kernel)}, {bias}, {WindowOf(layout, i)}, filters: {Int(conv.Filters)}, {ActivationName(conv.Activation)});");
                    break;
                }

                case LayerSpec spec when PoolingLayers.Of(spec) is { } pooling:
                {
                    // Global: GlobalAveragePool/GlobalMaxPool; 1-D: the sequence as a T x 1 image.
                    string method = pooling.Global ? (pooling.Average ? "GlobalAveragePooling" : "GlobalMaxPooling")
                        : (pooling.Average ? "AveragePooling" : "MaxPooling") + (pooling.Images ? "2D" : "1D");
                    writer.Line($"graph.{method}({name}, {WindowOf(layout, i)});");
                    break;
                }

                case FlattenSpec:
                    // Back from ONNX's NCHW to channels-last order, as the following Dense's kernel expects.
                    writer.Line($"graph.Flatten({name});");
                    break;

                case LstmSpec lstm:
                    writer.Line($"graph.Lstm({name}, {LstmWeights(plan, i)}, timesteps: {Int(layer.Input.D0)}, features: {Int(layer.Input.D1)}, units: {Int(lstm.Units)},");
                    writer.Line($"    {ActivationName(lstm.Activation)}, {ActivationName(lstm.RecurrentActivation)}, returnSequences: {(lstm.ReturnSequences ? "true" : "false")});");
                    break;

                case GruSpec gru:
                    writer.Line($"graph.Gru({name}, {GruWeights(plan, i)}, timesteps: {Int(layer.Input.D0)}, features: {Int(layer.Input.D1)}, units: {Int(gru.Units)},");
                    writer.Line($"    {ActivationName(gru.Activation)}, {ActivationName(gru.RecurrentActivation)}, returnSequences: {(gru.ReturnSequences ? "true" : "false")}, resetAfter: {(gru.ResetAfter ? "true" : "false")});");
                    break;
            }
        }

        writer.Line("graph.Write(stream);");
        writer.Close();
        writer.Line();
        WriteOnnxFileOverload(writer);
    }

    private static void WriteOnnxFileOverload(SourceWriter writer)
    {
        writer.Line("/// <summary>Writes the model's inference graph to a file as an ONNX model (see <see cref=\"ExportOnnx(global::System.IO.Stream)\"/>);");
        writer.Line("/// the file is replaced only once the new content is complete.</summary>");
        writer.Line("/// <param name=\"path\">The <c>.onnx</c> file to create or overwrite.</param>");
        writer.Line(Generated);
        writer.Line("public void ExportOnnx(string path) => global::ModelGen.CompilerServices.OnnxGraphBuilder.WriteFile(path, ExportOnnx);");
        writer.Line();
    }

    /// <summary>Whether the values before layer <paramref name="index"/> are a conv1d's, still in ONNX's NCHW layout (a
    /// conv1d runs as a Conv of height 1): only layers that keep the layout (batch_normalization, activation, dropout)
    /// between them. A flatten then goes back to channels-last order as after a conv2d.</summary>
    private static bool AfterConv1D(CpuLayout layout, int index)
    {
        for (int j = index - 1; j >= 0; j--)
        {
            switch (layout.Layer(j).Spec)
            {
                case Conv2DSpec { Sequence: true }:
                    return true;
                case BatchNormalizationSpec or ActivationSpec or DropoutSpec:
                    continue;
                default:
                    return false;
            }
        }

        return false;
    }

    /// <summary>For a layer on a sequence or image, the builder's <c>features</c> argument: the last axis, along which
    /// softmax and BatchNormalization work.</summary>
    private static string PerPosition(LayerPlan layer) => layer.Input.IsVector ? string.Empty : $", features: {Int(layer.Input.Last)}";
}
