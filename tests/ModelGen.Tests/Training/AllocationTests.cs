using System;
using System.Linq;
using ModelGen.TestModels;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>SPEC §5: after construction and a first call at a batch size, Predict, TrainOnBatch and each step of Fit
/// allocate nothing (measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/>).</summary>
public class AllocationTests
{
    /// <summary>Bytes allocated on this thread by <paramref name="repeat"/> warm calls: the least of three such windows. A call
    /// that allocates does so in every window; a one-off allocation of the runtime's on this thread (seen once in a few
    /// full-suite runs, 6 KB, while other test classes ran in parallel) does not fail the test.</summary>
    private static long Allocated(Action action, int repeat)
    {
        action();
        long least = long.MaxValue;
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < repeat; i++)
            {
                action();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }

    [Fact]
    public void PredictAndTrainOnBatchAllocateNothingOnceWarm()
    {
        (float[] x, float[] y) = CirclesData.Load(0, 64);
        var model = new GoldenCircles(seed: 1);
        var output = new float[64];
        var dropout = new InputNormalizedDropout(seed: 1);
        var x4 = new float[64 * 4];
        var adam = new AdamMlp(seed: 1);

        Assert.Equal(0, Allocated(() => model.Predict(x, output), 50));
        Assert.Equal(0, Allocated(() => model.TrainOnBatch(x, y), 50));
        Assert.Equal(0, Allocated(() => model.Evaluate(x, y), 20));
        Assert.Equal(0, Allocated(() => dropout.TrainOnBatch(x4, y), 50));
        Assert.Equal(0, Allocated(() => adam.TrainOnBatch(x4, y), 50));
    }

    /// <summary>Convolutional models: the im2col matrices, the shared gradient of the columns and the pooling buffers
    /// are the model's own, sized with the batch capacity.</summary>
    [Fact]
    public void ConvolutionalModelsAllocateNothingOnceWarm()
    {
        var random = new Random(4);
        float[] Inputs(int rows, int size) => Enumerable.Range(0, rows * size).Select(_ => (float)random.NextDouble()).ToArray();

        var folded = new ConvIntoConvNormalized(seed: 1);
        float[] x = Inputs(32, ConvIntoConvNormalized.InputSize);
        float[] sparse = Enumerable.Range(0, 32).Select(i => (float)(i % 2)).ToArray();
        var output = new float[32 * ConvIntoConvNormalized.OutputSize];
        Assert.Equal(0, Allocated(() => folded.Predict(x, output), 20));
        Assert.Equal(0, Allocated(() => folded.TrainOnBatch(x, sparse), 20));

        var strided = new ConvSameStridedNormalized(seed: 1);
        float[] x2 = Inputs(16, ConvSameStridedNormalized.InputSize);
        var oneHot = new float[16 * 3];
        for (int r = 0; r < 16; r++)
        {
            oneHot[r * 3 + r % 3] = 1;
        }

        Assert.Equal(0, Allocated(() => strided.TrainOnBatch(x2, oneHot), 20));
        Assert.Equal(0, Allocated(() => strided.Evaluate(x2, oneHot), 20));

        var pointwise = new PointwiseConvOverlappingPool(seed: 1);
        float[] x3 = Inputs(8, PointwiseConvOverlappingPool.InputSize);
        float[] binary = Enumerable.Range(0, 8).Select(i => (float)(i % 2)).ToArray();
        Assert.Equal(0, Allocated(() => pointwise.TrainOnBatch(x3, binary), 20));
    }

    /// <summary>Recurrent models: every timestep's gates and states, and the backward pass's scratch, are the model's own
    /// buffers; stacked lstm layers and BatchNormalization over the timesteps included.</summary>
    [Fact]
    public void RecurrentModelsAllocateNothingOnceWarm()
    {
        var random = new Random(6);
        var stacked = new LstmStackedNormalized(seed: 1);
        float[] x = Enumerable.Range(0, 16 * LstmStackedNormalized.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        float[] binary = Enumerable.Range(0, 16).Select(i => (float)(i % 2)).ToArray();
        var output = new float[16];
        Assert.Equal(0, Allocated(() => stacked.Predict(x, output), 20));
        Assert.Equal(0, Allocated(() => stacked.TrainOnBatch(x, binary), 20));
        Assert.Equal(0, Allocated(() => stacked.Evaluate(x, binary), 20));

        var gelu = new LstmGeluRegression(seed: 1);
        float[] x2 = Enumerable.Range(0, 8 * LstmGeluRegression.InputSize).Select(_ => (float)random.NextDouble()).ToArray();
        float[] targets = Enumerable.Range(0, 8 * LstmGeluRegression.OutputSize).Select(_ => (float)random.NextDouble()).ToArray();
        Assert.Equal(0, Allocated(() => gelu.TrainOnBatch(x2, targets), 20));
    }

    [Fact]
    public void FitAllocatesNothingPerBatch()
    {
        (float[] x, float[] y) = CirclesData.Load(0, 500);
        var model = new GoldenCircles(seed: 1);
        var options = new FitOptions { Epochs = 2, BatchSize = 10, Verbose = 0 };
        model.Fit(x.AsSpan(0, 200), y.AsSpan(0, 100), options);

        long fewBatches = Allocated(() => model.Fit(x.AsSpan(0, 200), y.AsSpan(0, 100), options), 1);
        long manyBatches = Allocated(() => model.Fit(x, y, options), 1);

        // 10 batches per epoch or 50: the only difference allowed is the shuffle order, one int per sample.
        Assert.True(manyBatches - fewBatches <= (500 - 100) * sizeof(int), $"Fit allocated {manyBatches} bytes for 100 batches, {fewBatches} for 20");
    }
}
