using System;
using System.Linq;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ModelGen.Benchmarks.Models;

namespace ModelGen.Benchmarks;

/// <summary>
/// The generated <c>M.Gpu</c> (the project references ILGPU), called as a user calls it: <c>TrainOnBatch(x, y)</c> and
/// <c>Predict(x, y)</c> on host spans, so each call copies the batch to the device and the loss or outputs back. Runs only
/// on a CUDA or OpenCL device: ILGPU's CPU accelerator simulates a GPU's groups with threads and measures nothing useful,
/// so without such a device the rows are left out and the report says "M.Gpu: not measured: ...". The context, the
/// accelerator and the Gpu (whose kernels compile on their first call, in <see cref="Bind"/>) are made in GlobalSetup and
/// disposed in GlobalCleanup.
/// </summary>
public sealed class GpuNet : INet
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly ITrainableModel _gpu;
    private float[] _x = [];
    private float[] _labels = [];

    public GpuNet(string model, int seed)
    {
        _context = CreateContext();
        try
        {
            Device device = BestDevice(_context) ?? throw new InvalidOperationException(NoDevice);
            _accelerator = device.CreateAccelerator(_context);
            _gpu = model switch
            {
                "M1" => new M1.Gpu(new M1(seed), _accelerator),
                "M2" => new M2.Gpu(new M2(seed), _accelerator),
                "M3" => new M3.Gpu(new M3(seed), _accelerator),
                "M4" => new M4.Gpu(new M4(seed), _accelerator),
                "M5" => new M5.Gpu(new M5(seed), _accelerator),
                "M6" => new M6.Gpu(new M6(seed), _accelerator),
                _ => throw new ArgumentException($"{model} is not a benchmark model", nameof(model)),
            };
        }
        catch
        {
            _accelerator?.Dispose();
            _context.Dispose();
            throw;
        }
    }

    public const string NoDevice = "not measured: no CUDA or OpenCL device";

    private static readonly Lazy<(string? Failure, string Device)> s_probe = new(Probe);

    /// <summary>Null when a CUDA or OpenCL device is present; otherwise why the M.Gpu rows do not run.</summary>
    public static string? Failure => s_probe.Value.Failure;

    /// <summary>The device the rows run on ("name (type)"), or an empty string.</summary>
    public static string DeviceName => s_probe.Value.Device;

    /// <summary>Whether the model has a Gpu class: every benchmark model (M5, the CNN, since conv2d and max_pooling2d got GPU
    /// kernels; M6, the LSTM, since lstm did).</summary>
    public static bool HasGpuClass(string model) => model is "M1" or "M2" or "M3" or "M4" or "M5" or "M6";

    public float[] Output { get; private set; } = [];

    public void Bind(float[] x, float[] labels, int batch, bool training)
    {
        _x = x;
        _labels = labels;
        Output = new float[batch * _gpu.OutputSize];
        // Compile the kernels and allocate the per-sample buffers outside the timing. Training: one step on the batch
        // (BenchmarkDotNet's warm-up takes many more); inference: one Predict.
        if (training)
        {
            _gpu.TrainOnBatch(_x, _labels);
        }
        else
        {
            _gpu.Predict(_x, Output);
        }

        _accelerator.Synchronize();
    }

    public float TrainStep() => _gpu.TrainOnBatch(_x, _labels);

    public void Predict() => _gpu.Predict(_x, Output);

    public void Dispose()
    {
        (_gpu as IDisposable)?.Dispose();
        _accelerator.Dispose();
        _context.Dispose();
    }

    private static Context CreateContext() => Context.Create(builder => builder.Default().EnableAlgorithms());

    /// <summary>A CUDA device, then an OpenCL one; never ILGPU's CPU accelerator.</summary>
    private static Device? BestDevice(Context context) =>
        context.Devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.Cuda)
        ?? context.Devices.FirstOrDefault(d => d.AcceleratorType == AcceleratorType.OpenCL);

    private static (string?, string) Probe()
    {
        try
        {
            using Context context = CreateContext();
            return BestDevice(context) is { } device ? (null, $"{device.Name} ({device.AcceleratorType})") : (NoDevice, "");
        }
        catch (Exception e)
        {
            return ($"{NoDevice} (ILGPU: {e.GetType().Name}: {e.Message})", "");
        }
    }
}
