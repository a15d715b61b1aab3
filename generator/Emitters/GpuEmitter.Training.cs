using System.Linq;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;

namespace ModelGen.Generator.Emitters;

// TrainOnBatch, Evaluate and Fit on host spans and on device views, the loss launch and the optimizer step.

internal sealed partial class GpuEmitter
{
    private void WriteTrainingApi(SourceWriter w)
    {
        CompileSpec compile = _plan.Compile!;
        bool accuracy = HasAccuracy(compile);
        string labels = compile.Loss switch
        {
            LossKind.BinaryCrossentropy => "<c>[batch, 1]</c> of 0 or 1",
            LossKind.SparseCategoricalCrossentropy => $"<c>[batch]</c> class indices in [0, {Int(_plan.OutputSize)})",
            LossKind.CategoricalCrossentropy => $"<c>[batch, {Int(_plan.OutputSize)}]</c> one-hot",
            _ => $"<c>[batch, {Int(_plan.OutputSize)}]</c> targets",
        };

        // TrainOnBatch.
        w.Line($"/// <summary>One optimizer step on the device in training mode, as <see cref=\"{ClassName}.TrainOnBatch\"/>; returns the batch");
        w.Line("/// loss computed before the step. A loss that is not finite is returned without the step.</summary>");
        w.Line("/// <param name=\"x\">The inputs, <c>[batch, InputSize]</c> row-major.</param>");
        w.Line($"/// <param name=\"y\">The labels, {labels}.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit, a label is out of range, or a batch of one sample meets BatchNormalization.</exception>");
        w.Line(Generated);
        w.Open("public float TrainOnBatch(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"TrainOnBatch\");");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(x.Length, InputSize, nameof(x));");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(y.Length, rows, LabelSize, nameof(y), \"LabelSize\");");
        WriteLabelCheck(w, compile, "y");
        w.Line("EnsureCapacity(rows);");
        w.Line("Upload(x, _input.View);");
        w.Line("Upload(y, _labels.View);");
        w.Line("return TrainStep(_input.View, _labels.View, rows, out _);");
        w.Close();
        w.Line();

        w.Line("/// <summary>One optimizer step on a batch already on the device (see <see cref=\"TrainOnBatch(global::System.ReadOnlySpan{float}, global::System.ReadOnlySpan{float})\"/>).");
        w.Line("/// Labels on the device are not checked: an out-of-range class index counts as no class.</summary>");
        w.Line("/// <param name=\"x\">The inputs on this accelerator, <c>[batch, InputSize]</c> row-major.</param>");
        w.Line($"/// <param name=\"y\">The labels on this accelerator, {labels}.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit, or a batch of one sample meets BatchNormalization.</exception>");
        w.Line(Generated);
        w.Open($"public float TrainOnBatch({V} x, {V} y)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"TrainOnBatch\");");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(Length(x, nameof(x)), InputSize, nameof(x));");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(Length(y, nameof(y)), rows, LabelSize, nameof(y), \"LabelSize\");");
        w.Line("return TrainStep(x, y, rows, out _);");
        w.Close();
        w.Line();

        w.Line("/// <summary>Forward, loss, backward and optimizer for one batch; waits for the loss (and the correct count).</summary>");
        w.Open($"private float TrainStep({V} x, {V} y, int rows, out int correct)");
        if (_plan.HasBatchNormalization)
        {
            w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckBatchNormalizationBatch(rows);");
        }

        w.Line("EnsureCapacity(rows);");
        if (_plan.HasBatchNormalization)
        {
            w.Line("global::ILGPU.Runtime.ArrayViewExtensions.CopyTo(_state.View, _stateBeforeStep.View);");
        }

        w.Line();
        w.Line("ForwardTraining(x, rows);");
        w.Line("LossAndOutputGradient(y, rows, slot: 0, withGradient: true);");
        w.Line("Download(_results.View, _hostResults.AsSpan(0, 2));");
        w.Line("float loss = _hostResults[0];");
        w.Line(accuracy ? "correct = (int)_hostResults[1];" : "correct = 0;");
        w.Open("if (!float.IsFinite(loss))");
        if (_plan.HasBatchNormalization)
        {
            w.Line("global::ILGPU.Runtime.ArrayViewExtensions.CopyTo(_stateBeforeStep.View, _state.View);");
        }

        w.Line("return loss;");
        w.Close();
        w.Line();
        w.Line("Backward(x, rows);");
        w.Line("ApplyGradients();");
        w.Line("return loss;");
        w.Close();
        w.Line();

        // Evaluate.
        w.Line($"/// <summary>The loss and accuracy in inference mode, as <see cref=\"{ClassName}.Evaluate\"/>; the host spans are copied to the device.</summary>");
        w.Line("/// <param name=\"x\">The inputs, <c>[samples, InputSize]</c> row-major.</param>");
        w.Line("/// <param name=\"y\">The labels, as for <see cref=\"TrainOnBatch(global::System.ReadOnlySpan{float}, global::System.ReadOnlySpan{float})\"/>.</param>");
        w.Line("/// <param name=\"batchSize\">Samples per inference batch.</param>");
        w.Line(Generated);
        w.Open("public global::ModelGen.EvaluationResult Evaluate(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y, int batchSize = 32)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(x.Length, InputSize, nameof(x));");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(y.Length, rows, LabelSize, nameof(y), \"LabelSize\");");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckBatchSize(batchSize, nameof(batchSize));");
        WriteLabelCheck(w, compile, "y");
        w.Line("// Its own staging buffers: a Fit on another thread may be using the training data's.");
        w.Line("return Evaluate(Stage(ref _evaluationX, x, \"the evaluation inputs\"), Stage(ref _evaluationY, y, \"the evaluation labels\"), batchSize);");
        w.Close();
        w.Line();

        w.Line("/// <summary>The loss (mean over all samples) and accuracy in inference mode of data already on the device: one loss");
        w.Line("/// per chunk of <paramref name=\"batchSize\"/> samples, reduced on the device, read back once.</summary>");
        w.Line("/// <param name=\"x\">The inputs on this accelerator.</param>");
        w.Line("/// <param name=\"y\">The labels on this accelerator.</param>");
        w.Line("/// <param name=\"batchSize\">Samples per inference batch.</param>");
        w.Line(Generated);
        w.Open($"public global::ModelGen.EvaluationResult Evaluate({V} x, {V} y, int batchSize = 32)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(Length(x, nameof(x)), InputSize, nameof(x));");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(Length(y, nameof(y)), rows, LabelSize, nameof(y), \"LabelSize\");");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckBatchSize(batchSize, nameof(batchSize));");
        w.Line("int chunk = global::System.Math.Min(rows, batchSize);");
        w.Line("int chunks = (rows + chunk - 1) / chunk;");
        w.Line("EnsureCapacity(chunk);");
        w.Open("if (_results.Length < 2L * chunks)");
        w.Line("var larger = Allocate(2L * chunks, \"the evaluation's losses\");");
        w.Line("_results.Dispose();");
        w.Line("_results = larger;");
        w.Line("_hostResults = new float[2 * chunks];");
        w.Close();
        w.Line();
        w.Open("for (int c = 0; c < chunks; c++)");
        w.Line("int start = c * chunk, count = global::System.Math.Min(chunk, rows - start);");
        w.Line("ForwardInference(x.SubView((long)start * InputSize, (long)count * InputSize), _output.View, count);");
        w.Line("LossAndOutputGradient(y.SubView((long)start * LabelSize, (long)count * LabelSize), count, slot: c, withGradient: false, _output.View);");
        w.Close();
        w.Line();
        w.Line("Download(_results.View, _hostResults.AsSpan(0, 2 * chunks));");
        w.Line("double lossSum = 0;");
        w.Line("long correct = 0;");
        w.Open("for (int c = 0; c < chunks; c++)");
        w.Line("lossSum += (double)_hostResults[2 * c] * global::System.Math.Min(chunk, rows - c * chunk);");
        w.Line("correct += (long)_hostResults[2 * c + 1];");
        w.Close();
        w.Line();
        w.Line(accuracy
            ? "return new global::ModelGen.EvaluationResult(lossSum / rows, (double)correct / rows);"
            : "return new global::ModelGen.EvaluationResult(lossSum / rows, double.NaN);");
        w.Close();
        w.Line();

        WriteFit(w, compile, labels, accuracy);
    }

    private static void WriteLabelCheck(SourceWriter w, CompileSpec compile, string labels)
    {
        switch (compile.Loss)
        {
            case LossKind.BinaryCrossentropy:
                w.Line($"global::ModelGen.CompilerServices.Labels.ValidateBinary({labels});");
                break;
            case LossKind.SparseCategoricalCrossentropy:
                w.Line($"global::ModelGen.CompilerServices.Labels.ValidateSparse({labels}, OutputSize);");
                break;
            case LossKind.CategoricalCrossentropy:
                w.Line($"global::ModelGen.CompilerServices.Labels.ValidateCategorical({labels}, OutputSize);");
                break;
        }
    }

    private void WriteFit(SourceWriter w, CompileSpec compile, string labels, bool accuracy)
    {
        w.Line($"/// <summary>Trains on the device as <see cref=\"{ClassName}.Fit\"/> does (the same shuffling for a seed, validation, callbacks,");
        w.Line("/// progress bar): the host spans are copied to the device once, then every epoch runs there.</summary>");
        w.Line("/// <param name=\"x\">The inputs, <c>[samples, InputSize]</c> row-major.</param>");
        w.Line($"/// <param name=\"y\">The labels, {labels}.</param>");
        w.Line("/// <param name=\"options\">Epochs, batch size, validation, callbacks (Keras's defaults when null).</param>");
        w.Line("/// <returns>The loss and metrics of every epoch.</returns>");
        w.Line("/// <exception cref=\"global::ModelGen.TrainingStoppedException\">The loss stopped being finite; the weights are those before that batch.</exception>");
        w.Line(Generated);
        w.Open("public global::ModelGen.History Fit(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y, global::ModelGen.FitOptions? options = null)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"Fit\");");
        w.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(x.Length, InputSize, nameof(x));");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(y.Length, rows, LabelSize, nameof(y), \"LabelSize\");");
        WriteLabelCheck(w, compile, "y");
        w.Open("using (_guard.Exclusive())");
        w.Line("StageFitData(x, y);");
        w.Close();
        w.Line();
        w.Line("return Fit(_fitX.View.SubView(0, x.Length), _fitY.View.SubView(0, y.Length), options);");
        w.Close();
        w.Line();

        w.Line("/// <summary>Trains on data already on the device: shuffled batches are gathered there, so nothing but the order of");
        w.Line("/// the rows and each batch's loss crosses to or from the host.</summary>");
        w.Line("/// <param name=\"x\">The inputs on this accelerator, <c>[samples, InputSize]</c> row-major.</param>");
        w.Line($"/// <param name=\"y\">The labels on this accelerator, {labels} (not checked).</param>");
        w.Line("/// <param name=\"options\">Epochs, batch size, validation, callbacks (Keras's defaults when null).</param>");
        w.Line("/// <returns>The loss and metrics of every epoch.</returns>");
        w.Line("/// <exception cref=\"global::ModelGen.TrainingStoppedException\">The loss stopped being finite; the weights are those before that batch.</exception>");
        w.Line(Generated);
        w.Open($"public global::ModelGen.History Fit({V} x, {V} y, global::ModelGen.FitOptions? options = null)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"Fit\");");
        w.Line("options ??= new global::ModelGen.FitOptions();");
        w.Line("options.Validate();");
        w.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(Length(x, nameof(x)), InputSize, nameof(x));");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(Length(y, nameof(y)), rows, LabelSize, nameof(y), \"LabelSize\");");
        w.Line();
        w.Line("// Validation data: given (copied to the device once), or the last ValidationSplit of the rows (Keras takes it before shuffling).");
        w.Line("int trainRows = options.TrainingRowCount(rows);");
        w.Line($"{V} validationX = default, validationY = default;");
        w.Open("if (options.ValidationData is (float[] givenX, float[] givenY))");
        w.Line("int validationRows = global::ModelGen.CompilerServices.ModelInputs.Samples(givenX.Length, InputSize, \"ValidationData.X\");");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(givenY.Length, validationRows, LabelSize, \"ValidationData.Y\", \"LabelSize\");");
        WriteLabelCheck(w, compile, "givenY");
        w.Line("validationX = Stage(ref _validationX, givenX, \"the validation inputs\");");
        w.Line("validationY = Stage(ref _validationY, givenY, \"the validation labels\");");
        w.Close();
        w.Line("else if (trainRows < rows)");
        w.Line("{");
        w.Line("    validationX = x.SubView((long)trainRows * InputSize);");
        w.Line("    validationY = y.SubView((long)trainRows * LabelSize);");
        w.Line("}");
        w.Line();
        w.Line("bool hasValidation = validationX.Length > 0;");
        w.Line("int batchSize = global::System.Math.Min(options.BatchSize, trainRows);");
        w.Line("// The device is taken per step (and for each upload), so that Predict and Evaluate on other threads run between steps.");
        w.Open("using (_guard.Exclusive())");
        w.Line("EnsureCapacity(batchSize);");
        w.Open("if (options.Shuffle && (_order is null || _order.Length < trainRows))");
        w.Line("var larger = Allocate<int>(trainRows, \"the order of the rows\");");
        w.Line("_order?.Dispose();");
        w.Line("_order = larger;");
        w.Close();
        w.Close();
        w.Line();
        w.Line("// The runtime's Fit loop (the CPU backend's: the same shuffled order for a seed, progress bar, callbacks, history)");
        w.Line("// over batches gathered on the device.");
        w.Line("var batches = new DeviceBatches(this, x, y, validationX, validationY, options.Shuffle);");
        w.Line("return global::ModelGen.CompilerServices.FitLoop.Run(this, ref batches, trainRows, hasValidation, options);");
        w.Close();
        w.Line();

        w.Line("/// <summary>Fit's batches on the device: each epoch's order of the rows is copied to the device, and each step's rows");
        w.Line("/// are gathered there by a kernel, so nothing but the order and each batch's loss crosses to or from the host.</summary>");
        w.Open("private readonly struct DeviceBatches : global::ModelGen.CompilerServices.IFitBatches");
        w.Line("private readonly Gpu _gpu;");
        w.Line($"private readonly {V} _x, _y, _validationX, _validationY;");
        w.Line("private readonly bool _shuffle;");
        w.Line();
        w.Open($"public DeviceBatches(Gpu gpu, {V} x, {V} y, {V} validationX, {V} validationY, bool shuffle)");
        w.Line("(_gpu, _x, _y, _validationX, _validationY, _shuffle) = (gpu, x, y, validationX, validationY, shuffle);");
        w.Close();
        w.Line();
        w.Open("public void BeginEpoch(global::System.ReadOnlySpan<int> order)");
        w.Open("if (_shuffle)");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _gpu._guard.Exclusive();");
        w.Line("global::ILGPU.ArrayView<int> orderView = _gpu._order!.View;");
        w.Line("global::ILGPU.Runtime.ArrayViewExtensions.CopyFromCPU(orderView.SubView(0, order.Length), order);");
        w.Close();
        w.Close();
        w.Line();
        w.Open("public float Step(int start, int count, global::System.ReadOnlySpan<int> rows, out int correct)");
        w.Line("// The device is taken per step, so that Predict and Evaluate on other threads run between steps.");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _gpu._guard.Exclusive();");
        w.Open("if (rows.IsEmpty)");
        w.Line("return _gpu.TrainStep(_x.SubView((long)start * InputSize, (long)count * InputSize), _y.SubView((long)start * LabelSize, (long)count * LabelSize), count, out correct);");
        w.Close();
        w.Line();
        w.Line("_gpu._kernels.GatherBatch(_gpu.Elements((long)count * global::System.Math.Max(InputSize, LabelSize)), _x, _y, _gpu._order!.View, _gpu._input.View, _gpu._labels.View, start, count);");
        w.Line("return _gpu.TrainStep(_gpu._input.View.SubView(0, (long)count * InputSize), _gpu._labels.View.SubView(0, (long)count * LabelSize), count, out correct);");
        w.Close();
        w.Line();
        w.Line("public global::ModelGen.EvaluationResult Validate(int batchSize) => _gpu.Evaluate(_validationX, _validationY, batchSize);");
        w.Close();
        w.Line();

        w.Line("/// <summary>Copies host inputs and labels into the staging buffers <c>_fitX</c> and <c>_fitY</c> (grown as needed).</summary>");
        w.Line("[global::System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_fitX), nameof(_fitY))]");
        w.Open("private void StageFitData(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y)");
        w.Line("Stage(ref _fitX, x, \"the inputs\");");
        w.Line("Stage(ref _fitY, y, \"the labels\");");
        w.Close();
        w.Line();
        w.Line("/// <summary>Copies host data into a device buffer, allocating it (or a larger one) first.</summary>");
        w.Open($"private {V} Stage([global::System.Diagnostics.CodeAnalysis.NotNull] ref global::ILGPU.Runtime.MemoryBuffer1D<float, global::ILGPU.Stride1D.Dense>? buffer, global::System.ReadOnlySpan<float> data, string what)");
        w.Open("if (buffer is null || buffer.Length < data.Length)");
        w.Line("var larger = Allocate(global::System.Math.Max(1, data.Length), what);");
        w.Line("buffer?.Dispose();");
        w.Line("buffer = larger;");
        w.Close();
        w.Line();
        w.Line("Upload(data, buffer.View);");
        w.Line("return buffer.View.SubView(0, data.Length);");
        w.Close();
        w.Line();
    }

    /// <summary>The method launching the loss kernel: on the training outputs with their gradient, or on given outputs.</summary>
    private void WriteLossLaunch(SourceWriter w)
    {
        CompileSpec compile = _plan.Compile!;
        string output = _layout.Output(_layout.Last, training: true);
        string gradient = FusedGradientTarget() ?? _layout.Delta(_layout.Last);
        string comment = !_plan.FusesLossGradient
            ? "dL/d(output) into the last layer's gradient"
            : compile.Loss == LossKind.BinaryCrossentropy
                ? "sigmoid + binary cross-entropy: dL/dz = (p - y) / count, straight into the sigmoid's input"
                : "softmax + cross-entropy: dL/dz, straight into the softmax's input";
        w.Line($"/// <summary>The batch loss and correct count into results slot <paramref name=\"slot\"/>; in training also the gradient ({comment}).</summary>");
        w.Open($"private void LossAndOutputGradient({V} y, int rows, int slot, bool withGradient, {V} output = default)");
        w.Open("if (output.Length == 0)");
        w.Line($"output = {output};");
        w.Close();
        w.Line();
        w.Line($"_kernels.Loss(SingleGroup(), output, y, {gradient}, _results.View, rows, slot, withGradient ? 1 : 0);");
        w.Close();
        w.Line();
    }

    private void WriteOptimizer(SourceWriter w)
    {
        CompileSpec compile = _plan.Compile!;
        string learningRate = compile.Decay == 0
            ? "_model._learningRate"
            : $"global::ModelGen.CompilerServices.Optimizers.DecayedLearningRate(_model._learningRate, decay: {F(compile.Decay)}, _iterations)";
        w.Line("/// <summary>The optimizer step on the device over every trainable value; the step's scalars come from the host.</summary>");
        w.Open("private void ApplyGradients()");
        string count = Int(_plan.TrainableLength);
        if (compile.Optimizer == OptimizerKind.Adam)
        {
            w.Line("long step = _iterations + 1;");
            w.Line($"float learningRate = {learningRate};");
            w.Line($"float alpha = (float)(learningRate * global::System.Math.Sqrt(1 - global::System.Math.Pow({F(compile.Beta2)}, step)) / (1 - global::System.Math.Pow({F(compile.Beta1)}, step)));");
            w.Line($"{OptimizerKernel(compile).Field}(Elements({count}), _parameters.View, _gradients.View, _adamM.View, _adamV.View, alpha);");
        }
        else if (compile.Momentum != 0)
        {
            w.Line($"{OptimizerKernel(compile).Field}(Elements({count}), _parameters.View, _gradients.View, _velocity.View, {learningRate});");
        }
        else
        {
            w.Line($"{OptimizerKernel(compile).Field}(Elements({count}), _parameters.View, _gradients.View, {learningRate});");
        }

        w.Line("_iterations++;");
        w.Close();
        w.Line();
    }
}
