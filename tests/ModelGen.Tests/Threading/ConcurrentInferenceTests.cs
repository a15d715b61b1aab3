using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Xunit;

namespace ModelGen.Tests.Threading;

/// <summary>
/// SPEC §3 "Threads", proved under contention: one instance, more threads than cores, thousands of calls, every output
/// compared bit for bit with the same call made alone. Inference runs in per-thread buffers; the weights stay as they
/// are while any inference reads them.
/// </summary>
[Collection(ThreadingCollection.Name)]
public class ConcurrentInferenceTests
{
    /// <summary>More threads than cores, at least 8.</summary>
    internal static readonly int Threads = Math.Max(8, 4 * Environment.ProcessorCount);

    /// <summary>Batches of 1 to 300 samples (so that Predict's 256-sample chunks and every buffer size occur), with the
    /// outputs of each computed alone.</summary>
    private static (float[][] Inputs, float[][] Expected) Batches(IModel model, int count)
    {
        var random = new Random(11);
        int[] sizes = [1, 2, 3, 7, 31, 32, 33, 64, 100, 255, 256, 257, 300];
        var inputs = new float[count][];
        for (int i = 0; i < count; i++)
        {
            int rows = i < sizes.Length ? sizes[i] : random.Next(1, 301);
            inputs[i] = ModelCase.Inputs(model, rows, seed: 100 + i);
        }

        return (inputs, inputs.Select(x => ModelCase.Predict(model, x)).ToArray());
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="threads"/> threads released together; rethrows the first failure.</summary>
    internal static void RunTogether(int threads, Action<int> body)
    {
        using var start = new Barrier(threads);
        var failures = new List<Exception>();
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                body(t);
            }
            catch (Exception e)
            {
                lock (failures)
                {
                    failures.Add(e);
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }
    }

    [Theory]
    [InlineData("mlp", 600)]
    [InlineData("cnn", 60)]
    [InlineData("lstm", 300)]
    [InlineData("adam", 600)]
    public void PredictFromManyThreadsMatchesPredictAlone(string name, int callsPerThread)
    {
        ModelCase model = ModelCase.ByName(name);
        ITrainableModel shared = model.Create(3);
        shared.TrainOnBatch(ModelCase.Inputs(shared, 16, 1), ModelCase.Labels(shared, 16, 1)); // non-trivial moving statistics
        (float[][] inputs, float[][] expected) = Batches(shared, 24);

        // A weight change right before the threads start: the first calls race to refresh the folded weights.
        shared.SetWeights(shared.GetWeights());
        int mismatches = 0, calls = 0;
        RunTogether(Threads, t =>
        {
            var outputs = inputs.Select(x => new float[x.Length / shared.InputSize * shared.OutputSize]).ToArray();
            for (int i = 0; i < callsPerThread; i++)
            {
                int b = (t * 7 + i) % inputs.Length;
                shared.Predict(inputs[b], outputs[b]);
                if (!outputs[b].AsSpan().SequenceEqual(expected[b]))
                {
                    Interlocked.Increment(ref mismatches);
                }

                Interlocked.Increment(ref calls);
            }
        });

        Assert.Equal(Threads * callsPerThread, calls);
        Assert.Equal(0, mismatches);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void EvaluateFromManyThreadsMatchesEvaluateAlone(string name)
    {
        ITrainableModel shared = ModelCase.ByName(name).Create(4);
        float[] x = ModelCase.Inputs(shared, 200, 5);
        float[] y = ModelCase.Labels(shared, 200, 5);
        int[] batchSizes = [1, 17, 32, 200];
        EvaluationResult[] expected = batchSizes.Select(b => shared.Evaluate(x, y, b)).ToArray();
        int mismatches = 0;
        RunTogether(Threads, t =>
        {
            for (int i = 0; i < 20; i++)
            {
                int k = (t + i) % batchSizes.Length;
                EvaluationResult result = shared.Evaluate(x, y, batchSizes[k]);
                if (result.Loss != expected[k].Loss || !result.Accuracy.Equals(expected[k].Accuracy))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        });

        Assert.Equal(0, mismatches);
    }

    /// <summary>Once a thread has run a batch size, its further calls allocate nothing, also while other threads run.</summary>
    [Fact]
    public void WarmThreadsAllocateNothingUnderContention()
    {
        ITrainableModel shared = ModelCase.Cnn.Create(5);
        float[] x = ModelCase.Inputs(shared, 40, 6);
        float[] y = ModelCase.Labels(shared, 40, 6);
        var allocated = new long[Threads];
        using var warm = new Barrier(Threads);
        RunTogether(Threads, t =>
        {
            var output = new float[40 * shared.OutputSize];
            shared.Predict(x, output);
            shared.Predict(x.AsSpan(0, 7 * shared.InputSize), output.AsSpan(0, 7 * shared.OutputSize));
            shared.Evaluate(x, y, 16);
            // Every thread warm, with each call it then measures, before any measures: the first calls fold the weights
            // (and a thread's first wait for that sets up its wait machinery once), and a thread's packing buffer grows
            // to the largest product it has run.
            warm.SignalAndWait();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 30; i++)
            {
                shared.Predict(x, output);
                shared.Predict(x.AsSpan(0, 7 * shared.InputSize), output.AsSpan(0, 7 * shared.OutputSize));
                shared.Evaluate(x, y, 16);
            }

            allocated[t] = GC.GetAllocatedBytesForCurrentThread() - before;
        });

        Assert.All(allocated, bytes => Assert.Equal(0, bytes));
    }

    /// <summary>Per-thread working memory goes with its thread: a server whose threads come and go does not leak. 64
    /// threads each hold the CNN's buffers for 256 samples (6,494 floats per sample: 6.6 MB each) while alive; once they
    /// have ended, the memory is back to where it was.</summary>
    [Fact]
    public void PerThreadBuffersAreReleasedWithTheirThreads()
    {
        ITrainableModel shared = ModelCase.Cnn.Create(6);
        float[] x = ModelCase.Inputs(shared, 256, 7);
        var output = new float[256 * shared.OutputSize];
        shared.Predict(x, output);
        long baseline = GC.GetTotalMemory(forceFullCollection: true);

        const int threads = 64;
        using var allStarted = new CountdownEvent(threads);
        using var release = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, threads).Select(_ => new Thread(() =>
        {
            var own = new float[256 * shared.OutputSize];
            shared.Predict(x, own);
            allStarted.Signal();
            release.Wait();
        })).ToList();
        workers.ForEach(w => w.Start());
        allStarted.Wait();
        long whileAlive = GC.GetTotalMemory(forceFullCollection: true) - baseline;
        release.Set();
        workers.ForEach(w => w.Join());
        long afterExit = GC.GetTotalMemory(forceFullCollection: true) - baseline;

        // Bounded while alive (one set per thread, sized by Predict's chunk), released after.
        Assert.InRange(whileAlive, threads * 5_500_000L, threads * 8_500_000L);
        Assert.True(afterExit < whileAlive / 20, $"after the threads ended {afterExit:N0} bytes remained (while alive: {whileAlive:N0})");
    }
}
