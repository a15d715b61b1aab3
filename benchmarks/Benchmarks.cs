using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace ModelGen.Benchmarks;

/// <summary>The implementations compared. "AllCores" peers use every core (torch.set_num_threads, IntraOpNumThreads);
/// the others run on one thread (ModelGen and the plain loops are single-threaded by construction).</summary>
public enum Impl
{
    /// <summary>The generated class on one thread (<c>MaxDegreeOfParallelism = 1</c>).</summary>
    ModelGen,

    /// <summary>The generated class with every core (<c>MaxDegreeOfParallelism = Environment.ProcessorCount</c>, its default).</summary>
    ModelGenAllCores,
    PlainCSharp,
    TorchSharp,
    TorchSharpAllCores,
    OnnxRuntime,
    OnnxRuntimeAllCores,

    /// <summary>The generated <c>M.Gpu</c> on a CUDA or OpenCL device (GpuNet.cs); dense models only.</summary>
    ModelGenGpu,
}

/// <summary>Builds an implementation of a model with the generated model's initial weights (seed 1).</summary>
public static class Nets
{
    public const int Seed = 1;

    public static bool IsSingleThreaded(Impl impl) => impl is not (Impl.ModelGenAllCores or Impl.TorchSharpAllCores or Impl.OnnxRuntimeAllCores);

    /// <summary>Null when the implementation can run on this machine; otherwise why not (shown in the report).</summary>
    public static string? Unavailable(Impl impl, string model) => impl switch
    {
        Impl.TorchSharp or Impl.TorchSharpAllCores => TorchSharpLoader.Failure,
        Impl.OnnxRuntime or Impl.OnnxRuntimeAllCores => OrtNet.Unavailable(ModelSpecs.CreateGenerated(model, Seed).GetType()),
        Impl.PlainCSharp when ModelSpecs.Get(model).IsConvolutional => "not run: the plain loops have no conv2d",
        Impl.PlainCSharp when ModelSpecs.Get(model).IsRecurrent => "not run: the plain loops have no lstm",
        Impl.ModelGenGpu when !GpuNet.HasGpuClass(model) => "not run: the model has no Gpu class",
        Impl.ModelGenGpu => GpuNet.Failure,
        _ => null,
    };

    public static INet Create(ModelSpec spec, Impl impl)
    {
        ITrainableModel generated = ModelSpecs.CreateGenerated(spec.Name, Seed);
        int allCores = Environment.ProcessorCount;
        return impl switch
        {
            Impl.ModelGen => new ModelGenNet(generated, threads: 1),
            Impl.ModelGenAllCores => new ModelGenNet(generated, threads: allCores),
            Impl.PlainCSharp => new PlainNet(spec, generated.GetWeights()),
            Impl.TorchSharp => new TorchNet(spec, generated.GetWeights(), threads: 1),
            Impl.TorchSharpAllCores => new TorchNet(spec, generated.GetWeights(), threads: allCores),
            Impl.OnnxRuntime => new OrtNet(generated, threads: 1),
            Impl.OnnxRuntimeAllCores => new OrtNet(generated, threads: allCores),
            Impl.ModelGenGpu => new GpuNet(spec.Name, Seed),
            _ => throw new ArgumentOutOfRangeException(nameof(impl)),
        };
    }

    /// <summary>An implementation of a model bound to <paramref name="batch"/> samples drawn from <paramref name="dataSeed"/>.</summary>
    public static INet CreateBound(string model, Impl impl, int batch, bool training, int dataSeed)
    {
        ModelSpec spec = ModelSpecs.Get(model);
        (float[] x, float[] labels) = ModelSpecs.Data(spec, batch, dataSeed);
        INet net = Create(spec, impl);
        net.Bind(x, labels, batch, training);
        return net;
    }
}

/// <summary>One optimizer step (TrainOnBatch / zero_grad-forward-backward-step) on a batch of 32 or 128 samples.</summary>
public class Training
{
    private INet? _net;

    [Params("M1", "M2", "M3", "M4")]
    public string Model { get; set; } = "M1";

    [Params(Impl.ModelGen, Impl.ModelGenAllCores, Impl.PlainCSharp, Impl.TorchSharp, Impl.TorchSharpAllCores, Impl.ModelGenGpu)]
    public Impl Impl { get; set; }

    [Params(32, 128)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        _net = Nets.CreateBound(Model, Impl, Batch, training: true, dataSeed: 42);
    }

    [Benchmark]
    public float TrainOnBatch() => _net!.TrainStep();

    [GlobalCleanup]
    public void Cleanup() => _net?.Dispose();
}

/// <summary>Inference: Predict on one sample (latency) and on 256 samples (throughput).</summary>
public class Inference
{
    private INet? _net;

    [Params("M1", "M2", "M3", "M4")]
    public string Model { get; set; } = "M1";

    [Params(Impl.ModelGen, Impl.ModelGenAllCores, Impl.PlainCSharp, Impl.TorchSharp, Impl.TorchSharpAllCores, Impl.OnnxRuntime, Impl.OnnxRuntimeAllCores, Impl.ModelGenGpu)]
    public Impl Impl { get; set; }

    [Params(1, 256)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        _net = Nets.CreateBound(Model, Impl, Batch, training: false, dataSeed: 43);
    }

    [Benchmark]
    public void Predict() => _net!.Predict();

    [GlobalCleanup]
    public void Cleanup() => _net?.Dispose();
}

/// <summary>
/// M5, the digits CNN (issue 6): one optimizer step at batch 32, as <see cref="Training"/> does for M1 to M4 (no plain
/// C# row: the plain loops have no conv2d). The report files it with Training's rows.
/// </summary>
public class CnnTraining
{
    private INet? _net;

    [Params("M5")]
    public string Model { get; set; } = "M5";

    [Params(Impl.ModelGen, Impl.ModelGenAllCores, Impl.TorchSharp, Impl.TorchSharpAllCores, Impl.ModelGenGpu)]
    public Impl Impl { get; set; }

    [Params(32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        _net = Nets.CreateBound(Model, Impl, Batch, training: true, dataSeed: 42);
    }

    [Benchmark]
    public float TrainOnBatch() => _net!.TrainStep();

    [GlobalCleanup]
    public void Cleanup() => _net?.Dispose();
}

/// <summary>M5, the digits CNN: Predict on one sample (latency), as <see cref="Inference"/> does for M1 to M4.</summary>
public class CnnInference
{
    private INet? _net;

    [Params("M5")]
    public string Model { get; set; } = "M5";

    [Params(Impl.ModelGen, Impl.ModelGenAllCores, Impl.TorchSharp, Impl.TorchSharpAllCores, Impl.OnnxRuntime, Impl.OnnxRuntimeAllCores, Impl.ModelGenGpu)]
    public Impl Impl { get; set; }

    [Params(1)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        _net = Nets.CreateBound(Model, Impl, Batch, training: false, dataSeed: 43);
    }

    [Benchmark]
    public void Predict() => _net!.Predict();

    [GlobalCleanup]
    public void Cleanup() => _net?.Dispose();
}

/// <summary>
/// M6, the LSTM sequence classifier: one optimizer step at batch 32, as <see cref="CnnTraining"/> does for M5 (no plain
/// C# row: the plain loops have no lstm). The report files it with Training's rows.
/// </summary>
public class RecurrentTraining
{
    private INet? _net;

    [Params("M6")]
    public string Model { get; set; } = "M6";

    [Params(Impl.ModelGen, Impl.ModelGenAllCores, Impl.TorchSharp, Impl.TorchSharpAllCores, Impl.ModelGenGpu)]
    public Impl Impl { get; set; }

    [Params(32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        _net = Nets.CreateBound(Model, Impl, Batch, training: true, dataSeed: 42);
    }

    [Benchmark]
    public float TrainOnBatch() => _net!.TrainStep();

    [GlobalCleanup]
    public void Cleanup() => _net?.Dispose();
}

/// <summary>M6, the LSTM sequence classifier: Predict on one sample (latency), as <see cref="CnnInference"/> does for M5.</summary>
public class RecurrentInference
{
    private INet? _net;

    [Params("M6")]
    public string Model { get; set; } = "M6";

    [Params(Impl.ModelGen, Impl.ModelGenAllCores, Impl.TorchSharp, Impl.TorchSharpAllCores, Impl.OnnxRuntime, Impl.OnnxRuntimeAllCores, Impl.ModelGenGpu)]
    public Impl Impl { get; set; }

    [Params(1)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        _net = Nets.CreateBound(Model, Impl, Batch, training: false, dataSeed: 43);
    }

    [Benchmark]
    public void Predict() => _net!.Predict();

    [GlobalCleanup]
    public void Cleanup() => _net?.Dispose();
}

/// <summary>
/// The core's FP32 peak, measured: a loop of independent fused multiply-adds per iteration (enough to fill every FMA
/// pipe through its latency: two pipes × 4-5 cycles), on Vector512 (16 chains) and Vector256 (12 chains: with the two
/// operands they fit the 16 registers of an AVX2 machine; 16 chains spilled there and measured half the peak on Zen 3).
/// One operation is one iteration: chains × lanes × 2 FLOP (512 FLOP for Vector512, 192 for Vector256).
/// </summary>
public class FmaPeak
{
    public const int Iterations = 1 << 16;

    /// <summary>Independent chains per iteration for a width.</summary>
    public static int Chains(int lanes) => lanes == 16 ? 16 : 12;

    public static int FlopsPerIteration(int lanes) => Chains(lanes) * lanes * 2;

    [GlobalSetup]
    public void Setup() => ProcessPriority.Raise();

    [Benchmark(OperationsPerInvoke = Iterations)]
    public float Vector512Fma() => Fma512(Iterations);

    [Benchmark(OperationsPerInvoke = Iterations)]
    public float Vector256Fma() => Fma256(Iterations);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma512(int iterations)
    {
        Vector512<float> m = Vector512.Create(0.999999f), c = Vector512.Create(1e-6f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c, a6 = a5 + c, a7 = a6 + c;
        Vector512<float> a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c, a12 = a11 + c, a13 = a12 + c, a14 = a13 + c, a15 = a14 + c;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
            a12 = Vector512.FusedMultiplyAdd(a12, m, c); a13 = Vector512.FusedMultiplyAdd(a13, m, c);
            a14 = Vector512.FusedMultiplyAdd(a14, m, c); a15 = Vector512.FusedMultiplyAdd(a15, m, c);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11 + a12 + a13 + a14 + a15);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float Fma256(int iterations)
    {
        Vector256<float> m = Vector256.Create(0.999999f), c = Vector256.Create(1e-6f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0 + c, a2 = a1 + c, a3 = a2 + c, a4 = a3 + c, a5 = a4 + c, a6 = a5 + c, a7 = a6 + c;
        Vector256<float> a8 = a7 + c, a9 = a8 + c, a10 = a9 + c, a11 = a10 + c;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c); a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
