using System.Collections.Generic;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Shared;

namespace ModelGen.Generator.Planning;

/// <summary>What a per-sample buffer holds.</summary>
internal enum BufferKind
{
    /// <summary>The model's input staged from the host (GPU).</summary>
    Input,

    /// <summary>The labels staged from the host, or a shuffled batch's (GPU).</summary>
    Labels,

    /// <summary>The model's output, for the host (GPU).</summary>
    ModelOutput,

    /// <summary>The outputs of one batch of <c>Evaluate</c> (CPU inference).</summary>
    EvaluationOutput,

    /// <summary>dL/d(the model's input), which a BatchNormalization first layer's backward pass writes (CPU).</summary>
    InputDelta,

    /// <summary>dL/d(a conv2d's im2col matrix), shared by every conv2d's backward pass (CPU).</summary>
    ColumnsDelta,

    /// <summary>A layer's output.</summary>
    Output,

    /// <summary>A Dense's or Conv2D's <c>x · W + b</c> before its own activation.</summary>
    PreActivation,

    /// <summary>A conv2d's im2col matrix: every window of its input as a row (CPU).</summary>
    Columns,

    /// <summary>An lstm's scratch within one call of its kernel (CPU).</summary>
    Workspace,

    /// <summary>An lstm's gates, cell and hidden states at every timestep, saved for its backward pass (CPU).</summary>
    Saved,

    /// <summary>dL/d(a layer's output).</summary>
    Delta,

    /// <summary>dL/d(a Dense's or Conv2D's pre-activation).</summary>
    PreActivationDelta,

    /// <summary>A BatchNormalization's normalized input, for its backward pass (CPU, BN outside a fused group).</summary>
    Xhat,

    /// <summary>A dropout's mask: 0 or 1 / (1 - rate).</summary>
    Mask,

    /// <summary>An lstm's pre-activations, gates, cell and hidden state at every timestep (GPU).</summary>
    Steps,

    /// <summary>An lstm's dz at every timestep and its dL/dc carry (GPU).</summary>
    StepGradients,
}

/// <summary>When a buffer's values are live.</summary>
internal enum BufferLifetime
{
    /// <summary>Staged between the host and the device around a call.</summary>
    Host,

    /// <summary>Written and read within one forward pass (by the next layer, or the loss).</summary>
    Forward,

    /// <summary>Written by the training forward pass and read again by the backward pass.</summary>
    ForwardToBackward,

    /// <summary>Written and read within the backward pass.</summary>
    Backward,

    /// <summary>Scratch within one layer's kernel.</summary>
    Scratch,
}

/// <summary>A buffer named by its layer (-1: the model's) and kind.</summary>
internal readonly record struct BufferRef(int Layer, BufferKind Kind);

/// <summary>
/// One per-sample buffer of a backend and pass: <see cref="Width"/> values per sample, named <see cref="Member"/>
/// (<c>Dense1Output</c>; a field renders it as <c>_dense1Output</c>). Every buffer listed is written by one step and read by
/// another; a buffer nothing reads is not listed (the planning tests check the generated code for each).
/// </summary>
internal sealed record BufferPlan(int Layer, BufferKind Kind, string Member, long Width, BufferLifetime Lifetime, string Purpose)
{
    public BufferRef Ref => new(Layer, Kind);
}

/// <summary>
/// Decides which per-sample buffers each backend's passes use, from the plan's groups and layer decisions. The rules
/// follow the kernels each group runs (SPEC §5):
/// <list type="bullet">
/// <item>A fused Dense → BatchNormalization → activation group writes the Dense's output and the activation's; the
/// BatchNormalization's output and gradient exist only when a softmax (row-wise, after the fused kernel) or the fused
/// loss gradient needs them.</item>
/// <item>A fused Dense → activation → BatchNormalization group's backward pass goes from the BN's gradient straight to
/// the Dense's pre-activation gradient: the activation's output gradient exists only when it is the Dense's own.</item>
/// <item>Identity layers (flatten, dropout at rate 0 or at inference, a folded BN at inference on the CPU) share their
/// input's buffers; the last layer writes the caller's span at inference.</item>
/// </list>
/// </summary>
internal static class BufferPlanner
{
    public static EquatableArray<BufferPlan> CpuTraining(ModelPlan plan)
    {
        var buffers = new List<BufferPlan>();
        if (plan.FirstTrainable == 0 && plan.Layers[0].Spec is BatchNormalizationSpec)
        {
            // The kernel forms dL/d(its input) with the rest of its backward pass; nothing reads it.
            buffers.Add(Model(BufferKind.InputDelta, plan.InputSize, BufferLifetime.Scratch, "dL/d(input), which BatchNormalization's backward pass writes"));
        }

        long columnsDelta = 0;
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.UsesIm2Col && layer.NeedsInputGradient)
            {
                columnsDelta = System.Math.Max(columnsDelta, layer.Im2ColWidth);
            }
        }

        if (columnsDelta > 0)
        {
            buffers.Add(Model(BufferKind.ColumnsDelta, columnsDelta, BufferLifetime.Backward, "dL/d(a conv2d's im2col matrix), shared by the conv2d layers' backward passes"));
        }

        foreach (LayerPlan layer in plan.Layers)
        {
            int i = layer.Index;
            long width = layer.Output.Size;
            if (layer.Spec is FlattenSpec)
            {
                continue;
            }

            if (layer.UsesIm2Col)
            {
                buffers.Add(Of(layer, BufferKind.Columns, layer.Im2ColWidth, BufferLifetime.ForwardToBackward, $"{layer.Name}'s im2col matrix: every window of its input as a row"));
            }

            if (!IsIdentityInTraining(layer) && !FusedAway(plan, layer))
            {
                buffers.Add(Of(layer, BufferKind.Output, width, TrainingLifetime(plan, layer, BufferKind.Output), $"{layer.Name}'s output"));
            }

            if (layer.KeepsPreActivation)
            {
                buffers.Add(Of(layer, BufferKind.PreActivation, width, TrainingLifetime(plan, layer, BufferKind.PreActivation), $"{layer.Name}'s output before its activation"));
            }

            if (layer.Spec is LstmSpec)
            {
                (long saved, long workspace) = LstmWidths(layer, trainable: true);
                buffers.Add(Of(layer, BufferKind.Workspace, workspace, BufferLifetime.Scratch, $"{layer.Name}'s scratch: the input projection and one step's state and gradients"));
                buffers.Add(Of(layer, BufferKind.Saved, saved, BufferLifetime.ForwardToBackward, $"{layer.Name}'s gates, cell and hidden states at every timestep, for its backward pass"));
            }

            if (layer.Spec is GruSpec)
            {
                (long saved, long workspace) = GruWidths(layer);
                buffers.Add(Of(layer, BufferKind.Workspace, workspace, BufferLifetime.Scratch, $"{layer.Name}'s scratch: the input projection and one step's state and gradients"));
                buffers.Add(Of(layer, BufferKind.Saved, saved, BufferLifetime.ForwardToBackward, $"{layer.Name}'s gates and hidden states at every timestep, for its backward pass"));
            }

            if (HasDelta(plan, layer))
            {
                buffers.Add(Of(layer, BufferKind.Delta, width, BufferLifetime.Backward, $"dL/d({layer.Name}'s output)"));
            }

            if (i >= plan.FirstTrainable && layer.KeepsPreActivation)
            {
                buffers.Add(Of(layer, BufferKind.PreActivationDelta, width, BufferLifetime.Backward, $"dL/d({layer.Name}'s pre-activation)"));
            }

            switch (layer.Spec)
            {
                // A fused group's backward pass recomputes x̂ from the saved input and statistics.
                case BatchNormalizationSpec when !plan.Groups[layer.Group].RunsFused:
                    buffers.Add(Of(layer, BufferKind.Xhat, width, BufferLifetime.ForwardToBackward, $"{layer.Name}'s normalized input, for its backward pass"));
                    break;
                case DropoutSpec { Rate: > 0 }:
                    buffers.Add(Of(layer, BufferKind.Mask, width, TrainingLifetime(plan, layer, BufferKind.Mask), $"{layer.Name}'s mask: 0 or 1 / (1 - rate)"));
                    break;
            }
        }

        return buffers.ToEquatableArray();
    }

    /// <summary>
    /// The lifetime of a training forward buffer: saved for the backward pass, except what the backward pass never reads,
    /// which is the forward call's scratch: z of the group where the loss gradient enters fused (the activation's
    /// gradient is replaced by the loss's), and the mask of a dropout before the first trainable layer (the backward
    /// pass stops before it).
    /// </summary>
    private static BufferLifetime TrainingLifetime(ModelPlan plan, LayerPlan layer, BufferKind kind)
    {
        FusionGroup group = plan.Groups[layer.Group];
        bool lossEntersGroup = plan.FusesLossGradient && group.Last == plan.Layers.Count - 1 && group.Kind == FusionKind.WeightsActivation;
        bool isZ = layer.Index == group.First && (kind == BufferKind.PreActivation || (kind == BufferKind.Output && !layer.KeepsPreActivation && group.Count > 1));
        if ((lossEntersGroup && isZ) || (kind == BufferKind.Mask && layer.Index < plan.FirstTrainable))
        {
            return BufferLifetime.Scratch;
        }

        return BufferLifetime.ForwardToBackward;
    }

    /// <summary>The CPU's inference buffers: BatchNormalization folded where the plan folds it, the last layer writing the
    /// caller's span; <c>Evaluate</c>'s batch outputs for a compiled model.</summary>
    public static EquatableArray<BufferPlan> CpuInference(ModelPlan plan)
    {
        var buffers = new List<BufferPlan>();
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.UsesIm2Col)
            {
                buffers.Add(Of(layer, BufferKind.Columns, layer.Im2ColWidth, BufferLifetime.Forward, $"{layer.Name}'s im2col matrix: every window of its input as a row"));
            }

            // Inside a fused group, the Dense's output is the fused call's own scratch (the GEMM writes it, the epilogue reads it).
            FusionGroup group = plan.Groups[layer.Group];
            BufferLifetime lifetime = group.RunsFused && layer.Index != group.Last ? BufferLifetime.Scratch : BufferLifetime.Forward;
            if (!IsIdentityAtInference(plan, layer, foldsBatchNormalization: true) && layer.Index != plan.Layers.Count - 1)
            {
                buffers.Add(Of(layer, BufferKind.Output, layer.Output.Size, lifetime, $"{layer.Name}'s output"));
            }

            if (layer.KeepsPreActivation)
            {
                buffers.Add(Of(layer, BufferKind.PreActivation, layer.Output.Size, BufferLifetime.Scratch, $"{layer.Name}'s output before its activation"));
            }

            if (layer.Spec is LstmSpec)
            {
                buffers.Add(Of(layer, BufferKind.Workspace, LstmWidths(layer, trainable: false).Workspace, BufferLifetime.Scratch, $"{layer.Name}'s scratch: the input projection and one step's state"));
            }

            if (layer.Spec is GruSpec)
            {
                buffers.Add(Of(layer, BufferKind.Workspace, GruWidths(layer).Workspace, BufferLifetime.Scratch, $"{layer.Name}'s scratch: the input projection and one step's state"));
            }
        }

        if (plan.Compile is not null)
        {
            buffers.Add(Model(BufferKind.EvaluationOutput, plan.OutputSize, BufferLifetime.Forward, "Evaluate's outputs of one batch"));
        }

        return buffers.ToEquatableArray();
    }

    /// <summary>
    /// The GPU's device buffers, one set for both passes. The GPU never folds BatchNormalization (a fused group applies
    /// it in its GEMM's epilogue at inference), so BN keeps its output at inference; an lstm keeps its per-timestep values
    /// (<see cref="LstmStepValues"/> per unit) rather than the CPU's saved layout.
    /// </summary>
    public static EquatableArray<BufferPlan> Gpu(ModelPlan plan)
    {
        bool training = plan.Compile is not null;
        var buffers = new List<BufferPlan>
        {
            Model(BufferKind.Input, plan.InputSize, BufferLifetime.Host, "inputs from the host"),
        };
        if (training)
        {
            buffers.Add(Model(BufferKind.Labels, plan.LabelSize, BufferLifetime.Host, "labels from the host, or a shuffled batch's"));
        }

        buffers.Add(Model(BufferKind.ModelOutput, plan.OutputSize, BufferLifetime.Host, "outputs for the host"));
        foreach (LayerPlan layer in plan.Layers)
        {
            int i = layer.Index;
            long width = layer.Output.Size;
            if (layer.Spec is FlattenSpec)
            {
                continue;
            }

            bool output = training
                ? !IsIdentityInTraining(layer) && !FusedAway(plan, layer)
                : !IsIdentityAtInference(plan, layer, foldsBatchNormalization: false) && i != plan.Layers.Count - 1 && GpuInferenceWrites(plan, layer);
            if (output)
            {
                buffers.Add(Of(layer, BufferKind.Output, width, training ? TrainingLifetime(plan, layer, BufferKind.Output) : BufferLifetime.Forward, $"{layer.Name}'s output"));
            }

            if (layer.KeepsPreActivation && (training || GpuInferenceStoresPreActivation(plan, layer)))
            {
                buffers.Add(Of(layer, BufferKind.PreActivation, width, training ? TrainingLifetime(plan, layer, BufferKind.PreActivation) : BufferLifetime.Forward, $"{layer.Name}'s output before its activation"));
            }

            if (layer.Spec is LstmSpec lstm)
            {
                buffers.Add(Of(layer, BufferKind.Steps, (long)LstmStepValues * layer.Input.D0 * lstm.Units, training ? BufferLifetime.ForwardToBackward : BufferLifetime.Scratch, $"{layer.Name}'s pre-activations, gates, cell and hidden state at every timestep"));
                if (training)
                {
                    buffers.Add(Of(layer, BufferKind.StepGradients, (4L * layer.Input.D0 + 1) * lstm.Units, BufferLifetime.Backward, $"{layer.Name}'s dz at every timestep and its dL/dc carry"));
                }
            }

            if (training && layer.Spec is DropoutSpec { Rate: > 0 })
            {
                buffers.Add(Of(layer, BufferKind.Mask, width, TrainingLifetime(plan, layer, BufferKind.Mask), $"{layer.Name}'s mask: 0 or 1 / (1 - rate)"));
            }

            if (!training)
            {
                continue;
            }

            if (HasDelta(plan, layer))
            {
                buffers.Add(Of(layer, BufferKind.Delta, width, BufferLifetime.Backward, $"dL/d({layer.Name}'s output)"));
            }

            if (i >= plan.FirstTrainable && layer.KeepsPreActivation)
            {
                buffers.Add(Of(layer, BufferKind.PreActivationDelta, width, BufferLifetime.Backward, $"dL/d({layer.Name}'s pre-activation)"));
            }
        }

        return buffers.ToEquatableArray();
    }

    /// <summary>Values an lstm keeps per unit, sample and timestep (<see cref="LstmLayout"/>, shared with the runtime).</summary>
    public const int LstmStepValues = LstmLayout.StepValues;

    /// <summary>Values per sample an lstm's CPU kernels need (the runtime's CompilerServices.Lstm contract): what the training forward
    /// pass saves for the backward pass, 11 · T · units; the scratch of the inference pass, (4T + 6) · units, or of the
    /// backward pass, (4T + 7) · units, in one buffer.</summary>
    public static (long Saved, long Workspace) LstmWidths(LayerPlan layer, bool trainable)
    {
        long units = ((LstmSpec)layer.Spec).Units, timesteps = layer.Input.D0;
        return (LstmStepValues * timesteps * units, LstmLayout.Workspace(timesteps, units, trainable));
    }

    /// <summary>Values per sample a gru's CPU kernels need (the runtime's CompilerServices.Gru contract): what the training
    /// forward pass saves, and the scratch of every call.</summary>
    public static (long Saved, long Workspace) GruWidths(LayerPlan layer)
    {
        long units = ((GruSpec)layer.Spec).Units, timesteps = layer.Input.D0;
        return (GruLayout.StepValues * timesteps * units, GruLayout.Workspace(timesteps, units));
    }

    /// <summary>Flatten, and dropout at rate 0, pass their input through in training.</summary>
    public static bool IsIdentityInTraining(LayerPlan layer) => layer.Spec is FlattenSpec or DropoutSpec { Rate: 0 };

    /// <summary>Flatten and dropout pass their input through at inference, and on the CPU a BatchNormalization folded
    /// into a neighbouring Dense's weights.</summary>
    public static bool IsIdentityAtInference(ModelPlan plan, LayerPlan layer, bool foldsBatchNormalization) => layer.Spec switch
    {
        FlattenSpec or DropoutSpec => true,
        BatchNormalizationSpec => foldsBatchNormalization && plan.FoldTarget(layer.Index) >= 0,
        _ => false,
    };

    /// <summary>A BatchNormalization inside a fused Dense → BN → activation group: the fused kernel goes from the Dense's
    /// output to the activation's, so the BN's output (and its gradient) exists only for a softmax after the kernel or for
    /// the loss gradient that enters there.</summary>
    private static bool FusedAway(ModelPlan plan, LayerPlan layer)
    {
        FusionGroup group = plan.Groups[layer.Group];
        return group.RunsFused
            && group.Kind == FusionKind.WeightsBatchNormActivation
            && group.Count == 3
            && layer.Index == group.BatchNormalization
            && group.Activation != ActivationKind.Softmax
            && !(plan.FusesLossGradient && group.Last == plan.Layers.Count - 1);
    }

    /// <summary>dL/d(a layer's output) has a buffer of its own: layers from the first trainable one, but not the last when
    /// the loss gradient enters fused, not identity layers (they share their input's), not a BN the fused kernel skips,
    /// and not the activated output of a fused Dense → activation → BN group (its backward pass goes from the BN's gradient
    /// to the pre-activation's) unless that output is the Dense's own linear output.</summary>
    private static bool HasDelta(ModelPlan plan, LayerPlan layer)
    {
        int i = layer.Index;
        if (i < plan.FirstTrainable || IsIdentityInTraining(layer) || FusedAway(plan, layer))
        {
            return false;
        }

        if (i == plan.Layers.Count - 1 && plan.FusesLossGradient)
        {
            return false;
        }

        FusionGroup group = plan.Groups[layer.Group];
        if (group.RunsFused && group.Kind == FusionKind.WeightsActivationBatchNorm && i == group.BatchNormalization - 1)
        {
            return i == group.First && !layer.KeepsPreActivation;
        }

        return true;
    }

    /// <summary>Whether the GPU's inference pass writes a layer's output: outside fused groups every layer does; in one, the
    /// group's last layer, the BN before a softmax, and the Dense of a Dense + activation group (its kernel stores z).</summary>
    private static bool GpuInferenceWrites(ModelPlan plan, LayerPlan layer)
    {
        FusionGroup group = plan.Groups[layer.Group];
        if (!group.RunsFused || layer.Index == group.Last)
        {
            return true;
        }

        return group.Kind switch
        {
            FusionKind.WeightsActivation => layer.Index == group.First && !layer.KeepsPreActivation,
            FusionKind.WeightsBatchNormActivation => layer.Index == group.BatchNormalization && group.Activation == ActivationKind.Softmax,
            _ => false,
        };
    }

    /// <summary>Whether the GPU's inference pass writes a Dense's pre-activation: a Dense + activation group's kernel (the
    /// same in both modes) stores it; a group with BatchNormalization runs one inference kernel that does not.</summary>
    private static bool GpuInferenceStoresPreActivation(ModelPlan plan, LayerPlan layer)
    {
        FusionGroup group = plan.Groups[layer.Group];
        return !group.RunsFused || group.Kind == FusionKind.WeightsActivation;
    }

    private static BufferPlan Of(LayerPlan layer, BufferKind kind, long width, BufferLifetime lifetime, string purpose) =>
        new(layer.Index, kind, StoragePlanner.Pascal(layer.Name) + kind, width, lifetime, purpose);

    private static BufferPlan Model(BufferKind kind, long width, BufferLifetime lifetime, string purpose) =>
        new(-1, kind, kind == BufferKind.ModelOutput ? "Output" : kind.ToString(), width, lifetime, purpose);
}
