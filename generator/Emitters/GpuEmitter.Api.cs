using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;
using static ModelGen.Generator.Emitters.WeightsLayers;

namespace ModelGen.Generator.Emitters;

// M.Gpu's public surface beside training: Predict on host spans and device views, and the rest of IModel /
// ITrainableModel (weights files and ONNX export through the host model).
internal sealed partial class GpuEmitter
{
    /// <summary>The rest of <c>IModel</c> / <c>ITrainableModel</c>: weights files and ONNX export through the model, the sizes.</summary>
    private void WriteModelInterface(SourceWriter w)
    {
        w.Line("/// <summary>Writes the device's weights to a file (copied into <see cref=\"Model\"/> first, see <see cref=\"SyncToHost\"/>).</summary>");
        w.Line("/// <param name=\"path\">The file to create or overwrite.</param>");
        w.Line(Generated);
        w.Open("public void SaveWeights(string path)");
        w.Line("SyncToHost();");
        w.Line("_model.SaveWeights(path);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Writes the device's weights to a stream (copied into <see cref=\"Model\"/> first).</summary>");
        w.Line("/// <param name=\"stream\">The stream to write to.</param>");
        w.Line(Generated);
        w.Open("public void SaveWeights(global::System.IO.Stream stream)");
        w.Line("SyncToHost();");
        w.Line("_model.SaveWeights(stream);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Reads weights into <see cref=\"Model\"/> (see its <c>LoadWeights</c>) and copies them to the device.</summary>");
        w.Line("/// <param name=\"path\">The file to read.</param>");
        w.Line(Generated);
        w.Open("public void LoadWeights(string path)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"LoadWeights\");");
        w.Line("_model.LoadWeights(path);");
        w.Line("SyncToDevice();");
        w.Close();
        w.Line();
        w.Line("/// <summary>Reads weights from a stream into <see cref=\"Model\"/> and copies them to the device.</summary>");
        w.Line("/// <param name=\"stream\">The stream to read.</param>");
        w.Line(Generated);
        w.Open("public void LoadWeights(global::System.IO.Stream stream)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"LoadWeights\");");
        w.Line("_model.LoadWeights(stream);");
        w.Line("SyncToDevice();");
        w.Close();
        w.Line();
        w.Line("/// <summary>Exports the device's weights as an ONNX model (copied into <see cref=\"Model\"/> first, see its <c>ExportOnnx</c>).</summary>");
        w.Line("/// <param name=\"path\">The <c>.onnx</c> file to create or overwrite.</param>");
        w.Line(Generated);
        w.Open("public void ExportOnnx(string path)");
        w.Line("SyncToHost();");
        w.Line("_model.ExportOnnx(path);");
        w.Close();
        w.Line();
        w.Line("/// <summary>Exports the device's weights as an ONNX model to a stream (copied into <see cref=\"Model\"/> first).</summary>");
        w.Line("/// <param name=\"stream\">The stream to write to.</param>");
        w.Line(Generated);
        w.Open("public void ExportOnnx(global::System.IO.Stream stream)");
        w.Line("SyncToHost();");
        w.Line("_model.ExportOnnx(stream);");
        w.Close();
        w.Line();
        w.Line("int global::ModelGen.IModel.InputSize => InputSize;");
        w.Line();
        w.Line("int global::ModelGen.IModel.OutputSize => OutputSize;");
        w.Line();
        w.Line("string global::ModelGen.IModel.Summary => Summary;");
        w.Line();
        w.Line("global::System.Collections.Generic.IReadOnlyList<global::ModelGen.LayerInfo> global::ModelGen.IModel.Layers => Layers;");
        w.Line();
        if (Compiled)
        {
            w.Line("int global::ModelGen.ITrainableModel.LabelSize => LabelSize;");
            w.Line();
            w.Line($"bool global::ModelGen.ITrainableModel.HasAccuracy => {SourceWriter.Literal(HasAccuracy(_plan.Compile!))};");
            w.Line();
            w.Open("float global::ModelGen.CompilerServices.ITrainingStep.TrainStep(global::System.ReadOnlySpan<float> x, global::System.ReadOnlySpan<float> y, out int correct)");
            w.Line("ThrowIfDisposed();");
            w.Line("using global::ModelGen.CompilerServices.ModelGuard.TrainingScope training = _guard.Train(\"TrainOnBatch\");");
            w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
            w.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(x.Length, InputSize, nameof(x));");
            w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(y.Length, rows, LabelSize, nameof(y), \"LabelSize\");");
            WriteLabelCheck(w, _plan.Compile!, "y");
            w.Line("EnsureCapacity(rows);");
            w.Line("Upload(x, _input.View);");
            w.Line("Upload(y, _labels.View);");
            w.Line("return TrainStep(_input.View, _labels.View, rows, out correct);");
            w.Close();
            w.Line();
        }
    }

    private void WriteInferenceApi(SourceWriter w)
    {
        w.Line($"/// <summary>Runs the model in inference mode on the device (as <see cref=\"{ClassName}.Predict\"/>): <c>x</c>, <c>[batch, {Int(_plan.InputSize)}]</c>");
        w.Line($"/// row-major, is copied to the device and <c>y</c>, <c>[batch, {Int(_plan.OutputSize)}]</c>, back.</summary>");
        w.Line("/// <param name=\"x\">The inputs: a whole number of samples of <c>InputSize</c> values.</param>");
        w.Line("/// <param name=\"y\">Receives the outputs: <c>OutputSize</c> values per sample.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A span's length does not fit; the message gives the expected length.</exception>");
        w.Line(Generated);
        w.Open("public void Predict(global::System.ReadOnlySpan<float> x, global::System.Span<float> y)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(x.Length, InputSize, nameof(x));");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(y.Length, rows, OutputSize, nameof(y), \"OutputSize\");");
        w.Line($"int chunk = global::System.Math.Min(rows, global::System.Math.Max(_capacity, {Int(PredictChunk)}));");
        w.Line("EnsureCapacity(chunk);");
        w.Open("for (int start = 0; start < rows; start += chunk)");
        w.Line("int count = global::System.Math.Min(chunk, rows - start);");
        w.Line("Upload(x.Slice(start * InputSize, count * InputSize), _input.View);");
        w.Line("ForwardInference(_input.View, _output.View, count);");
        w.Line("Download(_output.View, y.Slice(start * OutputSize, count * OutputSize));");
        w.Close();
        w.Close();
        w.Line();

        w.Line("/// <summary>Runs the model in inference mode on data already on the device; the kernels are queued on the accelerator's");
        w.Line("/// default stream (copying <paramref name=\"y\"/> to the host waits for them).</summary>");
        w.Line($"/// <param name=\"x\">The inputs on this accelerator, <c>[batch, {Int(_plan.InputSize)}]</c> row-major.</param>");
        w.Line($"/// <param name=\"y\">Receives the outputs on this accelerator, <c>[batch, {Int(_plan.OutputSize)}]</c>.</param>");
        w.Line("/// <exception cref=\"global::System.ArgumentException\">A view's length does not fit; the message gives the expected length.</exception>");
        w.Line(Generated);
        w.Open($"public void Predict({V} x, {V} y)");
        w.Line("ThrowIfDisposed();");
        w.Line("using global::ModelGen.CompilerServices.ModelGuard.ExclusiveScope device = _guard.Exclusive();");
        w.Line("int rows = global::ModelGen.CompilerServices.ModelInputs.Samples(Length(x, nameof(x)), InputSize, nameof(x));");
        w.Line("global::ModelGen.CompilerServices.ModelInputs.CheckLength(Length(y, nameof(y)), rows, OutputSize, nameof(y), \"OutputSize\");");
        w.Line($"int chunk = global::System.Math.Min(rows, global::System.Math.Max(_capacity, {Int(PredictChunk)}));");
        w.Line("EnsureCapacity(chunk);");
        w.Open("for (int start = 0; start < rows; start += chunk)");
        w.Line("int count = global::System.Math.Min(chunk, rows - start);");
        w.Line("ForwardInference(x.SubView((long)start * InputSize, (long)count * InputSize), y.SubView((long)start * OutputSize, (long)count * OutputSize), count);");
        w.Close();
        w.Close();
        w.Line();
    }

    /// <summary>Samples per <c>Predict</c> chunk at least (larger batches than any training one run in chunks of this).</summary>
    private const int PredictChunk = 1024;
}
