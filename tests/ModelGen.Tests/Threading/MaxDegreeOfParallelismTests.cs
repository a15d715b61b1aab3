using System;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using ModelGen.CompilerServices;
using Xunit;

namespace ModelGen.Tests.Threading;

/// <summary>
/// <c>MaxDegreeOfParallelism</c> (SPEC §3, "Threads"): one call's matrix products split across threads, the results
/// bit-identical for every value. The models are wide enough that their products do split (each run counts the
/// split products: a degree above 1 that never split would prove nothing), and the degrees go past this machine's
/// cores (the processor cap is raised to 8 for these tests), so the threads contend.
/// </summary>
[Collection(ThreadingCollection.Name)]
public sealed class MaxDegreeOfParallelismTests
{
    private const int Processors = 8;

    /// <summary>A model built with a degree of parallelism.</summary>
    public sealed record ParallelCase(string Name, Func<int, int, ITrainableModel> Create)
    {
        public override string ToString() => Name;
    }

    private static readonly ParallelCase[] s_cases =
    {
        new("mlp", (seed, degree) => new TestModels.ParallelMlp(seed) { MaxDegreeOfParallelism = degree }),
        new("cnn", (seed, degree) => new TestModels.ParallelCnn(seed) { MaxDegreeOfParallelism = degree }),
        new("lstm", (seed, degree) => new TestModels.ParallelLstm(seed) { MaxDegreeOfParallelism = degree }),
    };

    public static TheoryData<string> Cases => new(s_cases.Select(c => c.Name));

    private static ParallelCase Case(string name) => s_cases.Single(c => c.Name == name);

    /// <summary>Everything one run produces, to compare bit for bit.</summary>
    private sealed record RunResult(float[] Losses, double[] FitLosses, double[] ValLosses, float[] Weights, float[] Predictions, double EvaluationLoss, double EvaluationAccuracy, long SplitProducts);

    private static RunResult Run(ParallelCase parallelCase, int degree)
    {
        long splitsBefore = Gemm.SplitProducts;
        ITrainableModel model = parallelCase.Create(11, degree);
        float[] x = ModelCase.Inputs(model, 320, seed: 1);
        float[] y = ModelCase.Labels(model, 320, seed: 2);

        // TrainOnBatch at two batch sizes (BatchNormalization's statistics over 64 and 50 rows).
        var losses = new float[4];
        for (int step = 0; step < losses.Length; step++)
        {
            int rows = step % 2 == 0 ? 64 : 50;
            int start = step * 60;
            losses[step] = model.TrainOnBatch(x.AsSpan(start * model.InputSize, rows * model.InputSize), y.AsSpan(start * model.LabelSize, rows * model.LabelSize));
        }

        // Fit: shuffled batches and a validation split (Evaluate inside Fit).
        History history = model.Fit(x, y, new FitOptions { Epochs = 2, BatchSize = 48, ValidationSplit = 0.2, Seed = 5, Verbose = 0 });

        float[] predictions = ModelCase.Predict(model, ModelCase.Inputs(model, 300, seed: 3));
        EvaluationResult evaluation = model.Evaluate(x, y, batchSize: 100);
        return new RunResult(losses, history.Loss.ToArray(), history.ValLoss.ToArray(), ModelCase.Weights(model), predictions,
            evaluation.Loss, evaluation.Accuracy, Gemm.SplitProducts - splitsBefore);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Training_and_inference_are_bit_identical_for_every_degree(string name)
    {
        using ProcessorCap cap = new(Processors);
        ParallelCase parallelCase = Case(name);
        RunResult alone = Run(parallelCase, degree: 1);
        Assert.Equal(0, alone.SplitProducts);
        Assert.All(alone.Losses, loss => Assert.True(float.IsFinite(loss)));

        foreach (int degree in new[] { 2, 3, Processors, -1 })
        {
            RunResult run = Run(parallelCase, degree);
            Assert.True(run.SplitProducts > 0, $"{name}, degree {degree}: no product was split across threads");
            AssertBits(alone.Losses, run.Losses, $"{name}, degree {degree}: TrainOnBatch losses");
            Assert.Equal(alone.FitLosses, run.FitLosses);
            Assert.Equal(alone.ValLosses, run.ValLosses);
            AssertBits(alone.Weights, run.Weights, $"{name}, degree {degree}: weights after training");
            AssertBits(alone.Predictions, run.Predictions, $"{name}, degree {degree}: Predict");
            Assert.Equal(alone.EvaluationLoss, run.EvaluationLoss);
            Assert.Equal(alone.EvaluationAccuracy, run.EvaluationAccuracy);
        }
    }

    [Fact]
    public void Many_threads_predicting_with_every_core_each_get_the_single_threaded_outputs()
    {
        using ProcessorCap cap = new(Processors);
        ParallelCase parallelCase = Case("mlp");
        ITrainableModel reference = parallelCase.Create(3, 1);
        ITrainableModel shared = parallelCase.Create(3, Processors);
        float[][] inputs = Enumerable.Range(0, 4).Select(i => ModelCase.Inputs(reference, 256, seed: 20 + i)).ToArray();
        float[][] expected = inputs.Select(x => ModelCase.Predict(reference, x)).ToArray();
        long splitsBefore = Gemm.SplitProducts;

        int threads = 16, mismatches = 0;
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var y = new float[256 * shared.OutputSize];
            start.SignalAndWait();
            for (int call = 0; call < 20; call++)
            {
                int which = (t + call) % inputs.Length;
                shared.Predict(inputs[which], y);
                if (!y.AsSpan().SequenceEqual(expected[which]))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        })).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }

        foreach (Thread worker in workers)
        {
            worker.Join();
        }

        Assert.Equal(0, mismatches);
        Assert.True(Gemm.SplitProducts > splitsBefore, "no Predict split its products");
    }

    [Fact]
    public void Warm_calls_on_every_core_allocate_nothing()
    {
        using ProcessorCap cap = new(Processors);
        ITrainableModel model = Case("mlp").Create(5, Processors);
        float[] x = ModelCase.Inputs(model, 64, seed: 1);
        float[] y = ModelCase.Labels(model, 64, seed: 2);
        var output = new float[64 * model.OutputSize];
        // Warm by time: the helper threads' code reaches its final tier only after enough calls, and the JIT's
        // background compilations allocate.
        var warm = Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 1000)
        {
            model.TrainOnBatch(x, y);
            model.Predict(x, output);
        }

        // The calling thread exactly; every thread of the process (the helpers, but also the test runner's and the JIT's)
        // as the least of three rounds: one allocation per call would be 2400+ bytes in every round.
        const int Calls = 100;
        long least = long.MaxValue, caller = long.MaxValue, splits = long.MaxValue;
        for (int round = 0; round < 3 && (least >= 2048 || caller > 0); round++)
        {
            long splitsBefore = Gemm.SplitProducts;
            long before = GC.GetTotalAllocatedBytes(precise: true), callerBefore = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < Calls; i++)
            {
                model.TrainOnBatch(x, y);
                model.Predict(x, output);
            }

            caller = Math.Min(caller, GC.GetAllocatedBytesForCurrentThread() - callerBefore);
            least = Math.Min(least, GC.GetTotalAllocatedBytes(precise: true) - before);
            splits = Math.Min(splits, Gemm.SplitProducts - splitsBefore);
        }

        Assert.True(splits >= Calls, "the calls did not split their products");
        Assert.Equal(0, caller);
        Assert.True(least < 2048, $"{least} bytes allocated by {2 * Calls} warm calls");
    }

    [Fact]
    public void Helper_threads_stop_spinning_between_calls()
    {
        using ProcessorCap cap = new(Processors);
        ITrainableModel model = Case("mlp").Create(5, Processors);
        float[] x = ModelCase.Inputs(model, 64, seed: 1);
        float[] y = ModelCase.Labels(model, 64, seed: 2);
        for (int i = 0; i < 10; i++)
        {
            model.TrainOnBatch(x, y);
        }

        Thread.Sleep(100);
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuBefore = process.TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        Thread.Sleep(500);
        process.Refresh();
        double cpuMilliseconds = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
        // Seven helpers spinning would burn about 1000 ms of CPU here (two cores) in 500 ms.
        Assert.True(cpuMilliseconds < 150, $"{cpuMilliseconds:F0} ms of CPU in {wall.ElapsedMilliseconds} ms idle");
    }

    [Fact]
    public void The_property_defaults_to_every_processor_and_rejects_zero_and_negative_counts()
    {
        var model = new TestModels.ParallelMlp(1);
        Assert.Equal(Environment.ProcessorCount, model.MaxDegreeOfParallelism);
        model.MaxDegreeOfParallelism = 1;
        Assert.Equal(1, model.MaxDegreeOfParallelism);
        model.MaxDegreeOfParallelism = -1;
        Assert.Equal(-1, model.MaxDegreeOfParallelism);
        foreach (int bad in new[] { 0, -2, int.MinValue })
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.MaxDegreeOfParallelism = bad);
            Assert.Equal("maxDegreeOfParallelism", error.ParamName);
            Assert.Contains("MaxDegreeOfParallelism must be a positive number of threads", error.Message);
            Assert.Equal(-1, model.MaxDegreeOfParallelism);
        }

        var inferenceOnly = new TestModels.InferenceOnly(1);
        Assert.Equal(Environment.ProcessorCount, inferenceOnly.MaxDegreeOfParallelism);
    }

    private static void AssertBits(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        int first = Enumerable.Range(0, expected.Length).FirstOrDefault(i => BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]), -1);
        Assert.True(first < 0, first < 0 ? what : $"{what}: element {first} is {actual[first]:R}, alone {expected[first]:R}");
    }

    /// <summary>Raises the processor count the degrees are capped at, for the test's duration.</summary>
    private sealed class ProcessorCap : IDisposable
    {
        private readonly int _previous = Parallelism.Processors;

        public ProcessorCap(int processors) => Parallelism.Processors = Math.Max(processors, _previous);

        public void Dispose() => Parallelism.Processors = _previous;
    }
}
