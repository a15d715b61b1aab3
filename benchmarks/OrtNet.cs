using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML.OnnxRuntime;

namespace ModelGen.Benchmarks;

/// <summary>
/// ONNX Runtime (CPU execution provider, inference only) on the generated class's own ONNX export,
/// <c>model.ExportOnnx(path)</c>: input "x" [N, InputSize], output "y" [N, OutputSize]. Runs through an IoBinding over
/// the bound arrays, so that a run copies nothing on the .NET side. The export is looked up by reflection, so that this
/// project builds against generated classes with or without ExportOnnx; without it the ONNX Runtime rows say so.
/// </summary>
public sealed class OrtNet : INet
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly string _path;
    private readonly bool _ownsFile;
    private readonly int _inputSize;
    private readonly int _outputSize;
    private OrtValue? _x;
    private OrtValue? _y;
    private OrtIoBinding? _binding;

    /// <param name="model">The generated model, whose weights the export carries.</param>
    /// <param name="threads">SessionOptions.IntraOpNumThreads: 1, or the machine's cores.</param>
    public OrtNet(ITrainableModel model, int threads)
        : this(Export(model), model.InputSize, model.OutputSize, threads, ownsFile: true)
    {
    }

    /// <param name="path">An ONNX file: input [N, inputSize] ("x" where there is one), output [N, outputSize] ("y").</param>
    /// <param name="inputSize">Values per input sample.</param>
    /// <param name="outputSize">Values per output sample.</param>
    /// <param name="threads">SessionOptions.IntraOpNumThreads: 1, or the machine's cores.</param>
    /// <param name="ownsFile">Whether to delete the file on Dispose.</param>
    public OrtNet(string path, int inputSize, int outputSize, int threads, bool ownsFile = false)
    {
        _path = path;
        _ownsFile = ownsFile;
        _inputSize = inputSize;
        _outputSize = outputSize;
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(path, options);
        options.Dispose();
        InputName = _session.InputNames.Contains("x") ? "x" : _session.InputNames[0];
        OutputName = _session.OutputNames.Contains("y") ? "y" : _session.OutputNames[0];
    }

    /// <summary>Writes the model's ONNX export to a new temporary file and returns its path.</summary>
    private static string Export(ITrainableModel model)
    {
        MethodInfo export = ExportMethod(model.GetType()) ?? throw new InvalidOperationException(Unavailable(model.GetType()));
        string path = Path.Combine(Path.GetTempPath(), $"modelgen-benchmark-{model.GetType().Name}-{Environment.ProcessId}-{Guid.NewGuid():N}.onnx");
        export.Invoke(model, [path]);
        return path;
    }

    public string InputName { get; }

    public string OutputName { get; }

    public float[] Output { get; private set; } = [];

    /// <summary>The generated class's <c>ExportOnnx(string)</c>, or null while it has none.</summary>
    public static MethodInfo? ExportMethod(Type modelType) =>
        modelType.GetMethod("ExportOnnx", BindingFlags.Public | BindingFlags.Instance, [typeof(string)]);

    /// <summary>Null when ONNX Runtime rows can run for the model type; otherwise why not.</summary>
    public static string? Unavailable(Type modelType) =>
        ExportMethod(modelType) is null ? $"not run: {modelType.Name} has no ExportOnnx(string) yet" : null;

    public void Bind(float[] x, float[] labels, int batch, bool training)
    {
        if (training)
        {
            throw new NotSupportedException("ONNX Runtime rows are inference only");
        }

        DisposeBinding();
        Output = new float[batch * _outputSize];
        _x = OrtValue.CreateTensorValueFromMemory(x, [batch, _inputSize]);
        _y = OrtValue.CreateTensorValueFromMemory(Output, [batch, _outputSize]);
        _binding = _session.CreateIoBinding();
        _binding.BindInput(InputName, _x);
        _binding.BindOutput(OutputName, _y);
    }

    public float TrainStep() => throw new NotSupportedException("ONNX Runtime rows are inference only");

    public void Predict() => _session.RunWithBinding(_runOptions, _binding!);

    private void DisposeBinding()
    {
        _binding?.Dispose();
        _x?.Dispose();
        _y?.Dispose();
        _binding = null;
    }

    public void Dispose()
    {
        DisposeBinding();
        _session.Dispose();
        _runOptions.Dispose();
        if (!_ownsFile)
        {
            return;
        }

        try
        {
            File.Delete(_path);
        }
        catch (IOException)
        {
        }
    }
}
