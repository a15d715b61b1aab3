using System.Collections.Generic;
using System.Linq;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

internal static partial class CpuEmitter
{
    /// <summary>The namespace of everything generated code calls in the runtime (kernels and plumbing).</summary>
    private const string Kernels = "global::ModelGen.CompilerServices.";

    /// <summary>Weights, gradients, optimizer slots, per-layer buffers, the constructor and <c>EnsureCapacity</c>.</summary>
    private static void WriteStorage(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        bool training = plan.Compile is not null;
        writer.Line("// Weights: every trainable tensor in one array, in Keras's get_weights() order, so that gradients and");
        writer.Line("// optimizer slots share its layout; BatchNormalization's moving statistics in another.");
        writer.Line($"private readonly float[] _parameters = new float[{Int(plan.TrainableLength)}];");
        writer.Line($"private readonly float[] _state = new float[{Int(plan.StateLength)}];");
        if (training)
        {
            writer.Line($"private readonly float[] _gradients = new float[{Int(plan.TrainableLength)}];");
            foreach (string slot in OptimizerSlots(plan.Compile!))
            {
                writer.Line($"private readonly float[] {slot} = new float[{Int(plan.TrainableLength)}];");
            }

            if (plan.HasBatchNormalization)
            {
                writer.Line("// The moving statistics a training step computes, committed with its weight update (and dropped if its loss");
                writer.Line("// is not finite): Predict on other threads reads _state meanwhile.");
                writer.Line($"private readonly float[] _stagedState = new float[{Int(plan.StateLength)}];");
            }

            writer.Line("private long _iterations;");
        }

        writer.Line();
        writer.Line("// Threads (SPEC §3): Predict and Evaluate run in parallel in read sections; weights change only in write sections");
        writer.Line("// (a training step's commit, SetWeights); one training call at a time. See global::ModelGen.CompilerServices.ModelGuard.");
        writer.Line("private readonly global::ModelGen.CompilerServices.ModelGuard _guard = new();");
        WriteFoldedStorage(writer, plan, layout);
        WriteWindows(writer, plan, layout);
        if (training)
        {
            writer.Line();
            writer.Line("// The training step's per-layer buffers for `_capacity` samples, grown (once per larger batch) by EnsureCapacity.");
            writer.Line("// Inference has its own, per thread: see InferenceBuffers.");
            writer.Line("private int _capacity;");
            foreach (BufferPlan buffer in plan.CpuTrainingBuffers)
            {
                writer.Line($"private float[] {CpuLayout.FieldOf(buffer)} = global::System.Array.Empty<float>(); // {buffer.Purpose}");
            }

            foreach (LayerPlan layer in plan.Layers)
            {
                switch (layer.Spec)
                {
                    case BatchNormalizationSpec:
                        writer.Line($"private readonly float[] {layout.Field(layer.Index, "Mean")} = new float[{Int(layer.Output.Last)}]; // {layer.Name}'s batch mean");
                        writer.Line($"private readonly float[] {layout.Field(layer.Index, "InverseStd")} = new float[{Int(layer.Output.Last)}]; // {layer.Name}'s 1 / sqrt(batch variance + epsilon)");
                        break;
                    case DropoutSpec { Rate: > 0 }:
                        writer.Line($"private {Kernels}ModelRandom {layout.Field(layer.Index, "Random")}; // {layer.Name}'s random stream");
                        break;
                }
            }
        }

        writer.Line();
        WriteTensorAccessors(writer, plan);
        WriteFoldedAccessors(writer, plan, layout);
        WriteConstructor(writer, plan, layout);
        if (training)
        {
            WriteEnsureCapacity(writer, plan);
        }

        WriteInferenceBuffers(writer, plan, layout);
    }

    /// <summary>The nested class of the per-thread inference buffers.</summary>
    private static void WriteInferenceBuffers(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        var buffers = plan.CpuInferenceBuffers.Select(b => (b.Member, b.Width, b.Purpose)).ToList();

        string callers = plan.Compile is null ? "<see cref=\"Predict\"/>" : "<see cref=\"Predict\"/> and <see cref=\"Evaluate\"/>";
        writer.Line($"/// <summary>The working memory of {callers}: one set per thread, shared by every");
        writer.Line($"/// instance of {SourceWriter.Xml(plan.Type.Name)} on that thread, so that any number of threads can run inference on one instance at");
        writer.Line("/// once. Sized for the largest batch the thread has run (Predict runs at most " + Int(PredictChunkOf(plan)) + " samples at a time);");
        writer.Line("/// collected with the thread.</summary>");
        writer.Open("private sealed class InferenceBuffers");
        writer.Line("[global::System.ThreadStatic]");
        writer.Line("private static InferenceBuffers? t_current;");
        writer.Line();
        writer.Line("private int _capacity;");
        foreach ((string member, long _, string purpose) in buffers)
        {
            writer.Line($"public float[] {member} = global::System.Array.Empty<float>(); // {purpose}");
        }

        writer.Line();
        writer.Line("/// <summary>The calling thread's buffers, holding at least <paramref name=\"rows\"/> samples: allocates only on the thread's");
        writer.Line("/// first call and for a batch larger than any before on this thread.</summary>");
        writer.Open("public static InferenceBuffers ForCurrentThread(int rows)");
        writer.Line("InferenceBuffers buffers = t_current ??= new InferenceBuffers();");
        writer.Open("if (rows > buffers._capacity)");
        writer.Line("buffers.Grow(rows);");
        writer.Close();
        writer.Line();
        writer.Line("return buffers;");
        writer.Close();
        writer.Line();
        writer.Open("private void Grow(int rows)");
        foreach ((string member, long width, string _) in buffers)
        {
            writer.Line($"{member} = new float[rows * {Int(width)}];");
        }

        writer.Line("_capacity = rows;");
        writer.Close();
        writer.Close();
        writer.Line();
    }

    /// <summary>The window geometry (sizes, strides, TensorFlow's same padding) of every conv2d and pooling layer.</summary>
    private static void WriteWindows(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        bool first = true;
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Window is not { } window)
            {
                continue;
            }

            if (first)
            {
                writer.Line();
                writer.Line(OnlyConvolutionAndMaxPooling2D(plan)
                    ? "// Window geometry of the conv2d and max_pooling2d layers: input height, width, channels, window, strides, padding."
                    : "// Window geometry of the conv2d and pooling layers: input height, width, channels, window, strides, padding (a sequence is a T x 1 image, a global pool one window over the whole input).");
                first = false;
            }

            string padding = window.Padded ? "Same" : "Valid";
            writer.Line($"private static readonly {Kernels}Window2D {WindowOf(layout, layer.Index)} = new({Int(window.Height)}, {Int(window.Width)}, {Int(window.Channels)}, {Int(window.WindowHeight)}, {Int(window.WindowWidth)}, {Int(window.StrideHeight)}, {Int(window.StrideWidth)}, global::ModelGen.Padding.{padding});");
        }
    }

    private static bool OnlyConvolutionAndMaxPooling2D(ModelPlan plan)
    {
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Window is not null && layer.Spec is not (Conv2DSpec or MaxPooling2DSpec))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The inference weights <c>Predict</c> uses beside the trained ones: a folded kernel and bias per Dense that
    /// absorbs BatchNormalization, a packed kernel per Dense that runs single samples from one.</summary>
    private static void WriteFoldedStorage(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        int folded = 0, packed = 0;
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Spec is DenseSpec or Conv2DSpec && layout.UsesFoldedWeights(layer.Index))
            {
                folded += (int)((InputsOf(layer) + 1) * UnitsOf(layer));
            }

            if (layout.PacksForSingleRow(layer.Index))
            {
                packed += PackedLength(layer);
            }
        }

        if (folded + packed == 0)
        {
            return;
        }

        writer.Line();
        writer.Line("// Inference weights derived from the trained ones, recomputed by the first inference after the weights change:");
        writer.Line("// _weightsVersion counts the changes, _inferenceVersion is the one they were computed from.");
        if (folded > 0)
        {
            writer.Line($"private readonly float[] _folded = new float[{Int(folded)}]; // kernels and biases with BatchNormalization folded in (SPEC §5)");
        }

        if (packed > 0)
        {
            writer.Line($"private readonly float[] _packed = new float[{Int(packed)}]; // inference kernels in panels of 16 columns, for batch-1 Predict");
        }

        writer.Line("private int _weightsVersion;");
        writer.Line("private int _inferenceVersion = -1;");
    }

    /// <summary>Values of a Dense kernel packed by the runtime's <c>PackedDense.Pack</c>: units rounded up to panels of 16,
    /// each panel one line longer than the inputs (<c>PackedDense.PackedLength</c>).</summary>
    private static int PackedLength(LayerPlan layer) => (UnitsOf(layer) + 15) / 16 * 16 * ((int)InputsOf(layer) + 1);

    /// <summary>Accessors of the folded kernel and bias of each Dense that absorbs BatchNormalization, and of the packed kernels.</summary>
    private static void WriteFoldedAccessors(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        int offset = 0, packedOffset = 0;
        foreach (LayerPlan layer in plan.Layers)
        {
            string name = StoragePlanner.Pascal(layer.Name);
            if (layer.Spec is DenseSpec or Conv2DSpec && layout.UsesFoldedWeights(layer.Index))
            {
                int units = UnitsOf(layer);
                int kernel = (int)(InputsOf(layer) * units);
                writer.Line($"/// <summary>{layer.Name}'s kernel with {Folds(plan, layer.Index)} folded in, for inference.</summary>");
                writer.Line($"private global::System.Span<float> {name}FoldedKernel => _folded.AsSpan({Int(offset)}, {Int(kernel)});");
                writer.Line();
                writer.Line($"/// <summary>{layer.Name}'s bias with {Folds(plan, layer.Index)} folded in, for inference.</summary>");
                writer.Line($"private global::System.Span<float> {name}FoldedBias => _folded.AsSpan({Int(offset + kernel)}, {Int(units)});");
                writer.Line();
                offset += kernel + units;
            }

            if (layout.PacksForSingleRow(layer.Index))
            {
                int length = PackedLength(layer);
                writer.Line($"/// <summary>{layer.Name}'s inference kernel packed for one sample at a time (PackedDense).</summary>");
                writer.Line($"private global::System.Span<float> {name}PackedKernel => _packed.AsSpan({Int(packedOffset)}, {Int(length)});");
                writer.Line();
                packedOffset += length;
            }
        }
    }

    private static string Folds(ModelPlan plan, int layer) => string.Join(" and ", plan.FoldedInto(layer).Select(b => plan.Layers[b].Name));

    /// <summary><c>RefreshInferenceWeights</c> and <c>OnWeightsChanged</c>, which marks the inference weights stale.</summary>
    private static void WriteFolding(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        bool anyFolded = plan.Layers.Any(l => layout.UsesFoldedWeights(l.Index));
        bool anyPacked = plan.Layers.Any(l => layout.PacksForSingleRow(l.Index));
        bool any = anyFolded || anyPacked;
        writer.Line("/// <summary>Called in the write section whenever weights or moving statistics change (training steps, SetWeights,");
        writer.Line("/// LoadWeights).</summary>");
        writer.Open("private void OnWeightsChanged()");
        if (any)
        {
            writer.Line("_weightsVersion++;");
        }

        writer.Close();
        writer.Line();
        if (!any)
        {
            writer.Line("/// <summary>Enters a read section of the guard: the weights stay as they are until it is disposed.</summary>");
            writer.Line("private global::ModelGen.CompilerServices.ModelGuard.ReadScope EnterInference() => _guard.Read();");
            writer.Line();
            return;
        }

        string derived = anyFolded && anyPacked ? "folded and packed weights" : anyFolded ? "folded weights" : "packed kernels";
        writer.Line($"/// <summary>Enters a read section of the guard with {derived} computed from the current weights (computing them");
        writer.Line("/// first if the weights changed since): both stay as they are until the section is disposed.</summary>");
        writer.Open("private global::ModelGen.CompilerServices.ModelGuard.ReadScope EnterInference()");
        writer.Open("while (true)");
        writer.Line("global::ModelGen.CompilerServices.ModelGuard.ReadScope read = _guard.Read();");
        writer.Open("if (_inferenceVersion == _weightsVersion)");
        writer.Line("return read;");
        writer.Close();
        writer.Line();
        writer.Line("read.Dispose();");
        writer.Line("RefreshInferenceWeights();");
        writer.Close();
        writer.Close();
        writer.Line();

        if (anyFolded)
        {
            writer.Line("/// <summary>Folds each inference-mode BatchNormalization into its neighbouring Dense: the preceding one when BN comes");
            writer.Line($"/// before the activation, the following one when it comes after{(anyPacked ? "; then packs the kernels of batch-1 Predict" : string.Empty)}. Runs in the");
        }
        else
        {
            writer.Line("/// <summary>Packs the kernels of batch-1 Predict (PackedDense). Runs in the");
        }

        writer.Line("/// write section, once per change of the weights (the first thread to need it does it; the others find it done).</summary>");
        writer.Open("private void RefreshInferenceWeights()");
        writer.Line("using global::ModelGen.CompilerServices.ModelGuard.WriteScope write = _guard.Write();");
        writer.Open("if (_inferenceVersion == _weightsVersion)");
        writer.Line("return;");
        writer.Close();
        writer.Line();
        foreach (LayerPlan layer in plan.Layers)
        {
            if (layer.Spec is not (DenseSpec or Conv2DSpec) || !layout.UsesFoldedWeights(layer.Index))
            {
                continue;
            }

            string name = StoragePlanner.Pascal(layer.Name);
            string bias = UseBiasOf(layer) ? TensorMember(plan, layer.Index, TensorRole.Bias) : "global::System.ReadOnlySpan<float>.Empty";
            string units = Int(UnitsOf(layer));
            writer.Line($"// {layer.Name} absorbs {Folds(plan, layer.Index)}.");
            writer.Line($"{Kernels}Folding.Copy({TensorMember(plan, layer.Index, TensorRole.Kernel)}, {bias}, {name}FoldedKernel, {name}FoldedBias);");
            foreach (int b in plan.FoldedInto(layer.Index))
            {
                var bn = (BatchNormalizationSpec)plan.Layers[b].Spec;
                string gamma = bn.Scale ? TensorMember(plan, b, TensorRole.Gamma) : "global::System.ReadOnlySpan<float>.Empty";
                string beta = bn.Center ? TensorMember(plan, b, TensorRole.Beta) : "global::System.ReadOnlySpan<float>.Empty";
                if (b < layer.Index && layer.Spec is Conv2DSpec conv)
                {
                    // BN over the channels feeding a valid conv2d: each kernel row (ky, kx, c) scales by channel c.
                    writer.Line($"{Kernels}Folding.FoldConvolutionInput({name}FoldedKernel, {name}FoldedBias, {Int(conv.KernelHeight * conv.KernelWidth)}, {Int(layer.Input.Last)}, {units},");
                }
                else
                {
                    string method = b < layer.Index ? "FoldInput" : "FoldOutput";
                    writer.Line($"{Kernels}Folding.{method}({name}FoldedKernel, {name}FoldedBias, {Int(InputsOf(layer))}, {units},");
                }

                writer.Line($"    {gamma}, {beta}, {TensorMember(plan, b, TensorRole.MovingMean)}, {TensorMember(plan, b, TensorRole.MovingVariance)}, epsilon: {F(bn.Epsilon)});");
            }
        }

        foreach (LayerPlan layer in plan.Layers)
        {
            if (layout.PacksForSingleRow(layer.Index))
            {
                string kernel = KernelOf(plan, layout, layer.Index, training: false);
                writer.Line($"{Kernels}PackedDense.Pack({kernel}, {StoragePlanner.Pascal(layer.Name)}PackedKernel, {Int(InputsOf(layer))}, {Int(UnitsOf(layer))});");
            }
        }

        writer.Line("_inferenceVersion = _weightsVersion;");
        writer.Close();
        writer.Line();
    }

    private static IEnumerable<string> OptimizerSlots(CompileSpec compile)
    {
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

    private static void WriteTensorAccessors(SourceWriter writer, ModelPlan plan)
    {
        foreach (TensorPlan tensor in plan.Tensors)
        {
            string array = tensor.Trainable ? "_parameters" : "_state";
            writer.Line($"/// <summary><c>{tensor.KerasName}</c>: {Shape(plan, tensor)}.</summary>");
            writer.Line($"private global::System.Span<float> {tensor.Member} => {array}.AsSpan({Int(tensor.Offset)}, {Int(tensor.Length)});");
            writer.Line();
            if (tensor.Trainable && plan.Compile is not null)
            {
                writer.Line($"private global::System.Span<float> {tensor.Member}Gradient => _gradients.AsSpan({Int(tensor.Offset)}, {Int(tensor.Length)});");
                writer.Line();
            }
            else if (!tensor.Trainable && plan.Compile is not null)
            {
                writer.Line($"/// <summary><c>{tensor.KerasName}</c> as the current training step updates it, until its commit.</summary>");
                writer.Line($"private global::System.Span<float> {tensor.Member}Staged => _stagedState.AsSpan({Int(tensor.Offset)}, {Int(tensor.Length)});");
                writer.Line();
            }
        }
    }

    private static string Shape(ModelPlan plan, TensorPlan tensor)
    {
        LayerPlan layer = plan.Layers[tensor.Layer];
        return (tensor.Role, layer.Spec) switch
        {
            (TensorRole.Kernel, DenseSpec dense) => $"[{Int(layer.Input.Last)}, {Int(dense.Units)}], row-major",
            (TensorRole.Kernel, Conv2DSpec { Sequence: true } conv) => $"[{Int(conv.KernelWidth)}, {Int(layer.Input.Last)}, {Int(conv.Filters)}] (k, in, out), row-major",
            (TensorRole.Kernel, Conv2DSpec conv) => $"[{Int(conv.KernelHeight)}, {Int(conv.KernelWidth)}, {Int(layer.Input.Last)}, {Int(conv.Filters)}] (kh, kw, in, out), row-major",
            (TensorRole.Kernel, LstmSpec lstm) => $"[{Int(layer.Input.Last)}, {Int(4 * lstm.Units)}], row-major, gates i, f, c, o in blocks of {Int(lstm.Units)} columns",
            (TensorRole.RecurrentKernel, LstmSpec lstm) => $"[{Int(lstm.Units)}, {Int(4 * lstm.Units)}], row-major, gates i, f, c, o",
            (TensorRole.Bias, LstmSpec lstm) => $"[{Int(4 * lstm.Units)}], gates i, f, c, o",
            (TensorRole.Kernel, GruSpec gru) => $"[{Int(layer.Input.Last)}, {Int(3 * gru.Units)}], row-major, gates z, r, h in blocks of {Int(gru.Units)} columns",
            (TensorRole.RecurrentKernel, GruSpec gru) => $"[{Int(gru.Units)}, {Int(3 * gru.Units)}], row-major, gates z, r, h",
            (TensorRole.Bias, GruSpec gru) => gru.ResetAfter ? $"[2, {Int(3 * gru.Units)}], the input bias then the recurrent bias, gates z, r, h" : $"[{Int(3 * gru.Units)}], gates z, r, h",
            _ => $"[{Int(tensor.Length)}]",
        };
    }

    private static void WriteConstructor(SourceWriter writer, ModelPlan plan, CpuLayout layout)
    {
        writer.Line("/// <summary>Creates the model with Keras's initializers, drawing from a stream determined by <paramref name=\"seed\"/>:");
        writer.Line("/// the same seed gives the same weights, dropout masks and training on every machine.</summary>");
        writer.Line("/// <param name=\"seed\">Seed of the initializers and of the dropout layers without a seed of their own.</param>");
        writer.Line(Generated);
        writer.Open($"public {TypeScaffold.Identifier(plan.Type.Name)}(int seed = 0)");
        writer.Line($"var random = new {Kernels}ModelRandom(seed);");
        foreach (TensorPlan tensor in plan.Tensors)
        {
            string initializer = "global::ModelGen.Initializer." + tensor.Initializer;
            writer.Line($"{Kernels}Initializers.Fill({initializer}, {tensor.Member}, fanIn: {Int(tensor.FanIn)}, fanOut: {Int(tensor.FanOut)}, ref random);");
            if (tensor.Role == TensorRole.Bias && plan.Layers[tensor.Layer].Spec is LstmSpec lstm)
            {
                writer.Line($"{tensor.Member}.Slice({Int(lstm.Units)}, {Int(lstm.Units)}).Fill(1f); // Keras's unit_forget_bias: the forget gate starts open");
            }
        }

        if (plan.Compile is not null)
        {
            foreach (LayerPlan layer in plan.Layers)
            {
                if (layer.Spec is DropoutSpec { Rate: > 0 } dropout)
                {
                    string seed = dropout.Seed is int own ? Int(own) : "seed";
                    writer.Line($"{layout.Field(layer.Index, "Random")} = new {Kernels}ModelRandom({seed}, stream: {Int(1 + layer.Index)});");
                }
            }
        }

        if (plan.Compile is not null)
        {
            writer.Line($"EnsureCapacity({Int(plan.PlannedBatchSize)});");
        }

        writer.Close();
        writer.Line();
    }

    private static void WriteEnsureCapacity(SourceWriter writer, ModelPlan plan)
    {
        writer.Line("/// <summary>Grows the training buffers to hold <paramref name=\"rows\"/> samples; allocates only for a batch larger than any before.</summary>");
        writer.Open("private void EnsureCapacity(int rows)");
        writer.Open("if (rows <= _capacity)");
        writer.Line("return;");
        writer.Close();
        writer.Line();
        foreach (BufferPlan buffer in plan.CpuTrainingBuffers)
        {
            writer.Line($"{CpuLayout.FieldOf(buffer)} = new float[rows * {Int(buffer.Width)}];");
        }

        writer.Line("_capacity = rows;");
        writer.Close();
        writer.Line();
    }

    /// <summary>GetWeights/SetWeights in Keras's order and layout, and SaveWeights/LoadWeights.</summary>
    private static void WriteWeightsApi(SourceWriter writer, ModelPlan plan)
    {
        string names = string.Join(", ", plan.Tensors.Select(t => SourceWriter.Literal(t.KerasName)));
        string lengths = string.Join(", ", plan.Tensors.Select(t => Int(t.Length)));
        writer.Line("// The tensors of GetWeights, SaveWeights and the weights file's layout, in Keras's order.");
        writer.Line($"private static readonly string[] s_tensorNames = {{ {names} }};");
        writer.Line($"private static readonly int[] s_tensorLengths = {{ {lengths} }};");
        writer.Line();

        writer.Line("/// <summary>Copies of the weights in Keras's <c>get_weights()</c> order and layout: per layer, a dense kernel <c>[in, out]</c>");
        if (plan.Layers.Any(l => l.Spec is Conv2DSpec))
        {
            writer.Line("/// or a conv2d kernel <c>[kh, kw, in, out]</c>, row-major,");
        }

        writer.Line("/// then its bias; batch_normalization's gamma, beta, moving_mean, moving_variance (absent ones skipped).</summary>");
        writer.Line(Generated);
        writer.Open("public float[][] GetWeights()");
        writer.Line("using global::ModelGen.CompilerServices.ModelGuard.ReadScope read = _guard.Read();");
        writer.Line("return new float[][]");
        writer.Line("{");
        foreach (TensorPlan tensor in plan.Tensors)
        {
            writer.Line($"    {tensor.Member}.ToArray(),");
        }

        writer.Line("};");
        writer.Close();
        writer.Line();

        writer.Line("/// <summary>Sets every weight from arrays in Keras's <c>get_weights()</c> order and layout (see <see cref=\"GetWeights\"/>).");
        writer.Line("/// Every length is checked first: on an <see cref=\"global::System.ArgumentException\"/> no weight has changed. A training");
        writer.Line("/// call: <see cref=\"Predict\"/> on other threads sees the old weights or the new ones, never a mix.</summary>");
        writer.Line("/// <param name=\"weights\">One array per tensor.</param>");
        writer.Line("/// <exception cref=\"global::System.InvalidOperationException\">Another thread is training this instance; nothing changed.</exception>");
        writer.Line(Generated);
        writer.Line("public void SetWeights(float[][] weights) => ReplaceWeights(weights, \"SetWeights\");");
        writer.Line();
        writer.Line("/// <summary>SetWeights and LoadWeights: checks, then copies every tensor in one write section.</summary>");
        writer.Open("private void ReplaceWeights(float[][] weights, string operation)");
        writer.Line("global::ModelGen.CompilerServices.ModelInputs.CheckWeights(weights, s_tensorNames, s_tensorLengths);");
        writer.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(operation);");
        writer.Line("using global::ModelGen.CompilerServices.ModelGuard.WriteScope write = _guard.Write();");
        for (int i = 0; i < plan.Tensors.Count; i++)
        {
            writer.Line($"weights[{Int(i)}].CopyTo({plan.Tensors[i].Member});");
        }

        writer.Line("OnWeightsChanged();");
        writer.Close();
        writer.Line();

        writer.Line("/// <summary>Writes the weights to a file: a header naming this model, its tensors' layout, the values and a checksum.</summary>");
        writer.Line("/// <param name=\"path\">The file to create or overwrite.</param>");
        writer.Line(Generated);
        writer.Line($"public void SaveWeights(string path) => global::ModelGen.CompilerServices.WeightsFile.Write(path, {SourceWriter.Literal(plan.Type.FullName)}, s_tensorNames, GetWeights());");
        writer.Line();
        writer.Line("/// <summary>Writes the weights to a stream (see <see cref=\"SaveWeights(string)\"/>).</summary>");
        writer.Line("/// <param name=\"stream\">The stream to write to.</param>");
        writer.Line(Generated);
        writer.Line($"public void SaveWeights(global::System.IO.Stream stream) => global::ModelGen.CompilerServices.WeightsFile.Write(stream, {SourceWriter.Literal(plan.Type.FullName)}, s_tensorNames, GetWeights());");
        writer.Line();
        writer.Line("/// <summary>Reads weights written by <see cref=\"SaveWeights(string)\"/>. The whole file is checked (header, model, layout,");
        writer.Line("/// lengths, checksum) before any weight changes: a file for another model or a damaged one changes nothing.</summary>");
        writer.Line("/// <param name=\"path\">The file to read.</param>");
        writer.Line("/// <exception cref=\"global::System.IO.InvalidDataException\">The file is not a weights file of this model, or is damaged.</exception>");
        writer.Line(Generated);
        writer.Line($"public void LoadWeights(string path) => ReplaceWeights(global::ModelGen.CompilerServices.WeightsFile.Read(path, {SourceWriter.Literal(plan.Type.FullName)}, s_tensorNames, s_tensorLengths), \"LoadWeights\");");
        writer.Line();
        writer.Line("/// <summary>Reads weights from a stream (see <see cref=\"LoadWeights(string)\"/>).</summary>");
        writer.Line("/// <param name=\"stream\">The stream to read.</param>");
        writer.Line(Generated);
        writer.Line($"public void LoadWeights(global::System.IO.Stream stream) => ReplaceWeights(global::ModelGen.CompilerServices.WeightsFile.Read(stream, {SourceWriter.Literal(plan.Type.FullName)}, s_tensorNames, s_tensorLengths), \"LoadWeights\");");
        writer.Line();
    }
}
