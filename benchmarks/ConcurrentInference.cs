using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace ModelGen.Benchmarks;

/// <summary>
/// SPEC §3 "Threads": one shared instance, <see cref="Threads"/> threads each making <see cref="CallsPerThread"/> batch-1
/// <c>Predict</c> calls at once (each with its own output). One operation is one round of one call per thread, so the
/// throughput in calls per second is Threads ÷ the reported time; 2 threads on 2 cores should come close to twice the
/// calls of 1 (inference runs in per-thread buffers, and entering a read section touches only the calling core's
/// counter).
/// </summary>
public class ConcurrentInference
{
    public const int CallsPerThread = 2000;

    private ITrainableModel? _model;
    private float[] _x = [];
    private float[][] _outputs = [];

    [Params("M1", "M3", "M5")]
    public string Model { get; set; } = "M1";

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        ModelSpec spec = ModelSpecs.Get(Model);
        _model = ModelSpecs.CreateGenerated(Model, Nets.Seed);
        _x = ModelSpecs.Data(spec, 1, 43).X;
        _outputs = new float[Threads][];
        for (int t = 0; t < Threads; t++)
        {
            _outputs[t] = new float[_model.OutputSize];
        }
    }

    [Benchmark(OperationsPerInvoke = CallsPerThread)]
    public void PredictBatch1()
    {
        if (Threads == 1)
        {
            Calls(0);
        }
        else
        {
            Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, Calls);
        }
    }

    private void Calls(int thread)
    {
        ITrainableModel model = _model!;
        float[] x = _x, y = _outputs[thread];
        for (int i = 0; i < CallsPerThread; i++)
        {
            model.Predict(x, y);
        }
    }
}
