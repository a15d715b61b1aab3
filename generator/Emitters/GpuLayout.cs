using System.Collections.Generic;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;

namespace ModelGen.Generator.Emitters;

/// <summary>
/// Names of the GPU backend's device buffers and the views the kernels read and write, so that every part of
/// <see cref="GpuEmitter"/> refers to a layer's output, gradient or batch statistics the same way. Buffers are named
/// after the Keras layer as on the CPU (<c>_denseOutput</c>, <c>_batchNormalizationStatistics</c>).
/// <para>Unlike the CPU backend, BatchNormalization is never folded into a neighbouring Dense's weights: at inference a
/// fused group applies it in its GEMM's epilogue from the moving statistics, and a BatchNormalization outside a fused
/// group runs as its own elementwise kernel. So only Flatten, and Dropout outside training, pass their input through.</para>
/// </summary>
internal sealed class GpuLayout
{
    private readonly ModelPlan _plan;

    public GpuLayout(ModelPlan plan)
    {
        _plan = plan;
        Cpu = new CpuLayout(plan);
    }

    /// <summary>The CPU layout, for what both backends share (the first trainable layer, field names).</summary>
    public CpuLayout Cpu { get; }

    public int Count => _plan.Layers.Count;

    public int Last => _plan.Layers.Count - 1;

    public LayerPlan Layer(int index) => _plan.Layers[index];

    /// <summary>The first layer with trainable parameters: backward passes stop there.</summary>
    public int FirstTrainable => Cpu.FirstTrainable;

    public static string View(string field) => field + ".View";

    public string Field(int layer, string what) => Cpu.Field(layer, what);

    /// <summary>Whether a layer passes its input through unchanged in this mode (no buffer of its own).</summary>
    public bool IsIdentity(int layer, bool training) =>
        training ? BufferPlanner.IsIdentityInTraining(Layer(layer)) : BufferPlanner.IsIdentityAtInference(_plan, Layer(layer), foldsBatchNormalization: false);

    /// <summary>Whether a Dense keeps its pre-activation apart from its output (it has an activation of its own).</summary>
    public bool HasPreActivation(int layer) => Cpu.HasPreActivation(layer);

    /// <summary>The view a layer reads: <c>x</c> for the first.</summary>
    public string Input(int layer, bool training) => layer == 0 ? "x" : Output(layer - 1, training);

    /// <summary>The view a layer writes (its input's, for identity layers).</summary>
    public string Output(int layer, bool training) =>
        IsIdentity(layer, training) ? Input(layer, training) : View(Field(layer, "Output"));

    /// <summary>The view a layer writes in this pass: <c>y</c> for the model's last layer at inference.</summary>
    public string Out(int layer, bool training) => !training && layer == Last ? "y" : Output(layer, training);

    /// <summary>dL/d(output of <paramref name="layer"/>); flatten and rate-0 dropout share their input's.</summary>
    public string Delta(int layer) =>
        Layer(layer).Spec is FlattenSpec || Layer(layer).Spec is DropoutSpec { Rate: 0 }
            ? Delta(layer - 1)
            : View(Field(layer, "Delta"));

    public string PreActivation(int layer) => View(Field(layer, "PreActivation"));

    public string PreActivationDelta(int layer) => View(Field(layer, "PreActivationDelta"));

    /// <summary>A BatchNormalization's batch mean and 1 / sqrt(variance + epsilon), saved for the backward pass.</summary>
    public string Statistics(int layer) => View(Field(layer, "Statistics"));

    public string Mask(int layer) => View(Field(layer, "Mask"));

    /// <summary>An lstm's per-timestep values: pre-activations, gates, cell, activation(cell), hidden state (GpuEmitter.Recurrent.cs).</summary>
    public string Steps(int layer) => View(Field(layer, "Steps"));

    /// <summary>An lstm's dz per timestep and its dL/dc carry, for backpropagation through time.</summary>
    public string StepGradients(int layer) => View(Field(layer, "StepGradients"));

    /// <summary>Whether the backward pass of <paramref name="layer"/> must produce dL/d(its input).</summary>
    public bool NeedsInputDelta(int layer) => Cpu.NeedsInputDelta(layer);

    /// <summary>The view of a buffer named by the plan.</summary>
    public string View(BufferRef buffer) => View(Field(buffer.Layer, buffer.Kind.ToString()));

    /// <summary>A planned buffer's field: <c>_dense1Output</c>, <c>_input</c>.</summary>
    public static string FieldOf(BufferPlan buffer) => CpuLayout.FieldOf(buffer);
}
