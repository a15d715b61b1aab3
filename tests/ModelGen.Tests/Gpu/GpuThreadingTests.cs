using System;
using System.Linq;
using System.Threading;
using ModelGen.GpuTestModels;
using ModelGen.Tests.Infrastructure;
using ModelGen.Tests.Threading;
using Xunit;

namespace ModelGen.Tests.Gpu;

/// <summary>
/// What M.Gpu guarantees to threads (README "On a GPU"): its calls take the device one at a time (they share its buffers
/// and stream), so Predict and Evaluate from any number of threads give the outputs of calls made alone; Fit takes it
/// per step, so they run between steps and see the weights of a complete step; one training call at a time.
/// </summary>
[Collection(GpuCollection.Name)]
public class GpuThreadingTests(GpuFixture fixture)
{
    [Fact]
    public void PredictAndEvaluateFromManyThreadsMatchCallsAlone()
    {
        (float[] x, float[] y) = CirclesData.Load(0, 120);
        using var gpu = new GoldenCircles.Gpu(new GoldenCircles(seed: 2), fixture.Accelerator);
        gpu.Fit(x, y, new FitOptions { Epochs = 2, BatchSize = 16, Verbose = 0 }); // non-trivial moving statistics
        int[] sizes = [1, 5, 33, 120];
        float[][] expected = sizes.Select(n => Predict(gpu, x.AsSpan(0, 2 * n))).ToArray();
        EvaluationResult evaluation = gpu.Evaluate(x, y, batchSize: 40);

        int mismatches = 0;
        ConcurrentInferenceTests.RunTogether(8, t =>
        {
            for (int i = 0; i < 12; i++)
            {
                int k = (t + i) % sizes.Length;
                if (!Predict(gpu, x.AsSpan(0, 2 * sizes[k])).AsSpan().SequenceEqual(expected[k]) || (i % 4 == 0 && gpu.Evaluate(x, y, batchSize: 40) != evaluation))
                {
                    Interlocked.Increment(ref mismatches);
                }
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void SecondTrainingCallWhileFitRunsThrowsAndPredictStillRuns()
    {
        (float[] x, float[] y) = CirclesData.Load(0, 64);
        using var alone = new GoldenCircles.Gpu(new GoldenCircles(seed: 5), fixture.Accelerator);
        using var shared = new GoldenCircles.Gpu(new GoldenCircles(seed: 5), fixture.Accelerator);
        FitOptions Options() => new() { Epochs = 3, BatchSize = 16, Seed = 2, Verbose = 0 };
        alone.Fit(x, y, Options());

        using var paused = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        FitOptions options = Options();
        options.Callbacks.Add(new PauseAtEpoch(1, paused, resume));
        var fit = new Thread(() => shared.Fit(x, y, options));
        fit.Start();
        Assert.True(paused.Wait(TimeSpan.FromSeconds(60)));

        var error = Assert.Throws<InvalidOperationException>(() => shared.TrainOnBatch(x.AsSpan(0, 32), y.AsSpan(0, 16)));
        Assert.StartsWith("TrainOnBatch cannot start: Fit is running", error.Message);
        Assert.Throws<InvalidOperationException>(() => shared.SetWeights(alone.GetWeights()));
        float[] during = Predict(shared, x); // the device is free between steps
        Assert.All(during, p => Assert.InRange(p, 0f, 1f));
        resume.Set();
        fit.Join();

        Assert.Equal(ModelCase.Weights(alone), ModelCase.Weights(shared));
    }

    private static float[] Predict(GoldenCircles.Gpu gpu, ReadOnlySpan<float> x)
    {
        var y = new float[x.Length / GoldenCircles.InputSize];
        gpu.Predict(x, y);
        return y;
    }
}
