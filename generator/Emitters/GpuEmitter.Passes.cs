using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

// The forward and backward passes: one launch (or two) per fused group, mirroring the CPU backend's grouping
// (CpuEmitter.Groups.cs). Each pass registers the kernels it launches, so that the class's fields and loads list
// exactly the kernels the passes use. A conv2d runs as a Dense over its im2col matrix, as on the CPU, with
// batch · positions rows (PositionRows); its kernels read the matrix straight from the image (an implicit im2col,
// no buffer of its own), so every Dense launch below serves both.

internal sealed partial class GpuEmitter
{
    private GpuKernel Use(GpuKernel kernel) => _kernels.Add(kernel);

    private static void Launch(SourceWriter w, GpuKernel kernel, string config, params string[] arguments) =>
        w.Line($"{kernel.Field}({config}, {string.Join(", ", arguments)});");

    /// <summary>The launch configuration expression for a kernel covering <paramref name="count"/> elements (or features, or an m x n product).</summary>
    private static string Config(GpuKernel kernel, string count, string? columns = null) => kernel.Launch switch
    {
        GpuLaunch.Features => $"Features({count})",
        GpuLaunch.Tiles => $"Tiles({count}, {columns})",
        GpuLaunch.SingleGroup => "SingleGroup()",
        _ => $"Elements({count})",
    };

    private static string Rows(long width) => width == 1 ? "rows" : $"rows * {Int(width)}";

    private static int LastOf(FusionGroup group) => group.First + group.Count - 1;

    /// <summary>Whether the group runs fused: the CPU backend's rule (a softmax between the weights and BN runs layer by layer).</summary>
    private bool IsFused(FusionGroup group) => _layout.Cpu.RunsFused(group);

    private string GroupName(FusionGroup group) => Pascal(group.Name.Replace(" + ", "_"));

    private static string Params => "_parameters.View";

    private static string State => "_state.View";

    private static string Gradients => "_gradients.View";

    // ---------------------------------------------------------------------------------------------------------------
    // Forward.

    /// <summary>The forward pass of every group in one mode; <c>x</c> and <c>y</c> (inference) are the method's views.</summary>
    private void WriteForwardPass(SourceWriter w, bool training)
    {
        foreach (FusionGroup group in _plan.Groups)
        {
            if (IsFused(group))
            {
                WriteFusedForward(w, group, training);
                continue;
            }

            for (int i = group.First; i <= LastOf(group); i++)
            {
                if (_layout.IsIdentity(i, training))
                {
                    w.Line($"// {WeightsLayers.Describe(_layout.Layer(i))}: identity{(training ? string.Empty : " at inference")}.");
                    continue;
                }

                WriteLayerForward(w, i, training);
            }
        }
    }

    private void WriteFusedForward(SourceWriter w, FusionGroup group, bool training)
    {
        int d = group.First, last = LastOf(group);
        int unitCount = UnitsOf(_plan.Layers[d]);
        string units = Int(unitCount), rows = PositionRows(_plan.Layers[d]);
        string name = GroupName(group);
        bool softmax = group.Activation == ActivationKind.Softmax;
        string z = _layout.HasPreActivation(d) ? _layout.PreActivation(d) : _layout.Output(d, training);
        string x = _layout.Input(d, training);
        w.Line($"// {group.Name} ({group.Description}): {Describe(group, training)}");
        switch (group.Kind)
        {
            case FusionKind.WeightsActivation:
            {
                // The same kernel in both modes: x · kernel + bias, then the activation in the epilogue.
                string y = _layout.Out(last, training);
                ActivationKind activation = softmax ? ActivationKind.Linear : group.Activation;
                bool storeZ = group.PreActivationApart && !softmax;
                GpuKernel gemm = Use(DenseForwardKernel(name + "Gemm", d, new Epilogue(activation, -1, ActivationKind.Linear, storeZ,
                    activation == ActivationKind.Linear ? "then the bias" : $"then {Names.Of(activation)}")));
                string output = softmax ? z : y;
                WriteDenseLaunch(w, gemm, d, storeZ ? new[] { x, Params, z, output, rows } : new[] { x, Params, output, rows });
                if (softmax)
                {
                    GpuKernel kernel = Use(SoftmaxKernel(name + "Softmax", group.Name, unitCount));
                    Launch(w, kernel, Config(kernel, rows), z, y, rows);
                }

                return;
            }

            case FusionKind.WeightsBatchNormActivation:
            {
                int b = group.BatchNormalization;
                bool activationFused = group.Count == 3 && !softmax;
                ActivationKind activation = activationFused ? group.Activation : ActivationKind.Linear;
                string bnOut = activationFused ? _layout.Out(last, training) : _layout.Out(b, training);
                if (training)
                {
                    GpuKernel gemm = Use(DenseForwardKernel(name + "Gemm", d, new Epilogue(ActivationKind.Linear, -1, ActivationKind.Linear, false,
                        $"the input of {_plan.Layers[b].Name}")));
                    WriteDenseLaunch(w, gemm, d, x, Params, z, rows);
                    GpuKernel normalize = Use(BatchNormTrainingKernel(name + "Normalize", b, activation, group.Name));
                    Launch(w, normalize, Config(normalize, units), z, bnOut, Params, State, _layout.Statistics(b), rows);
                }
                else
                {
                    string description = $"then {_plan.Layers[b].Name} with its moving statistics" + (activation == ActivationKind.Linear ? string.Empty : $" and {Names.Of(activation)}");
                    GpuKernel gemm = Use(DenseForwardKernel(name + "Inference", d, new Epilogue(ActivationKind.Linear, b, activation, false, description)));
                    WriteDenseLaunch(w, gemm, d, x, Params, State, bnOut, rows);
                }

                if (softmax && group.Count == 3)
                {
                    GpuKernel kernel = Use(SoftmaxKernel(name + "Softmax", group.Name, unitCount));
                    Launch(w, kernel, Config(kernel, rows), _layout.Output(b, training), _layout.Out(last, training), rows);
                }

                return;
            }

            default:
            {
                // Dense → activation → BN.
                int b = group.BatchNormalization;
                string activated = _layout.Output(b - 1, training);
                if (training)
                {
                    bool storeZ = group.PreActivationApart;
                    GpuKernel gemm = Use(DenseForwardKernel(name + "Gemm", d, new Epilogue(group.Activation, -1, ActivationKind.Linear, storeZ,
                        $"then {Names.Of(group.Activation)}, the input of {_plan.Layers[b].Name}")));
                    WriteDenseLaunch(w, gemm, d, storeZ ? new[] { x, Params, z, activated, rows } : new[] { x, Params, activated, rows });
                    GpuKernel normalize = Use(BatchNormTrainingKernel(name + "Normalize", b, ActivationKind.Linear, group.Name));
                    Launch(w, normalize, Config(normalize, units), activated, _layout.Output(b, training), Params, State, _layout.Statistics(b), rows);
                }
                else
                {
                    GpuKernel gemm = Use(DenseForwardKernel(name + "Inference", d, new Epilogue(group.Activation, b, ActivationKind.Linear, false,
                        $"then {Names.Of(group.Activation)} and {_plan.Layers[b].Name} with its moving statistics")));
                    WriteDenseLaunch(w, gemm, d, x, Params, State, _layout.Out(b, training), rows);
                }

                return;
            }
        }
    }

    /// <summary>A fused group's forward launches in words, for the comment above them.</summary>
    private string Describe(FusionGroup group, bool training)
    {
        string activation = group.Activation == ActivationKind.Linear ? string.Empty : Names.Of(group.Activation);
        string then = activation.Length == 0 ? string.Empty : group.Activation == ActivationKind.Softmax ? ", softmax per row" : " + " + activation;
        string bn = group.BatchNormalization >= 0 ? _plan.Layers[group.BatchNormalization].Name : string.Empty;
        string gemm = _layout.Cpu.HasColumns(group.First) ? "implicit-im2col GEMM" : "GEMM";
        return group.Kind switch
        {
            FusionKind.WeightsBatchNormActivation => training
                ? $"{gemm}, then {bn}'s batch statistics, normalization{then} per feature group"
                : $"one {gemm} with {bn} (moving statistics){then} in its epilogue",
            FusionKind.WeightsActivationBatchNorm => training
                ? $"{gemm} + bias{then}, then {bn}'s batch statistics and normalization per feature group"
                : $"one {gemm} with bias{then} and {bn} (moving statistics) in its epilogue",
            _ => $"{gemm} + bias{then}",
        };
    }

    /// <summary>A fused group's backward launches in words.</summary>
    private string DescribeBackward(FusionGroup group)
    {
        var names = new System.Collections.Generic.List<string>();
        string activation = group.Activation == ActivationKind.Linear ? string.Empty : Names.Of(group.Activation);
        string bn = group.BatchNormalization >= 0 ? _plan.Layers[group.BatchNormalization].Name : string.Empty;
        foreach (string part in group.Kind == FusionKind.WeightsActivationBatchNorm ? new[] { bn, activation } : new[] { activation, bn })
        {
            if (part.Length > 0)
            {
                names.Add(part);
            }
        }

        bool bias = UseBiasOf(_plan.Layers[group.First]);
        string through = names.Count == 0 ? "dz" : "dz through " + string.Join(" and ", names);
        return $"{through}{(bias ? " with the bias gradient" : string.Empty)}, then the kernel{(_layout.NeedsInputDelta(group.First) ? " and input" : string.Empty)} gradients";
    }

    /// <summary>Launches a Dense's or conv2d's forward product: tiles of the [rows, units] output (rows · positions for a
    /// conv2d), or one thread per value.</summary>
    private void WriteDenseLaunch(SourceWriter w, GpuKernel kernel, int dense, params string[] arguments)
    {
        LayerPlan layer = _plan.Layers[dense];
        string units = Int(UnitsOf(layer)), rows = PositionRows(layer);
        Launch(w, kernel, kernel.Launch == GpuLaunch.Tiles ? Config(kernel, rows, units) : Config(kernel, $"{rows} * {units}"), arguments);
    }

    /// <summary>One layer's forward pass outside a fused group.</summary>
    private void WriteLayerForward(SourceWriter w, int i, bool training)
    {
        LayerPlan layer = _layout.Layer(i);
        string input = _layout.Input(i, training);
        string output = _layout.Out(i, training);
        string name = Pascal(layer.Name);
        w.Line($"// {WeightsLayers.Describe(layer)}");
        switch (layer.Spec)
        {
            case DenseSpec or Conv2DSpec:
            {
                ActivationKind own = ActivationOf(layer);
                string rows = PositionRows(layer);
                bool softmax = own == ActivationKind.Softmax;
                string z = _layout.HasPreActivation(i) ? _layout.PreActivation(i) : output;
                ActivationKind activation = softmax ? ActivationKind.Linear : own;
                bool storeZ = _layout.HasPreActivation(i) && !softmax;
                GpuKernel gemm = Use(DenseForwardKernel(name + "Gemm", i, new Epilogue(activation, -1, ActivationKind.Linear, storeZ,
                    activation == ActivationKind.Linear ? "then the bias" : $"then {Names.Of(activation)}")));
                WriteDenseLaunch(w, gemm, i, storeZ ? new[] { input, Params, z, output, rows } : new[] { input, Params, softmax ? z : output, rows });
                if (softmax)
                {
                    GpuKernel kernel = Use(SoftmaxKernel(name + "Softmax", layer.Name, UnitsOf(layer)));
                    Launch(w, kernel, Config(kernel, rows), z, output, rows);
                }

                break;
            }

            case LstmSpec:
                WriteLstmForward(w, i, training);
                break;

            case LayerSpec spec when PoolingLayers.Of(spec) is { } pooling:
            {
                string count = Rows(layer.Output.Size);
                GpuKernel kernel = Use(PoolingForwardKernel(i, pooling.Average));
                Launch(w, kernel, Config(kernel, count), input, output, count);
                break;
            }

            case BatchNormalizationSpec:
            {
                // BN normalizes the last axis: a sequence's positions are rows of their own.
                string rows = Rows(layer.Output.Size / layer.Output.Last);
                if (training)
                {
                    GpuKernel kernel = Use(BatchNormTrainingKernel(name + "Normalize", i, ActivationKind.Linear, layer.Name));
                    Launch(w, kernel, Config(kernel, Int(layer.Output.Last)), input, output, Params, State, _layout.Statistics(i), rows);
                }
                else
                {
                    GpuKernel kernel = Use(BatchNormInferenceKernel(i));
                    string count = Rows(layer.Output.Size);
                    Launch(w, kernel, Config(kernel, count), input, output, Params, State, count);
                }

                break;
            }

            case ActivationSpec activation:
            {
                if (activation.Activation == ActivationKind.Softmax)
                {
                    string rows = Rows(layer.Output.Size / layer.Output.Last);
                    GpuKernel kernel = Use(SoftmaxKernel(name + "Forward", layer.Name, layer.Output.Last));
                    Launch(w, kernel, Config(kernel, rows), input, output, rows);
                }
                else
                {
                    string count = Rows(layer.Output.Size);
                    GpuKernel kernel = Use(ActivationForwardKernel(name + "Forward", layer.Name, activation.Activation));
                    Launch(w, kernel, Config(kernel, count), input, output, count);
                }

                break;
            }

            case DropoutSpec dropout:
            {
                string count = Rows(layer.Output.Size);
                GpuKernel kernel = Use(DropoutForwardKernel(layer, dropout));
                Launch(w, kernel, Config(kernel, count), input, _layout.Mask(i), output, count, _layout.Field(i, "Seed"), "_dropoutStep");
                break;
            }
        }
    }

    /// <summary>Where the fused sigmoid/softmax + cross-entropy gradient goes (the plan's decision), or null.</summary>
    private string? FusedGradientTarget() => _plan.FusedLossGradient is { } target ? _layout.View(target) : null;

    // ---------------------------------------------------------------------------------------------------------------
    // Backward.

    /// <summary>The backward pass, last group first, down to the first trainable layer.</summary>
    private void WriteBackwardPass(SourceWriter w)
    {
        string? fused = FusedGradientTarget();
        for (int g = _plan.Groups.Count - 1; g >= 0; g--)
        {
            FusionGroup group = _plan.Groups[g];
            if (LastOf(group) < _layout.FirstTrainable)
            {
                break;
            }

            if (IsFused(group))
            {
                WriteFusedBackward(w, group, fused);
                continue;
            }

            for (int i = LastOf(group); i >= System.Math.Max(group.First, _layout.FirstTrainable); i--)
            {
                WriteLayerBackward(w, i, fused);
            }
        }
    }

    private void WriteFusedBackward(SourceWriter w, FusionGroup group, string? fusedTarget)
    {
        int d = group.First, last = LastOf(group);
        LayerPlan weights = _plan.Layers[d];
        int unitCount = UnitsOf(weights);
        string units = Int(unitCount), rows = PositionRows(weights);
        bool useBias = UseBiasOf(weights);
        string name = GroupName(group);
        bool lossFusedHere = fusedTarget is not null && last == _layout.Last;
        bool softmax = group.Activation == ActivationKind.Softmax;
        string dz;
        w.Line($"// {group.Name} ({group.Description}): {DescribeBackward(group)}");
        switch (group.Kind)
        {
            case FusionKind.WeightsActivation:
            {
                string z = _layout.HasPreActivation(d) ? _layout.PreActivation(d) : _layout.Output(d, training: true);
                string y = _layout.Output(last, training: true);
                dz = _layout.HasPreActivation(d) ? _layout.PreActivationDelta(d) : _layout.Delta(d);
                if (lossFusedHere || softmax)
                {
                    if (lossFusedHere)
                    {
                        w.Line("// (the activation's gradient came fused with the loss's)");
                    }
                    else
                    {
                        GpuKernel kernel = Use(SoftmaxBackwardKernel(name + "SoftmaxBackward", group.Name, unitCount));
                        Launch(w, kernel, Config(kernel, rows), y, _layout.Delta(last), dz, rows);
                    }

                    if (useBias)
                    {
                        GpuKernel bias = Use(FeatureBackwardKernel(name + "BiasGradient", FeatureBackward.BiasOnly, d, -1, ActivationKind.Linear, false, group.Name));
                        Launch(w, bias, Config(bias, units), dz, Gradients, rows);
                    }
                }
                else if (group.Activation != ActivationKind.Linear || useBias || group.PreActivationApart)
                {
                    GpuKernel kernel = Use(FeatureBackwardKernel(name + "Backward", FeatureBackward.ActivationBias, d, -1, group.Activation, false, group.Name));
                    Launch(w, kernel, Config(kernel, units), z, y, _layout.Delta(last), dz, Gradients, rows);
                }

                break;
            }

            case FusionKind.WeightsBatchNormActivation:
            {
                int b = group.BatchNormalization;
                string z = _layout.Output(d, training: true);
                dz = _layout.Delta(d);
                ActivationKind activation = group.Activation;
                string y = _layout.Output(last, training: true), dy = _layout.Delta(last);
                if (group.Count == 3 && (lossFusedHere || softmax))
                {
                    if (lossFusedHere)
                    {
                        w.Line("// (the activation's gradient came fused with the loss's)");
                    }
                    else
                    {
                        GpuKernel kernel = Use(SoftmaxBackwardKernel(name + "SoftmaxBackward", group.Name, unitCount));
                        Launch(w, kernel, Config(kernel, rows), y, dy, _layout.Delta(b), rows);
                    }

                    activation = ActivationKind.Linear;
                    y = _layout.Output(b, training: true);
                    dy = _layout.Delta(b);
                }

                GpuKernel backward = Use(FeatureBackwardKernel(name + "Backward", FeatureBackward.BatchNormActivation, d, b, activation, false, group.Name));
                Launch(w, backward, Config(backward, units), z, y, dy, dz, Params, _layout.Statistics(b), Gradients, rows);
                break;
            }

            default:
            {
                int b = group.BatchNormalization;
                string z = _layout.HasPreActivation(d) ? _layout.PreActivation(d) : _layout.Output(d, training: true);
                dz = _layout.HasPreActivation(d) ? _layout.PreActivationDelta(d) : _layout.Delta(d);
                GpuKernel backward = Use(FeatureBackwardKernel(name + "Backward", FeatureBackward.ActivationBatchNorm, d, b, group.Activation, false, group.Name));
                Launch(w, backward, Config(backward, units), z, _layout.Output(b - 1, training: true), _layout.Delta(b), dz, Params, _layout.Statistics(b), Gradients, rows);
                break;
            }
        }

        WriteDenseProductsBackward(w, d, dz);
    }

    /// <summary>The two products of a Dense's backward pass: <c>dW = xᵀ · dz</c> and, unless it is the first trainable layer,
    /// <c>dx = dz · Wᵀ</c>. For a conv2d x is its im2col matrix (read from the image) and dx the transposed convolution of dz,
    /// gathered per input value.</summary>
    private void WriteDenseProductsBackward(SourceWriter w, int d, string dz)
    {
        LayerPlan layer = _plan.Layers[d];
        string inputs = Int(InputsOf(layer)), units = Int(UnitsOf(layer)), rows = PositionRows(layer);
        GpuKernel kernelGradient = Use(KernelGradientKernel(d));
        Launch(w, kernelGradient, kernelGradient.Launch == GpuLaunch.Tiles ? Config(kernelGradient, inputs, units) : Config(kernelGradient, $"{inputs} * {units}"),
            _layout.Input(d, training: true), dz, Gradients, rows);
        if (!_layout.NeedsInputDelta(d))
        {
            return;
        }

        if (_layout.Cpu.HasColumns(d))
        {
            string count = Rows(layer.Input.Size);
            GpuKernel inputGradient = Use(ConvolutionInputGradientKernel(d));
            Launch(w, inputGradient, Config(inputGradient, count), dz, Params, _layout.Delta(d - 1), count);
        }
        else
        {
            GpuKernel inputGradient = Use(InputGradientKernel(d));
            Launch(w, inputGradient, inputGradient.Launch == GpuLaunch.Tiles ? Config(inputGradient, rows, inputs) : Config(inputGradient, $"{rows} * {inputs}"),
                dz, Params, _layout.Delta(d - 1), rows);
        }
    }

    /// <summary>One layer's backward pass outside a fused group.</summary>
    private void WriteLayerBackward(SourceWriter w, int i, string? fused)
    {
        LayerPlan layer = _layout.Layer(i);
        string name = Pascal(layer.Name);
        bool fusedHere = fused is not null && i == _layout.Last;
        bool needsInput = _layout.NeedsInputDelta(i);
        string dOut = _layout.Delta(i);
        string input = _layout.Input(i, training: true);
        string output = _layout.Output(i, training: true);
        switch (layer.Spec)
        {
            case DenseSpec or Conv2DSpec:
            {
                w.Line($"// {WeightsLayers.Describe(layer)}");
                int unitCount = UnitsOf(layer);
                string units = Int(unitCount), rows = PositionRows(layer);
                ActivationKind own = ActivationOf(layer);
                string dz = dOut;
                if (_layout.HasPreActivation(i))
                {
                    dz = _layout.PreActivationDelta(i);
                    if (fusedHere)
                    {
                        w.Line("// (the activation's gradient came fused with the loss's)");
                    }
                    else if (own == ActivationKind.Softmax)
                    {
                        GpuKernel softmax = Use(SoftmaxBackwardKernel(name + "SoftmaxBackward", layer.Name, unitCount));
                        Launch(w, softmax, Config(softmax, rows), output, dOut, dz, rows);
                    }
                    else
                    {
                        GpuKernel kernel = Use(FeatureBackwardKernel(name + "Backward", FeatureBackward.ActivationBias, i, -1, own, false, layer.Name));
                        Launch(w, kernel, Config(kernel, units), _layout.PreActivation(i), output, dOut, dz, Gradients, rows);
                        WriteDenseProductsBackward(w, i, dz);
                        break;
                    }
                }

                if (UseBiasOf(layer))
                {
                    GpuKernel bias = Use(FeatureBackwardKernel(name + "BiasGradient", FeatureBackward.BiasOnly, i, -1, ActivationKind.Linear, false, layer.Name));
                    Launch(w, bias, Config(bias, units), dz, Gradients, rows);
                }

                WriteDenseProductsBackward(w, i, dz);
                break;
            }

            case BatchNormalizationSpec:
            {
                w.Line($"// {WeightsLayers.Describe(layer)}");
                string rows = Rows(layer.Output.Size / layer.Output.Last);
                GpuKernel kernel = Use(FeatureBackwardKernel(name + "Backward", FeatureBackward.BatchNorm, -1, i, ActivationKind.Linear, needsInput, layer.Name));
                Launch(w, kernel, Config(kernel, Int(layer.Output.Last)), needsInput
                    ? new[] { input, dOut, _layout.Delta(i - 1), Params, _layout.Statistics(i), Gradients, rows }
                    : new[] { input, dOut, Params, _layout.Statistics(i), Gradients, rows });
                break;
            }

            case ActivationSpec activation when needsInput:
            {
                w.Line($"// {WeightsLayers.Describe(layer)}");
                if (fusedHere)
                {
                    w.Line("// (its gradient came fused with the loss's)");
                    break;
                }

                if (activation.Activation == ActivationKind.Softmax)
                {
                    string rows = Rows(layer.Output.Size / layer.Output.Last);
                    GpuKernel kernel = Use(SoftmaxBackwardKernel(name + "Backward", layer.Name, layer.Output.Last));
                    Launch(w, kernel, Config(kernel, rows), output, dOut, _layout.Delta(i - 1), rows);
                }
                else
                {
                    string count = Rows(layer.Output.Size);
                    GpuKernel kernel = Use(ActivationBackwardKernel(name + "Backward", layer.Name, activation.Activation));
                    Launch(w, kernel, Config(kernel, count), input, output, dOut, _layout.Delta(i - 1), count);
                }

                break;
            }

            case LstmSpec:
                WriteLstmBackward(w, i);
                break;

            case LayerSpec spec when needsInput && PoolingLayers.Of(spec) is { } pooling:
            {
                w.Line($"// {WeightsLayers.Describe(layer)}");
                if (pooling.Average)
                {
                    string count = Rows(layer.Input.Size);
                    GpuKernel kernel = Use(AveragePoolingBackwardKernel(i));
                    Launch(w, kernel, Config(kernel, count), dOut, _layout.Delta(i - 1), count);
                }
                else if (pooling.Global)
                {
                    // One thread per sample and channel: the output's values.
                    string count = Rows(layer.Output.Size);
                    GpuKernel kernel = Use(GlobalMaxPoolingBackwardKernel(i));
                    Launch(w, kernel, Config(kernel, count), input, output, dOut, _layout.Delta(i - 1), count);
                }
                else
                {
                    string count = Rows(layer.Input.Size);
                    GpuKernel kernel = Use(MaxPoolingBackwardKernel(i));
                    Launch(w, kernel, Config(kernel, count), input, output, dOut, _layout.Delta(i - 1), count);
                }

                break;
            }

            case DropoutSpec { Rate: > 0 } when needsInput:
            {
                w.Line($"// {WeightsLayers.Describe(layer)}");
                string count = Rows(layer.Output.Size);
                GpuKernel kernel = Use(DropoutBackwardKernel(layer));
                Launch(w, kernel, Config(kernel, count), dOut, _layout.Mask(i), _layout.Delta(i - 1), count);
                break;
            }

            default:
                w.Line($"// {WeightsLayers.Describe(layer)}: gradient passes through.");
                break;
        }
    }
}
