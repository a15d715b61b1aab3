using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

internal static partial class CpuEmitter
{
    // A Dense with its activation and BatchNormalization runs as one fused group (SPEC §5); everything else runs
    // layer by layer (WriteLayerForward and the per-layer backward). These methods return false for a group they
    // do not fuse (a softmax between Dense and BN), and the caller then emits its layers one by one.

    /// <summary>The static field holding a conv2d's or pooling layer's window geometry.</summary>
    private static string WindowOf(CpuLayout layout, int layer) => "s_" + CpuLayout.Camel(layout.Layer(layer).Name) + "Window";

    /// <summary>For a conv2d with an im2col buffer: the line that fills it from the layer's input.</summary>
    private static void WriteIm2Col(SourceWriter writer, CpuLayout layout, int layer, bool training)
    {
        if (layout.HasColumns(layer))
        {
            writer.Line($"{Kernels}Convolution.Im2Col({layout.Input(layer, training)}, {layout.WeightsInput(layer, training)}, rows, {WindowOf(layout, layer)});");
        }
    }

    private static int LastOf(FusionGroup group) => group.First + group.Count - 1;

    /// <summary>The span a layer writes in this pass: <c>y</c> for the model's last layer at inference.</summary>
    private static string Out(CpuLayout layout, int layer, bool training) =>
        !training && layer == layout.Count - 1 ? "y" : layout.Output(layer, training);

    private static string KernelOf(ModelPlan plan, CpuLayout layout, int dense, bool training) =>
        !training && layout.UsesFoldedWeights(dense) ? StoragePlanner.Pascal(plan.Layers[dense].Name) + "FoldedKernel" : TensorMember(plan, dense, TensorRole.Kernel);

    /// <summary>The kernel of an inference-mode <c>FusedDense.Forward</c>, followed by its packed copy where it has one.</summary>
    private static string KernelArguments(ModelPlan plan, CpuLayout layout, int dense, bool training) =>
        !training && layout.PacksForSingleRow(dense)
            ? $"{KernelOf(plan, layout, dense, training)}, {StoragePlanner.Pascal(plan.Layers[dense].Name)}PackedKernel"
            : KernelOf(plan, layout, dense, training);

    private static string BiasOf(ModelPlan plan, CpuLayout layout, int dense, bool training) =>
        !training && layout.UsesFoldedWeights(dense) ? StoragePlanner.Pascal(plan.Layers[dense].Name) + "FoldedBias"
        : UseBiasOf(plan.Layers[dense]) ? TensorMember(plan, dense, TensorRole.Bias)
        : "global::System.ReadOnlySpan<float>.Empty";

    private static string Empty(bool writable) => writable ? "global::System.Span<float>.Empty" : "global::System.ReadOnlySpan<float>.Empty";

    /// <summary>The forward pass of a fused group; false when the group must run layer by layer.</summary>
    private static bool WriteGroupForward(SourceWriter writer, ModelPlan plan, CpuLayout layout, FusionGroup group, bool training)
    {
        if (!layout.RunsFused(group))
        {
            return false;
        }

        int d = group.First, last = LastOf(group);
        LayerPlan layer = plan.Layers[d];
        int units = UnitsOf(layer);
        string input = layout.WeightsInput(d, training);
        string rows = PositionRows(layer);
        string size = $"{rows}, {Int(InputsOf(layer))}, {Int(units)}";
        string kernel = KernelOf(plan, layout, d, training);
        string bias = BiasOf(plan, layout, d, training);
        bool softmax = group.Activation == ActivationKind.Softmax;
        string elementwise = ActivationName(softmax ? ActivationKind.Linear : group.Activation);
        // z: the pre-activation, or the Dense's own (linear) output, which is the caller's y for the model's last layer.
        string z = layout.HasPreActivation(d) ? CpuLayout.Rows(layout.Buffer(d, "PreActivation", training), layer.Output.Size)
            : d == last ? Out(layout, d, training) : layout.Output(d, training);
        writer.Line($"// {group.Name}: {SummaryTable.Describe(plan, group, gpu: false)}");
        WriteIm2Col(writer, layout, d, training);

        // At inference a BN before the activation is folded into this Dense: the group is Dense + activation.
        bool bnBeforeActivation = group.Kind == FusionKind.WeightsBatchNormActivation;
        if (group.Kind == FusionKind.WeightsActivation || (bnBeforeActivation && !training))
        {
            string y = Out(layout, last, training);
            writer.Line($"{Kernels}FusedDense.Forward({input}, {KernelArguments(plan, layout, d, training)}, {bias}, {z}, {(softmax ? z : y)}, {size}, {elementwise});");
            if (softmax)
            {
                writer.Line($"{Kernels}Activations.Forward({ActivationName(ActivationKind.Softmax)}, {z}, {y}, {Int(units)});");
            }

            return true;
        }

        int b = group.BatchNormalization;
        var bn = (BatchNormalizationSpec)plan.Layers[b].Spec;
        if (bnBeforeActivation)
        {
            string y = group.Count == 3 && !softmax ? layout.Output(last, training) : layout.Output(b, training);
            writer.Line($"{Kernels}FusedDense.BatchNormActivationForward({input}, {kernel}, {bias}, {z}, {y}, {size},");
            writer.Line($"    {BatchNormArguments(plan, layout, b, bn)}, {elementwise});");
            if (softmax && group.Count == 3)
            {
                writer.Line($"{Kernels}Activations.Forward({ActivationName(ActivationKind.Softmax)}, {y}, {layout.Output(last, training)}, {Int(units)});");
            }

            return true;
        }

        // Dense → activation → BN.
        string activated = layout.Output(b - 1, training);
        if (!training)
        {
            writer.Line($"{Kernels}FusedDense.Forward({input}, {KernelArguments(plan, layout, d, training)}, {bias}, {z}, {activated}, {size}, {elementwise});");
            if (!layout.IsFolded(b))
            {
                writer.Line($"{Kernels}BatchNormalization.ForwardInference({activated}, {Out(layout, b, training)}, {rows}, {Int(units)}, {Gamma(plan, b, bn)}, {Beta(plan, b, bn)}, {TensorMember(plan, b, TensorRole.MovingMean)}, {TensorMember(plan, b, TensorRole.MovingVariance)}, epsilon: {F(bn.Epsilon)});");
            }

            return true;
        }

        writer.Line($"{Kernels}FusedDense.ActivationBatchNormForward({input}, {kernel}, {bias}, {z}, {activated}, {layout.Output(b, training)}, {size},");
        writer.Line($"    {BatchNormArguments(plan, layout, b, bn)}, {elementwise});");
        return true;
    }

    private static string Gamma(ModelPlan plan, int b, BatchNormalizationSpec bn) => bn.Scale ? TensorMember(plan, b, TensorRole.Gamma) : Empty(writable: false);

    private static string Beta(ModelPlan plan, int b, BatchNormalizationSpec bn) => bn.Center ? TensorMember(plan, b, TensorRole.Beta) : Empty(writable: false);

    /// <summary>A training-mode BatchNormalization's arguments; it updates the staged moving statistics, which the step's
    /// commit makes current.</summary>
    private static string BatchNormArguments(ModelPlan plan, CpuLayout layout, int b, BatchNormalizationSpec bn) =>
        $"{Gamma(plan, b, bn)}, {Beta(plan, b, bn)}, epsilon: {F(bn.Epsilon)}, momentum: {F(bn.Momentum)}, " +
        $"{TensorMember(plan, b, TensorRole.MovingMean)}Staged, {TensorMember(plan, b, TensorRole.MovingVariance)}Staged, {layout.Field(b, "Mean")}, {layout.Field(b, "InverseStd")}";

    /// <summary>The backward pass of a fused group up to and including its two GEMMs; false when it runs layer by layer.</summary>
    private static bool WriteGroupBackward(SourceWriter writer, ModelPlan plan, CpuLayout layout, FusionGroup group, string? fusedTarget)
    {
        if (!layout.RunsFused(group))
        {
            return false;
        }

        int d = group.First, last = LastOf(group);
        LayerPlan layer = plan.Layers[d];
        string units = Int(UnitsOf(layer));
        string rows = PositionRows(layer);
        bool useBias = UseBiasOf(layer);
        bool lossFusedHere = fusedTarget is not null && last == layout.Count - 1;
        bool softmax = group.Activation == ActivationKind.Softmax;
        string biasGradient = useBias ? TensorMember(plan, d, TensorRole.Bias) + "Gradient" : Empty(writable: true);
        string dz;
        writer.Line($"// {group.Name}: {SummaryTable.Describe(plan, group, gpu: false)}");
        switch (group.Kind)
        {
            case FusionKind.WeightsActivation:
            {
                string z = layout.HasPreActivation(d) ? CpuLayout.Rows(layout.Field(d, "PreActivation"), layer.Output.Size) : layout.Output(d, training: true);
                string y = layout.Output(last, training: true);
                dz = layout.HasPreActivation(d) ? CpuLayout.Rows(layout.Field(d, "PreActivationDelta"), layer.Output.Size) : layout.Delta(d);
                if (lossFusedHere)
                {
                    writer.Line("// (the activation's gradient came fused with the loss's)");
                    if (useBias)
                    {
                        writer.Line($"{Kernels}Bias.Gradient({dz}, {biasGradient}, {rows}, {units});");
                    }
                }
                else if (softmax)
                {
                    writer.Line($"{Kernels}Activations.Backward({ActivationName(ActivationKind.Softmax)}, {z}, {y}, {layout.Delta(last)}, {dz}, {units});");
                    if (useBias)
                    {
                        writer.Line($"{Kernels}Bias.Gradient({dz}, {biasGradient}, {rows}, {units});");
                    }
                }
                else
                {
                    writer.Line($"{Kernels}FusedDense.Backward({z}, {y}, {layout.Delta(last)}, {dz}, {biasGradient}, {rows}, {units}, {ActivationName(group.Activation)});");
                }

                break;
            }

            case FusionKind.WeightsBatchNormActivation:
            {
                int b = group.BatchNormalization;
                var bn = (BatchNormalizationSpec)plan.Layers[b].Spec;
                string z = layout.Output(d, training: true);
                dz = layout.Delta(d);
                ActivationKind activation = group.Activation;
                string y = layout.Output(last, training: true), dy = layout.Delta(last);
                if (group.Count == 3 && (lossFusedHere || softmax))
                {
                    if (lossFusedHere)
                    {
                        writer.Line("// (the activation's gradient came fused with the loss's)");
                    }
                    else
                    {
                        writer.Line($"{Kernels}Activations.Backward({ActivationName(ActivationKind.Softmax)}, {layout.Output(b, training: true)}, {y}, {dy}, {layout.Delta(b)}, {units});");
                    }

                    activation = ActivationKind.Linear;
                    y = layout.Output(b, training: true);
                    dy = layout.Delta(b);
                }

                writer.Line($"{Kernels}FusedDense.BatchNormActivationBackward({z}, {y}, {dy}, {dz}, {rows}, {units},");
                writer.Line($"    {Gamma(plan, b, bn)}, {Beta(plan, b, bn)}, {layout.Field(b, "Mean")}, {layout.Field(b, "InverseStd")}, {GammaGradient(plan, b, bn)}, {BetaGradient(plan, b, bn)}, {biasGradient}, {ActivationName(activation)});");
                break;
            }

            default:
            {
                int b = group.BatchNormalization;
                var bn = (BatchNormalizationSpec)plan.Layers[b].Spec;
                string z = layout.HasPreActivation(d) ? CpuLayout.Rows(layout.Field(d, "PreActivation"), layer.Output.Size) : layout.Output(d, training: true);
                dz = layout.HasPreActivation(d) ? CpuLayout.Rows(layout.Field(d, "PreActivationDelta"), layer.Output.Size) : layout.Delta(d);
                writer.Line($"{Kernels}FusedDense.ActivationBatchNormBackward({z}, {layout.Output(b - 1, training: true)}, {layout.Delta(b)}, {dz}, {rows}, {units},");
                writer.Line($"    {Gamma(plan, b, bn)}, {layout.Field(b, "Mean")}, {layout.Field(b, "InverseStd")}, {GammaGradient(plan, b, bn)}, {BetaGradient(plan, b, bn)}, {biasGradient}, {ActivationName(group.Activation)});");
                break;
            }
        }

        WriteDenseGemmsBackward(writer, plan, layout, d, dz);
        return true;
    }

    private static string GammaGradient(ModelPlan plan, int b, BatchNormalizationSpec bn) => bn.Scale ? TensorMember(plan, b, TensorRole.Gamma) + "Gradient" : Empty(writable: true);

    private static string BetaGradient(ModelPlan plan, int b, BatchNormalizationSpec bn) => bn.Center ? TensorMember(plan, b, TensorRole.Beta) + "Gradient" : Empty(writable: true);

    /// <summary>The two GEMMs of a Dense's backward pass: <c>dW = xᵀ · dz</c> and, unless it is the first trainable layer,
    /// <c>dx = dz · Wᵀ</c>. A conv2d's x is its im2col matrix, whose gradient Col2Im adds back onto the input positions.</summary>
    private static void WriteDenseGemmsBackward(SourceWriter writer, ModelPlan plan, CpuLayout layout, int d, string dz)
    {
        LayerPlan layer = plan.Layers[d];
        string units = Int(UnitsOf(layer)), inputs = Int(InputsOf(layer)), rows = PositionRows(layer);
        string kernel = TensorMember(plan, d, TensorRole.Kernel);
        writer.Line($"{Kernels}Gemm.MultiplyTransposeA({layout.WeightsInput(d, training: true)}, {dz}, {kernel}Gradient, {inputs}, {rows}, {units}, accumulate: false);");
        if (!layout.NeedsInputDelta(d))
        {
            return;
        }

        if (layout.HasColumns(d))
        {
            string columnsDelta = CpuLayout.Rows("_columnsDelta", layer.Im2ColWidth);
            writer.Line($"{Kernels}Gemm.MultiplyTransposeB({dz}, {kernel}, {columnsDelta}, {rows}, {units}, {inputs}, accumulate: false);");
            writer.Line($"{Kernels}Convolution.Col2Im({columnsDelta}, {layout.Delta(d - 1)}, rows, {WindowOf(layout, d)});");
        }
        else
        {
            writer.Line($"{Kernels}Gemm.MultiplyTransposeB({dz}, {kernel}, {layout.Delta(d - 1)}, {rows}, {units}, {inputs}, accumulate: false);");
        }
    }
}
