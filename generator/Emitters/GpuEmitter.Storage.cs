using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

// M.Gpu's state: its fields, constructor, the device buffers (the plan's per-sample buffers, grown with the batch),
// the kernels loaded once per accelerator, disposal, and the weights' trips between host and device.
internal sealed partial class GpuEmitter
{
    private void WriteFields(SourceWriter w)
    {
        const string Buffer = "global::ILGPU.Runtime.MemoryBuffer1D<float, global::ILGPU.Stride1D.Dense>";
        w.Line("// Kernel geometry: the most threads a reduction or a tile uses, and the tile of the matrix products.");
        w.Line("private const int MaxGroupSize = 256;");
        w.Line("private const int TileSize = 16;");
        w.Line();
        w.Line($"private readonly {ClassName} _model;");
        w.Line("private readonly global::ILGPU.Runtime.Accelerator _accelerator;");
        w.Line("private bool _disposed;");
        w.Line("// Threads: one call at a time uses the device's buffers and stream (Exclusive); one training call at a time (Train).");
        w.Line("private readonly global::ModelGen.CompilerServices.ModelGuard _guard = new();");
        w.Line();
        w.Line("// Launch geometry from the accelerator's limits (see the constructor).");
        w.Line("private readonly int _groupSize;");
        w.Line("private readonly int _gridGroups;");
        w.Line("private readonly int _featureLanes;");
        w.Line("private readonly int _rowLanes;");
        w.Line();
        w.Line("// The model's weights on the device, laid out as the model's arrays (Keras's get_weights() order).");
        w.Line($"private readonly {Buffer} _parameters;");
        w.Line($"private readonly {Buffer} _state;");
        if (Compiled)
        {
            w.Line($"private readonly {Buffer} _gradients;");
            foreach (string slot in OptimizerSlots())
            {
                w.Line($"private readonly {Buffer} {slot};");
            }

            if (_plan.HasBatchNormalization)
            {
                w.Line("// The moving statistics before the current step, restored if its loss is not finite.");
                w.Line($"private readonly {Buffer} _stateBeforeStep;");
            }

            w.Line("// Batch loss and correct predictions, two values per slot (one slot per evaluation chunk).");
            w.Line($"private {Buffer} _results;");
            w.Line("private float[] _hostResults = new float[2];");
            w.Line("private long _iterations;");
            foreach (LayerPlan layer in _plan.Layers)
            {
                if (layer.Spec is BatchNormalizationSpec)
                {
                    w.Line($"private readonly {Buffer} {_layout.Field(layer.Index, "Statistics")}; // {layer.Name}'s batch mean, then 1 / sqrt(batch variance + epsilon)");
                }
            }

            if (_plan.Layers.Any(l => l.Spec is DropoutSpec { Rate: > 0 }))
            {
                w.Line("// Dropout: one seed per layer (from the model's dropout streams) and the step, counted per training batch.");
                foreach (LayerPlan layer in _plan.Layers)
                {
                    if (layer.Spec is DropoutSpec { Rate: > 0 })
                    {
                        w.Line($"private readonly uint {_layout.Field(layer.Index, "Seed")};");
                    }
                }

                w.Line("private uint _dropoutStep;");
            }

            w.Line();
            w.Line("// Fit: the shuffled order of the rows, and host data staged on the device.");
            w.Line("private global::ILGPU.Runtime.MemoryBuffer1D<int, global::ILGPU.Stride1D.Dense>? _order;");
            w.Line($"private {Buffer}? _fitX;");
            w.Line($"private {Buffer}? _fitY;");
            w.Line($"private {Buffer}? _validationX;");
            w.Line($"private {Buffer}? _validationY;");
            w.Line($"private {Buffer}? _evaluationX;");
            w.Line($"private {Buffer}? _evaluationY;");
        }

        w.Line();
        w.Line("// Per-sample buffers for `_capacity` samples, grown (once per larger batch) by EnsureCapacity.");
        w.Line("private int _capacity;");
        foreach ((string field, long _, string purpose) in RowBuffers())
        {
            w.Line($"private {Buffer} {field}; // {purpose}");
        }

        w.Line();
        w.Line("// The kernels' launchers on this accelerator, shared by every Gpu of this model on it (see Kernels).");
        w.Line("private readonly Kernels _kernels;");

        w.Line();
    }

    /// <summary>Per-sample buffers (the plan's): the host data staged on the device, then every layer's.</summary>
    private IEnumerable<(string Field, long Width, string Purpose)> RowBuffers() =>
        _plan.GpuBuffers.Select(b => (GpuLayout.FieldOf(b), b.Width, b.Purpose));

    private IEnumerable<string> OptimizerSlots()
    {
        CompileSpec compile = _plan.Compile!;
        if (compile.Optimizer == OptimizerKind.Adam)
        {
            yield return "_adamM";
            yield return "_adamV";
        }
        else if (compile.Momentum != 0)
        {
            yield return "_velocity";
        }
    }

    private void WriteConstructor(SourceWriter w)
    {
        w.Line($"/// <summary>Puts <paramref name=\"model\"/> on <paramref name=\"accelerator\"/>: loads the kernels, allocates the buffers and copies");
        w.Line("/// the weights, the optimizer's state and the moving statistics to the device. The model itself is not changed until");
        w.Line("/// <see cref=\"SyncToHost\"/>.</summary>");
        w.Line("/// <param name=\"model\">The model whose weights to start from.</param>");
        w.Line("/// <param name=\"accelerator\">The ILGPU accelerator to run on; it must outlive this object.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentNullException\">The model or the accelerator is null.</exception>");
        w.Line("/// <exception cref=\"global::System.ObjectDisposedException\">The accelerator was disposed.</exception>");
        w.Line("/// <exception cref=\"global::System.OutOfMemoryException\">The device has not enough memory; the message gives the bytes requested.</exception>");
        w.Line("/// <exception cref=\"global::System.NotSupportedException\">The accelerator cannot compile a kernel.</exception>");
        w.Line(Generated);
        w.Open($"public Gpu({ClassName} model, global::ILGPU.Runtime.Accelerator accelerator)");
        w.Line($"_model = model ?? throw new global::System.ArgumentNullException(nameof(model), \"{Display} needs the model whose weights it starts from.\");");
        w.Line($"_accelerator = accelerator ?? throw new global::System.ArgumentNullException(nameof(accelerator),");
        w.Line($"    \"{Display} needs an ILGPU accelerator, for example context.GetPreferredDevice(preferCPU: false).CreateAccelerator(context) with context = global::ILGPU.Context.Create(b => b.Default()); there is none to run on.\");");
        w.Open("if (accelerator.IsDisposed)");
        w.Line($"throw new global::System.ObjectDisposedException(nameof(accelerator), \"{Display}: the accelerator was disposed; create {Display} from a live accelerator.\");");
        w.Close();
        w.Line();
        w.Line("// Reductions and tiles use up to MaxGroupSize threads per group (a power of two); grid-stride kernels launch");
        w.Line("// as many groups as the accelerator runs at once; a reduction group is FeatureLanes features x RowLanes rows.");
        w.Line("_groupSize = PowerOfTwoAtMost(global::System.Math.Min(MaxGroupSize, accelerator.MaxNumThreadsPerGroup));");
        w.Line("_gridGroups = global::System.Math.Max(1, accelerator.NumMultiprocessors * global::System.Math.Max(1, accelerator.MaxNumThreadsPerMultiprocessor / _groupSize));");
        w.Line("_featureLanes = PowerOfTwoAtMost(global::System.Math.Max(1, global::System.Math.Min(32, _groupSize / 2)));");
        w.Line("_rowLanes = global::System.Math.Min(8, _groupSize / _featureLanes);");
        w.Line();
        w.Line($"_parameters = Allocate({Int(_plan.TrainableLength)}, \"the trainable weights\");");
        w.Line($"_state = Allocate({Int(System.Math.Max(1, _plan.StateLength))}, \"the moving statistics\");");
        if (Compiled)
        {
            w.Line($"_gradients = Allocate({Int(_plan.TrainableLength)}, \"the gradients\");");
            foreach (string slot in OptimizerSlots())
            {
                w.Line($"{slot} = Allocate({Int(_plan.TrainableLength)}, \"the optimizer's state\");");
            }

            if (_plan.HasBatchNormalization)
            {
                w.Line($"_stateBeforeStep = Allocate({Int(_plan.StateLength)}, \"the moving statistics before a step\");");
            }

            w.Line("_results = Allocate(2, \"the loss\");");
            foreach (LayerPlan layer in _plan.Layers)
            {
                if (layer.Spec is BatchNormalizationSpec)
                {
                    w.Line($"{_layout.Field(layer.Index, "Statistics")} = Allocate({Int(2 * layer.Output.Last)}, \"{layer.Name}'s batch statistics\");");
                }
            }

            foreach (LayerPlan layer in _plan.Layers)
            {
                if (layer.Spec is DropoutSpec { Rate: > 0 })
                {
                    w.Line($"var {Camel(layer.Name)}Random = model.{_layout.Field(layer.Index, "Random")};");
                    w.Line($"{_layout.Field(layer.Index, "Seed")} = {Camel(layer.Name)}Random.NextUInt32();");
                }
            }
        }

        w.Line($"AllocateRowBuffers({Int(_plan.PlannedBatchSize)});");
        w.Line("SyncToDevice();");
        w.Line();
        w.Line("// Kernels: compiled and loaded by the first Gpu of this model on this accelerator, shared by the rest.");
        w.Open("try");
        w.Line("_kernels = Kernels.For(accelerator);");
        w.Close();
        w.Line("catch (global::System.Exception exception) when (exception is not global::System.OutOfMemoryException)");
        w.Line("{");
        w.Line("    Dispose();");
        w.Line("    throw new global::System.NotSupportedException(");
        w.Line($"        $\"{Display}: {{accelerator.Name}} ({{accelerator.AcceleratorType}}) cannot compile the model's kernels: {{exception.Message}} \" +");
        w.Line("        \"On CUDA, create the context with EnableAlgorithms() (ILGPU.Algorithms) or LibDevice() for exp, tanh and log.\", exception);");
        w.Line("}");
        w.Close();
        w.Line();
    }

    /// <summary>The nested class holding the launchers of every kernel the passes use, loaded once per accelerator.</summary>
    private void WriteKernelCache(SourceWriter w)
    {
        var kernels = new List<GpuKernel>(_kernels.All);
        if (Compiled)
        {
            kernels.Add(LossKernel(_plan.Compile!));
            kernels.Add(OptimizerKernel(_plan.Compile!));
            kernels.Add(GatherKernel());
        }

        w.Line("/// <summary>");
        w.Line("/// The launchers of this model's kernels on one accelerator: ILGPU compiles a kernel for an accelerator and binds its");
        w.Line("/// launcher to it, not to a Gpu, so the first Gpu created on an accelerator loads them and every later one (on any");
        w.Line("/// thread) reuses them. Kept while the accelerator is alive.");
        w.Line("/// </summary>");
        w.Open("private sealed class Kernels");
        w.Line("private static readonly global::System.Runtime.CompilerServices.ConditionalWeakTable<global::ILGPU.Runtime.Accelerator, Kernels> s_loaded = new();");
        w.Line();
        foreach (GpuKernel kernel in kernels)
        {
            w.Line($"public readonly {kernel.DelegateType} {kernel.Name};");
        }

        w.Line();
        w.Open("private Kernels(global::ILGPU.Runtime.Accelerator accelerator)");
        foreach (GpuKernel kernel in kernels)
        {
            w.Line($"{kernel.Name} = global::ILGPU.Runtime.KernelLoaders.LoadStreamKernel<{kernel.TypeArguments}>(accelerator, Gpu.{kernel.Name});");
        }

        w.Close();
        w.Line();
        w.Line("/// <summary>The kernels loaded on <paramref name=\"accelerator\"/>: loads them on the first call for it.</summary>");
        w.Line("public static Kernels For(global::ILGPU.Runtime.Accelerator accelerator) => s_loaded.GetValue(accelerator, static a => new Kernels(a));");
        w.Close();
        w.Line();
    }

    /// <summary>Dispose, the disposed check, SyncToHost / SyncToDevice, GetWeights / SetWeights, LearningRate, buffers.</summary>
    private void WriteLifetime(SourceWriter w)
    {
        w.Line($"/// <summary>The model this object was created from (and that <see cref=\"SyncToHost\"/> copies into).</summary>");
        w.Line(Generated);
        w.Line($"public {ClassName} Model => _model;");
        w.Line();
        w.Line("/// <summary>The accelerator the model runs on.</summary>");
        w.Line(Generated);
        w.Line("public global::ILGPU.Runtime.Accelerator Accelerator => _accelerator;");
        w.Line();

        w.Line("/// <summary>Copies the device's weights and moving statistics" + (Compiled ? ", and the optimizer's state (its slots and iteration count)," : string.Empty) + " back into");
        w.Line("/// <see cref=\"Model\"/>, so that the model predicts, saves or exports what was trained here.</summary>");
        w.Line($"/// <exception cref=\"global::System.ObjectDisposedException\">This object was disposed.</exception>");
        w.Line(Generated);
        w.Open("public void SyncToHost()");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("// Into the host model as one of its training calls, in its write section: its Predict sees all of it or none.");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope modelTraining = _model._guard.Train(\"Gpu.SyncToHost\");");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.WriteScope modelWrite = _model._guard.Write();");
        w.Line("Download(_parameters.View, _model._parameters);");
        if (_plan.StateLength > 0)
        {
            w.Line("Download(_state.View, _model._state);");
        }

        if (Compiled)
        {
            foreach (string slot in OptimizerSlots())
            {
                w.Line($"Download({slot}.View, _model.{slot});");
            }

            w.Line("_model._iterations = _iterations;");
        }

        w.Line("_model.OnWeightsChanged();");
        w.Close();
        w.Line();

        w.Line("/// <summary>Copies <see cref=\"Model\"/>'s weights and moving statistics" + (Compiled ? " and its optimizer's state" : string.Empty) + " to the device again (after the model");
        w.Line("/// was changed on the host: SetWeights, LoadWeights, its own training).</summary>");
        w.Line($"/// <exception cref=\"global::System.ObjectDisposedException\">This object was disposed.</exception>");
        w.Line(Generated);
        w.Open("public void SyncToDevice()");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ReadScope modelRead = _model._guard.Read();");
        w.Line("Upload(_model._parameters, _parameters.View);");
        if (_plan.StateLength > 0)
        {
            w.Line("Upload(_model._state, _state.View);");
        }

        if (Compiled)
        {
            foreach (string slot in OptimizerSlots())
            {
                w.Line($"Upload(_model.{slot}, {slot}.View);");
            }

            w.Line("_iterations = _model._iterations;");
        }

        w.Close();
        w.Line();

        w.Line("/// <summary>The device's weights in Keras's <c>get_weights()</c> order (copied into <see cref=\"Model\"/> first, see <see cref=\"SyncToHost\"/>).</summary>");
        w.Line(Generated);
        w.Open("public float[][] GetWeights()");
        w.Line("SyncToHost();");
        w.Line("return _model.GetWeights();");
        w.Close();
        w.Line();
        w.Line("/// <summary>Sets the weights of <see cref=\"Model\"/> (see its <c>SetWeights</c>) and copies them to the device.</summary>");
        w.Line("/// <param name=\"weights\">One array per tensor, in Keras's order.</param>");
        w.Line(Generated);
        w.Open("public void SetWeights(float[][] weights)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"SetWeights\");");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("_model.SetWeights(weights);");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ReadScope modelRead = _model._guard.Read();");
        w.Line("Upload(_model._parameters, _parameters.View);");
        if (_plan.StateLength > 0)
        {
            w.Line("Upload(_model._state, _state.View);");
        }

        w.Close();
        w.Line();

        if (Compiled)
        {
            w.Line("/// <summary>The optimizer's learning rate: <see cref=\"Model\"/>'s (<c>LearningRate</c>), read at every step.</summary>");
            w.Line(Generated);
            w.Line("public float LearningRate");
            w.Line("{");
            w.Line("    get => _model.LearningRate;");
            w.Line("    set => _model.LearningRate = value;");
            w.Line("}");
            w.Line();
        }

        WriteModelInterface(w);

        w.Line("/// <summary>Allocates the device buffers for batches of up to <paramref name=\"batchSize\"/> samples now (they otherwise grow on");
        w.Line("/// first use), so that a lack of device memory shows here. On failure the buffers stay as they were.</summary>");
        w.Line("/// <param name=\"batchSize\">The largest batch to prepare for.</param>");
        w.Line("/// <exception cref=\"global::System.OutOfMemoryException\">The device has not enough memory; the message gives the bytes requested.</exception>");
        w.Line(Generated);
        w.Open("public void Reserve(int batchSize)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckBatchSize(batchSize, nameof(batchSize));");
        w.Line("EnsureCapacity(batchSize);");
        w.Close();
        w.Line();

        w.Line("/// <summary>Frees the device buffers. The model keeps the weights it had at the last <see cref=\"SyncToHost\"/>.</summary>");
        w.Line(Generated);
        w.Open("public void Dispose()");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Open("if (_disposed)");
        w.Line("return;");
        w.Close();
        w.Line();
        w.Line("_disposed = true;");
        var buffers = new List<string> { "_parameters", "_state" };
        if (Compiled)
        {
            buffers.Add("_gradients");
            buffers.AddRange(OptimizerSlots());
            if (_plan.HasBatchNormalization)
            {
                buffers.Add("_stateBeforeStep");
            }

            buffers.Add("_results");
            buffers.AddRange(_plan.Layers.Where(l => l.Spec is BatchNormalizationSpec).Select(l => _layout.Field(l.Index, "Statistics")));
            buffers.AddRange(new[] { "_order", "_fitX", "_fitY", "_validationX", "_validationY", "_evaluationX", "_evaluationY" });
        }

        buffers.AddRange(RowBuffers().Select(b => b.Field));
        foreach (string buffer in buffers)
        {
            w.Line($"{buffer}?.Dispose();");
        }

        w.Close();
        w.Line();

        w.Open("private void ThrowIfDisposed()");
        w.Open("if (_disposed)");
        w.Line($"throw new global::System.ObjectDisposedException(\"{Display}\", \"This {Display} was disposed; create a new one from the model.\");");
        w.Close();
        w.Line();
        w.Open("if (_accelerator.IsDisposed)");
        w.Line($"throw new global::System.ObjectDisposedException(\"{Display}\", \"The accelerator of this {Display} was disposed.\");");
        w.Close();
        w.Close();
        w.Line();

        WriteBuffers(w);
    }

    private void WriteBuffers(SourceWriter w)
    {
        const string Buffer = "global::ILGPU.Runtime.MemoryBuffer1D<float, global::ILGPU.Stride1D.Dense>";
        w.Line("/// <summary>Allocates a device buffer of floats.</summary>");
        w.Line($"private {Buffer} Allocate(long length, string what) => Allocate<float>(length, what);");
        w.Line();
        w.Line("/// <summary>Allocates a device buffer, turning a failure into an error that names the model and the bytes requested.</summary>");
        w.Line("private global::ILGPU.Runtime.MemoryBuffer1D<T, global::ILGPU.Stride1D.Dense> Allocate<T>(long length, string what)");
        w.Line("    where T : unmanaged");
        w.Open();
        w.Open("try");
        w.Line("return _accelerator.Allocate1D<T>(length);");
        w.Close();
        w.Line("catch (global::System.Exception exception) when (exception is global::System.OutOfMemoryException or global::ILGPU.Runtime.AcceleratorException)");
        w.Line("{");
        w.Line("    throw new global::System.OutOfMemoryException(");
        w.Line($"        $\"{Display}: out of device memory on {{_accelerator.Name}}: {{what}} needs {{(length * global::System.Runtime.CompilerServices.Unsafe.SizeOf<T>())}} bytes ({{length}} values). \" +");
        w.Line("        \"Use smaller batches, or free other buffers on the accelerator.\", exception);");
        w.Line("}");
        w.Close();
        w.Line();

        w.Line("/// <summary>Grows the per-sample buffers to hold <paramref name=\"rows\"/> samples; allocates only for a batch larger than any before.</summary>");
        w.Open("private void EnsureCapacity(int rows)");
        w.Open("if (rows > _capacity)");
        w.Line("AllocateRowBuffers(rows);");
        w.Close();
        w.Close();
        w.Line();

        List<(string Field, long Width, string Purpose)> rowBuffers = RowBuffers().ToList();
        w.Line("// The per-sample buffers' values per sample and purposes, in the order AllocateRowBuffers assigns them.");
        w.Line($"private static readonly int[] s_rowBufferWidths = {{ {string.Join(", ", rowBuffers.Select(b => Int(b.Width)))} }};");
        w.Line($"private static readonly string[] s_rowBufferPurposes =");
        w.Line("{");
        foreach ((string _, long _, string purpose) in rowBuffers)
        {
            w.Line($"    {SourceWriter.Literal(purpose)},");
        }

        w.Line("};");
        w.Line();
        w.Line("/// <summary>Allocates every per-sample buffer for <paramref name=\"rows\"/> samples: all of them, or (out of memory) none.</summary>");
        w.Line($"[global::System.Diagnostics.CodeAnalysis.MemberNotNull({string.Join(", ", rowBuffers.Select(b => "nameof(" + b.Field + ")"))})]");
        w.Open("private void AllocateRowBuffers(int rows)");
        w.Line($"var fresh = new {Buffer}[{Int(rowBuffers.Count)}];");
        w.Line("int allocated = 0;");
        w.Open("try");
        w.Open("for (; allocated < fresh.Length; allocated++)");
        w.Line("fresh[allocated] = Allocate((long)rows * s_rowBufferWidths[allocated], $\"{s_rowBufferPurposes[allocated]} for {rows} samples\");");
        w.Close();
        w.Close();
        w.Line("catch");
        w.Line("{");
        w.Line("    for (int i = 0; i < allocated; i++)");
        w.Line("    {");
        w.Line("        fresh[i].Dispose();");
        w.Line("    }");
        w.Line();
        w.Line("    throw;");
        w.Line("}");
        w.Line();
        for (int i = 0; i < rowBuffers.Count; i++)
        {
            w.Line($"{rowBuffers[i].Field}?.Dispose();");
            w.Line($"{rowBuffers[i].Field} = fresh[{Int(i)}];");
        }

        w.Line("_capacity = rows;");
        w.Close();
        w.Line();

        w.Line("private static int PowerOfTwoAtMost(int value)");
        w.Line("{");
        w.Line("    int power = 1;");
        w.Line("    while (power * 2 <= value)");
        w.Line("    {");
        w.Line("        power *= 2;");
        w.Line("    }");
        w.Line();
        w.Line("    return power;");
        w.Line("}");
        w.Line();

        w.Line("/// <summary>A grid-stride launch over <paramref name=\"count\"/> elements.</summary>");
        w.Line("private global::ILGPU.KernelConfig Elements(long count) =>");
        w.Line("    new(new global::ILGPU.Index1D((int)global::System.Math.Clamp((count + _groupSize - 1) / _groupSize, 1, _gridGroups)), new global::ILGPU.Index1D(_groupSize));");
        w.Line();
        w.Line("/// <summary>One group per <c>_featureLanes</c> of <paramref name=\"features\"/>, <c>_rowLanes</c> threads per feature.</summary>");
        w.Line("private global::ILGPU.KernelConfig Features(int features) =>");
        w.Line("    new(new global::ILGPU.Index2D((features + _featureLanes - 1) / _featureLanes, 1), new global::ILGPU.Index2D(_featureLanes, _rowLanes));");
        w.Line();
        w.Line("/// <summary>One group per TileSize x TileSize tile of an <paramref name=\"m\"/> x <paramref name=\"n\"/> product.</summary>");
        w.Line("private global::ILGPU.KernelConfig Tiles(int m, int n) =>");
        w.Line("    new(new global::ILGPU.Index2D((n + TileSize - 1) / TileSize, (m + TileSize - 1) / TileSize), new global::ILGPU.Index2D(_groupSize, 1));");
        w.Line();
        w.Line("/// <summary>A single group (a reduction over the whole batch).</summary>");
        w.Line("private global::ILGPU.KernelConfig SingleGroup() => new(new global::ILGPU.Index1D(1), new global::ILGPU.Index1D(_groupSize));");
        w.Line();

        w.Line($"private static void Upload(global::System.ReadOnlySpan<float> source, {V} target) =>");
        w.Line("    global::ILGPU.Runtime.ArrayViewExtensions.CopyFromCPU(target.SubView(0, source.Length), source);");
        w.Line();
        w.Line($"private static void Download({V} source, global::System.Span<float> target) =>");
        w.Line("    global::ILGPU.Runtime.ArrayViewExtensions.CopyToCPU(source.SubView(0, target.Length), target);");
        w.Line();
        w.Line("/// <summary>A view's length as the int the span checks take.</summary>");
        w.Line($"private static int Length({V} view, string name) =>");
        w.Line($"    view.Length <= int.MaxValue ? (int)view.Length : throw new global::System.ArgumentException($\"{{name}} has {{view.Length}} values; {Display} takes at most {{int.MaxValue}}.\", name);");
        w.Line();
    }
}
