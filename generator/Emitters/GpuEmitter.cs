using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

/// <summary>
/// Emits the GPU backend of a model, <c>{Namespace}.{Type}.Gpu.g.cs</c>: the nested class <c>M.Gpu</c> (SPEC §3), built
/// from an <c>M</c> and an ILGPU accelerator. Only for a compilation that references ILGPU and a model whose layers
/// all have CPU kernels (the same layers run here); otherwise nothing. Its kernels are static methods of the class
/// with the model's sizes and weight offsets as constants, loaded once per accelerator; the weights, the optimizer's
/// state and the moving statistics live on the device from construction until <c>SyncToHost</c> copies them back.
/// </summary>
internal sealed partial class GpuEmitter
{
    private readonly ModelPlan _plan;
    private readonly GpuLayout _layout;
    private readonly GpuKernelSet _kernels = new();
    private readonly string _model;

    private GpuEmitter(ModelPlan plan)
    {
        _plan = plan;
        _layout = new GpuLayout(plan);
        _model = plan.Type.Name;
    }

    private static string Generated => string.Format(CultureInfo.InvariantCulture, CpuEmitter.GeneratedCodeAttribute, SourceWriter.Version);

    /// <summary>The GPU file of a model, or null when the plan has none (no ILGPU reference, or a layer without a GPU kernel).</summary>
    public static GeneratedSource? Emit(ModelPlan plan, CancellationToken cancellationToken)
    {
        if (!plan.EmitGpu)
        {
            return null;
        }

        var emitter = new GpuEmitter(plan);
        var writer = new SourceWriter();
        TypeScaffold.Open(writer, plan, "the GPU backend (ILGPU)", plan.GpuSummary, string.Empty, partOnly: true);
        emitter.WriteClass(writer, cancellationToken);
        TypeScaffold.Close(writer, plan);
        return new GeneratedSource(TypeScaffold.HintName(plan.Type, ".Gpu"), writer.ToString());
    }

    private bool Compiled => _plan.Compile is not null;

    private string ClassName => TypeScaffold.Identifier(_model);

    /// <summary>The model in messages: <c>GoldenCircles.Gpu</c>.</summary>
    private string Display => _model + ".Gpu";

    private void WriteClass(SourceWriter w, CancellationToken cancellationToken)
    {
        w.Line($"/// <summary>");
        w.Line($"/// Model '{SourceWriter.Xml(_model)}' on an ILGPU accelerator (a GPU through CUDA or OpenCL, or ILGPU's CPU accelerator):");
        w.Line($"/// {(Compiled ? "<c>Predict</c>, <c>TrainOnBatch</c>, <c>Evaluate</c> and <c>Fit</c>" : "<c>Predict</c>")} with the semantics of <see cref=\"{ClassName}\"/>, on host spans or on");
        w.Line("/// device views (data that stays on the device). The weights, the optimizer's state and the moving statistics are copied");
        w.Line("/// to the device once, at construction, and back into the model by <see cref=\"SyncToHost\"/>.");
        w.Line("/// </summary>");
        w.Line("/// <remarks>");
        w.Line("/// <para>One kernel per fused group and pass, specialized for this model: sizes and weight offsets are constants in the");
        w.Line("/// kernels' bodies. Large Dense layers multiply in 16 x 16 tiles through shared memory; BatchNormalization's per-feature");
        w.Line("/// sums are reduced on the device, one group per few features. Kernels are loaded once per accelerator (shared by every");
        w.Line("/// instance on it) and buffers allocated once (they grow with the largest batch seen); <see cref=\"Dispose\"/> frees them.</para>");
        if (_plan.Layers.Any(l => l.Spec is Conv2DSpec))
        {
            w.Line("/// <para>A conv2d runs as a Dense over its im2col matrix (batch · positions rows), read from the image by a device function");
            w.Line("/// rather than stored; BatchNormalization after it normalizes over the channels. Its input gradient, and max pooling's, are");
            w.Line("/// gathered per input value: no atomics, the same sums in the same order on every run.</para>");
        }

        if (_plan.Layers.Any(l => l.Spec is DropoutSpec { Rate: > 0 }) && Compiled)
        {
            w.Line("/// <para>Dropout draws its masks from a counter-based hash of (seed, step, index): deterministic for a model's seed,");
            w.Line("/// the same on every device, but not the CPU backend's masks.</para>");
        }

        w.Line("/// <para>Kernels that use exp, tanh or log need the accelerator's math: on CUDA create the context with");
        w.Line("/// <c>EnableAlgorithms()</c> (ILGPU.Algorithms) or <c>LibDevice()</c>. Not thread-safe: one thread at a time per instance.</para>");
        w.Line("/// </remarks>");
        w.Line(Generated);
        w.Open("public sealed partial class Gpu : global::System.IDisposable, " + (Compiled ? "global::ModelGen.ITrainableModel, global::ModelGen.CompilerServices.ITrainingStep" : "global::ModelGen.IModel"));

        // The passes, then the kernels they launch, then the device functions those call are written first, each into a
        // section of its own: the fields and the constructor above them declare and load exactly the kernels used.
        SourceWriter passes = w.Fork(), kernels = w.Fork(), helpers = w.Fork();
        WritePasses(passes);
        WriteKernels(kernels);
        WriteDeviceHelpers(helpers);
        cancellationToken.ThrowIfCancellationRequested();

        WriteFields(w);
        WriteConstructor(w);
        WriteLifetime(w);
        WriteInferenceApi(w);
        if (Compiled)
        {
            WriteTrainingApi(w);
        }

        w.Append(passes);
        w.Append(helpers);
        w.Append(kernels);
        WriteKernelCache(w);
        w.Close();
    }

    /// <summary>The methods that launch kernels: the forward passes, and with compile the loss, backward pass and optimizer.</summary>
    private void WritePasses(SourceWriter w)
    {
        w.Line("/// <summary>The inference-mode forward pass of <paramref name=\"rows\"/> samples, the last layer writing into <paramref name=\"y\"/>.</summary>");
        w.Open($"private void ForwardInference({V} x, {V} y, int rows)");
        WriteForwardPass(w, training: false);
        if (_layout.IsIdentity(_layout.Last, training: false))
        {
            w.Line($"global::ILGPU.Runtime.ArrayViewExtensions.CopyTo({_layout.Output(_layout.Last, training: false)}.SubView(0, (long)rows * OutputSize), y.SubView(0, (long)rows * OutputSize));");
        }

        w.Close();
        w.Line();
        if (!Compiled)
        {
            return;
        }

        w.Line("/// <summary>The training-mode forward pass: batch statistics (moving statistics updated), dropout masks drawn.</summary>");
        w.Open($"private void ForwardTraining({V} x, int rows)");
        WriteForwardPass(w, training: true);
        if (_plan.Layers.Any(l => l.Spec is DropoutSpec { Rate: > 0 }))
        {
            w.Line("_dropoutStep++;");
        }

        w.Close();
        w.Line();

        w.Line("/// <summary>The backward pass: from the loss gradient to every trainable tensor's gradient, last layer first.</summary>");
        w.Open($"private void Backward({V} x, int rows)");
        WriteBackwardPass(w);
        w.Close();
        w.Line();

        WriteLossLaunch(w);
        WriteOptimizer(w);
    }

    /// <summary>The helpers every kernel uses: grid-stride indices, the row-lane reduction, dropout's hash, activations.</summary>
    private void WriteDeviceHelpers(SourceWriter w)
    {
        w.Line("// Device functions, called from the kernels below.");
        w.Line();
        w.Line("/// <summary>This thread's first element in a grid-stride loop.</summary>");
        w.Line($"private static int FirstIndex => {Grid}.GlobalIndex.X;");
        w.Line();
        w.Line("/// <summary>The stride of a grid-stride loop: every thread of the grid.</summary>");
        w.Line($"private static int GridStride => {Grid}.DimX * {Group}.DimX;");
        w.Line();
        if (_kernels.All.Any(k => k.Launch == GpuLaunch.Features))
        {
            w.Line("/// <summary>Sums <paramref name=\"value\"/> over the row lanes (Y) of the group, for each feature lane (X), through");
            w.Line("/// <paramref name=\"partial\"/> in shared memory: a tree of log2(RowLanes) steps. Every thread gets the total.</summary>");
            w.Open($"private static float SumOverRowLanes({V} partial, float value)");
            w.Open($"if ({Group}.DimY == 1)");
            w.Line("return value;");
            w.Close();
            w.Line();
            w.Line($"int width = {Group}.DimX, slot = {Group}.IdxY * width + {Group}.IdxX;");
            w.Line("partial[slot] = value;");
            w.Line($"{Group}.Barrier();");
            w.Open($"for (int half = {Group}.DimY / 2; half > 0; half /= 2)");
            w.Open($"if ({Group}.IdxY < half)");
            w.Line("partial[slot] += partial[slot + half * width];");
            w.Close();
            w.Line();
            w.Line($"{Group}.Barrier();");
            w.Close();
            w.Line();
            w.Line($"float total = partial[{Group}.IdxX];");
            w.Line($"{Group}.Barrier(); // before partial is reused");
            w.Line("return total;");
            w.Close();
            w.Line();
        }

        if (Compiled && _plan.Layers.Any(l => l.Spec is DropoutSpec { Rate: > 0 }))
        {
            w.Line("/// <summary>A uniform value in [0, 1) from (seed, step, index): three rounds of the lowbias32 integer hash.</summary>");
            w.Line("private static float DropoutUniform(uint seed, uint step, int index) =>");
            w.Line("    (Mix(seed ^ Mix(step ^ Mix((uint)index))) >> 8) * (1f / 16777216f);");
            w.Line();
            w.Open("private static uint Mix(uint h)");
            w.Line("h ^= h >> 16;");
            w.Line("h *= 0x7FEB352Du;");
            w.Line("h ^= h >> 15;");
            w.Line("h *= 0x846CA68Bu;");
            w.Line("return h ^ (h >> 16);");
            w.Close();
            w.Line();
        }

        WritePatchFunctions(w);
        WriteActivationFunctions(w);
    }

    private void WriteKernels(SourceWriter w)
    {
        w.Line("// Kernels: one per fused group and pass (named after the group's layers), specialized for this model.");
        w.Line();
        var all = new List<GpuKernel>(_kernels.All);
        if (Compiled)
        {
            all.Add(LossKernel(_plan.Compile!));
            all.Add(OptimizerKernel(_plan.Compile!));
            all.Add(GatherKernel());
        }

        foreach (GpuKernel kernel in all)
        {
            w.Line($"/// <summary>{SourceWriter.Xml(kernel.Summary).Replace("&lt;c&gt;", "<c>").Replace("&lt;/c&gt;", "</c>")}</summary>");
            w.Open($"private static void {kernel.Name}({string.Join(", ", kernel.Parameters.Select(p => p.Type + " " + p.Name))})");
            kernel.Body(w);
            w.Close();
            w.Line();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static string Int(long value) => CpuLayout.Int(value);

    private static string F(double value) => SourceWriter.Literal((float)value);

    private static string Num(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Pascal(string name) => StoragePlanner.Pascal(name);

    private static string Camel(string name) => CpuLayout.Camel(name);

    private static bool HasAccuracy(CompileSpec compile) => compile.Accuracy && compile.Loss != LossKind.MeanSquaredError;
}
