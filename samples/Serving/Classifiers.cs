using System;
using System.IO;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Samples.Digits;

namespace Samples.Serving;

/// <summary>One digits classifier behind the endpoint: 8x8x1 images in, 10 class probabilities out.
/// <see cref="Predict"/> is called from many request threads at once on one instance.</summary>
internal interface IDigitsClassifier : IDisposable
{
    /// <summary>The backend's name in output: <c>modelgen</c> or <c>onnx</c>.</summary>
    string Name { get; }

    /// <summary>Classifies <c>x.Length / 64</c> images.</summary>
    /// <param name="x">The images, <c>[batch, 64]</c> row-major (each an 8x8x1 image, pixels scaled to [0, 1]).</param>
    /// <param name="y">Receives the probabilities, <c>[batch, 10]</c>.</param>
    void Predict(ReadOnlySpan<float> x, Span<float> y);
}

/// <summary>The generated class itself: one <see cref="BatchNormReluCnn"/> shared by every request, with no lock (SPEC
/// §3: <c>Predict</c> may be called from many threads at once on one instance).</summary>
internal sealed class ModelGenBackend(BatchNormReluCnn model) : IDigitsClassifier
{
    public string Name => "modelgen";

    public void Predict(ReadOnlySpan<float> x, Span<float> y) => model.Predict(x, y);

    public void Dispose()
    {
    }
}

/// <summary>ONNX Runtime's <see cref="InferenceSession"/> (CPU execution provider) on the model's own <c>ExportOnnx</c>
/// output: input <c>x</c> <c>[batch, 64]</c>, output <c>y</c> <c>[batch, 10]</c>. One session shared by every request;
/// <see cref="InferenceSession"/>'s Run is documented as safe to call concurrently. Each call wraps the caller's spans
/// as ONNX Runtime tensors (pinned, no copy) and runs with its outputs bound to <c>y</c>.</summary>
internal sealed class OnnxBackend : IDigitsClassifier
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly RunOptions _runOptions = new(); // read only by Run (the C API takes it as const), so shared

    /// <param name="model">The model whose export (its current weights) the session runs.</param>
    public OnnxBackend(BatchNormReluCnn model)
    {
        using var onnx = new MemoryStream();
        model.ExportOnnx(onnx);
        // One thread per Run, as ModelGen's Predict of one request is: the server's parallelism is its concurrent
        // requests, not threads inside one. ORT_ENABLE_ALL is ONNX Runtime's default graph optimization.
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(onnx.ToArray(), options);
        _inputNames = [_session.InputNames[0]];
        _outputNames = [_session.OutputNames[0]];
    }

    public string Name => "onnx";

    public unsafe void Predict(ReadOnlySpan<float> x, Span<float> y)
    {
        int rows = x.Length / BatchNormReluCnn.InputSize;
        if (rows * BatchNormReluCnn.InputSize != x.Length || y.Length != rows * BatchNormReluCnn.OutputSize)
        {
            throw new ArgumentException($"x needs a whole number of {BatchNormReluCnn.InputSize}-value images and y {BatchNormReluCnn.OutputSize} values per image.");
        }

        fixed (float* input = x)
        fixed (float* output = y)
        {
            using OrtValue xValue = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [rows, BatchNormReluCnn.InputSize], (IntPtr)input, (long)x.Length * sizeof(float));
            using OrtValue yValue = OrtValue.CreateTensorValueWithData(
                OrtMemoryInfo.DefaultInstance, TensorElementType.Float, [rows, BatchNormReluCnn.OutputSize], (IntPtr)output, (long)y.Length * sizeof(float));
            _session.Run(_runOptions, _inputNames, [xValue], _outputNames, [yValue]);
        }
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
