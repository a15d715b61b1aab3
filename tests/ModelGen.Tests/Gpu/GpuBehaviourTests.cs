using System;
using System.Linq;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ModelGen.GpuTestModels;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Gpu;

/// <summary>What M.Gpu promises beyond the numbers: device views, SyncToHost/SyncToDevice with the optimizer's state,
/// dropout that is deterministic per seed, clear errors (lengths, disposal, no accelerator, out of memory), NaN handling.</summary>
[Collection(GpuCollection.Name)]
public class GpuBehaviourTests(GpuFixture fixture)
{
    private Accelerator Accelerator => fixture.Accelerator;

    private static (float[] X, float[] Y) Circles(int rows) => CirclesData.Load(0, rows);

    private static void AssertSameWeights(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int t = 0; t < expected.Length; t++)
        {
            Assert.Equal(expected[t], actual[t]);
        }
    }

    // Kernels.

    [Fact]
    public void KernelsAreLoadedOncePerAcceleratorAndShared()
    {
        static object KernelsOf(object gpu) =>
            gpu.GetType().GetField("_kernels", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!.GetValue(gpu)!;

        using var first = new GoldenCircles.Gpu(new GoldenCircles(seed: 1), Accelerator);
        using var second = new GoldenCircles.Gpu(new GoldenCircles(seed: 2), Accelerator);
        Assert.Same(KernelsOf(first), KernelsOf(second));

        // Another accelerator compiles its own; an instance disposed does not take the shared kernels with it.
        using (Accelerator other = fixture.Context.CreateCPUAccelerator(0))
        using (var elsewhere = new GoldenCircles.Gpu(new GoldenCircles(seed: 1), other))
        {
            Assert.NotSame(KernelsOf(first), KernelsOf(elsewhere));
        }

        first.Dispose();
        (float[] x, float[] y) = Circles(32);
        var expected = new GoldenCircles.Gpu(new GoldenCircles(seed: 2), Accelerator);
        Assert.Equal(expected.TrainOnBatch(x, y), second.TrainOnBatch(x, y));
        expected.Dispose();
    }

    // Data on the device.

    [Fact]
    public void DeviceViewsGiveExactlyWhatHostSpansGive()
    {
        (float[] x, float[] y) = Circles(72);
        using var fromSpans = new GoldenCircles.Gpu(new GoldenCircles(seed: 3), Accelerator);
        using var fromViews = new GoldenCircles.Gpu(new GoldenCircles(seed: 3), Accelerator);
        using MemoryBuffer1D<float, Stride1D.Dense> deviceX = Accelerator.Allocate1D(x);
        using MemoryBuffer1D<float, Stride1D.Dense> deviceY = Accelerator.Allocate1D(y);
        using MemoryBuffer1D<float, Stride1D.Dense> deviceOutput = Accelerator.Allocate1D<float>(72);
        var options = new FitOptions { Epochs = 2, BatchSize = 16, Seed = 4, ValidationSplit = 0.25, Verbose = 0 };

        float lossA = fromSpans.TrainOnBatch(x.AsSpan(0, 32), y.AsSpan(0, 16));
        float lossB = fromViews.TrainOnBatch(deviceX.View.SubView(0, 32), deviceY.View.SubView(0, 16));
        History historyA = fromSpans.Fit(x, y, options);
        History historyB = fromViews.Fit(deviceX.View, deviceY.View, options);
        EvaluationResult evaluationA = fromSpans.Evaluate(x, y, batchSize: 20);
        EvaluationResult evaluationB = fromViews.Evaluate(deviceX.View, deviceY.View, batchSize: 20);
        var predictionsA = new float[72];
        fromSpans.Predict(x, predictionsA);
        fromViews.Predict(deviceX.View, deviceOutput.View);

        Assert.Equal(lossA, lossB);
        Assert.Equal(historyA.Loss, historyB.Loss);
        Assert.Equal(historyA.ValAccuracy, historyB.ValAccuracy);
        Assert.Equal(evaluationA, evaluationB);
        Assert.Equal(predictionsA, deviceOutput.GetAsArray1D());
        AssertSameWeights(fromSpans.GetWeights(), fromViews.GetWeights());
    }

    // The model and the device.

    [Fact]
    public void TheModelChangesOnlyOnSyncToHostWhichBringsBackWeightsStatisticsAndOptimizerState()
    {
        // WideMlp trains with Adam: continuing on the CPU after SyncToHost needs its moments and step count.
        var model = new WideMlp(seed: 8);
        var reference = new WideMlp(seed: 8);
        var untouched = new WideMlp(seed: 8).GetWeights();
        (float[] x, float[] y) = GpuModels.Data(model, rows: 24);
        using var gpu = new WideMlp.Gpu(model, Accelerator);

        gpu.TrainOnBatch(x, y);
        gpu.TrainOnBatch(x, y);
        AssertSameWeights(untouched, model.GetWeights());
        gpu.SyncToHost();
        float fromCpu = model.TrainOnBatch(x, y);

        reference.TrainOnBatch(x, y);
        reference.TrainOnBatch(x, y);
        float expected = reference.TrainOnBatch(x, y);
        GpuModels.AssertClose(expected, fromCpu, "third loss, on the CPU after two GPU steps");
        GpuModels.AssertClose(reference.GetWeights(), model.GetWeights(), "weights after the third step");

        // And back: the model's state (trained on the CPU) to the device.
        gpu.SyncToDevice();
        float next = gpu.TrainOnBatch(x, y);
        GpuModels.AssertClose(reference.TrainOnBatch(x, y), next, "fourth loss, on the GPU after SyncToDevice");
    }

    [Fact]
    public void LearningRateIsTheModelsAndReadAtEveryStep()
    {
        (float[] x, float[] y) = Circles(32);
        var cpu = new GoldenCircles(seed: 2);
        using var gpu = new GoldenCircles.Gpu(new GoldenCircles(seed: 2), Accelerator);
        cpu.LearningRate = 0.5f;
        gpu.LearningRate = 0.5f;

        Assert.Equal(0.5f, gpu.Model.LearningRate);
        cpu.TrainOnBatch(x, y);
        gpu.TrainOnBatch(x, y);
        GpuModels.AssertClose(cpu.GetWeights(), gpu.GetWeights(), "weights after a step at learning rate 0.5");
        Assert.Throws<ArgumentOutOfRangeException>(() => gpu.LearningRate = -1f);
    }

    [Fact]
    public void AModelWithoutCompileHasAnInferenceOnlyGpuClass()
    {
        Assert.True(typeof(IModel).IsAssignableFrom(typeof(InferenceOnly.Gpu)));
        Assert.False(typeof(ITrainableModel).IsAssignableFrom(typeof(InferenceOnly.Gpu)));
        Assert.Null(typeof(InferenceOnly.Gpu).GetMethod("TrainOnBatch"));
    }

    // Dropout.

    [Fact]
    public void DropoutIsDeterministicPerSeedAndDrawsNewMasksEachStep()
    {
        var probe = new AdamMlp(seed: 1);
        (float[] x, float[] y) = GpuModels.Data(probe, rows: 32);
        using var a = new AdamMlp.Gpu(new AdamMlp(seed: 1), Accelerator);
        using var b = new AdamMlp.Gpu(new AdamMlp(seed: 1), Accelerator);
        using var other = new AdamMlp.Gpu(new AdamMlp(seed: 2), Accelerator);
        other.SetWeights(a.GetWeights());

        float[] lossesA = Enumerable.Range(0, 4).Select(_ => a.TrainOnBatch(x, y)).ToArray();
        float[] lossesB = Enumerable.Range(0, 4).Select(_ => b.TrainOnBatch(x, y)).ToArray();
        float[] lossesOther = Enumerable.Range(0, 4).Select(_ => other.TrainOnBatch(x, y)).ToArray();

        Assert.Equal(lossesA, lossesB);
        AssertSameWeights(a.GetWeights(), b.GetWeights());
        Assert.NotEqual(lossesA, lossesOther); // same weights, another seed: other masks
        Assert.All(lossesA, loss => Assert.True(float.IsFinite(loss)));
    }

    [Fact]
    public void DropoutKeepsAboutOneMinusRateOfTheUnitsScaledByItsInverse()
    {
        // DropoutProbe: ones → Dropout(0.25) → Dense(1, no bias, kernel of ones), squared error against 0, one sample:
        // the loss is (kept units / 0.75)². A learning rate of 1e-30 leaves the kernel at exactly 1.
        using var gpu = new DropoutProbe.Gpu(new DropoutProbe(seed: 5), Accelerator);
        gpu.LearningRate = 1e-30f;
        float[] x = Enumerable.Repeat(1f, 64).ToArray();
        var kept = new int[100];
        for (int step = 0; step < kept.Length; step++)
        {
            double output = Math.Sqrt(gpu.TrainOnBatch(x, [0f])) * 0.75;
            kept[step] = (int)Math.Round(output);
            Assert.True(Math.Abs(output - kept[step]) < 1e-3, $"step {step}: {output} kept units is not a whole number (scale 1 / (1 - rate))");
        }

        double fraction = kept.Average() / 64;
        Assert.InRange(fraction, 0.72, 0.78); // 6400 draws: the standard error of the fraction is 0.0054
        Assert.True(kept.Distinct().Count() > 5, "each step draws a new mask");
    }

    // Errors.

    [Fact]
    public void WrongLengthsAreArgumentExceptionsNamingTheExpectedSize()
    {
        using var gpu = new GoldenCircles.Gpu(new GoldenCircles(), Accelerator);
        var exception = Assert.Throws<ArgumentException>(() => gpu.Predict(new float[3], new float[1]));
        Assert.Equal("x", exception.ParamName);
        Assert.Contains("InputSize = 2", exception.Message);

        exception = Assert.Throws<ArgumentException>(() => gpu.Predict(new float[4], new float[3]));
        Assert.Equal("y", exception.ParamName);
        Assert.Contains("expected 2", exception.Message);

        exception = Assert.Throws<ArgumentException>(() => gpu.TrainOnBatch(new float[8], new float[3]));
        Assert.Contains("expected 4", exception.Message);

        using MemoryBuffer1D<float, Stride1D.Dense> odd = Accelerator.Allocate1D<float>(5);
        exception = Assert.Throws<ArgumentException>(() => gpu.Fit(odd.View, odd.View));
        Assert.Contains("InputSize = 2", exception.Message);
        Assert.Throws<ArgumentException>(() => gpu.TrainOnBatch(new float[2], new float[1])); // one sample through BatchNormalization
    }

    [Fact]
    public void OutOfRangeLabelsAndNonFiniteLossesChangeNothing()
    {
        (float[] x, float[] y) = Circles(32);
        using var gpu = new GoldenCircles.Gpu(new GoldenCircles(seed: 4), Accelerator);
        float[][] before = gpu.GetWeights();

        float[] badLabels = (float[])y.Clone();
        badLabels[3] = 2;
        Assert.Throws<ArgumentException>(() => gpu.TrainOnBatch(x, badLabels));
        x[5] = float.NaN;
        Assert.True(float.IsNaN(gpu.TrainOnBatch(x, y)));

        AssertSameWeights(before, gpu.GetWeights()); // weights and moving statistics
    }

    [Fact]
    public void NonFiniteLossStopsFitNamingEpochAndBatchWithTheWeightsOfTheStepBefore()
    {
        (float[] x, float[] y) = Circles(96);
        x[2 * 40] = float.NaN; // a sample of the second batch
        using var gpu = new GoldenCircles.Gpu(new GoldenCircles(seed: 9), Accelerator);
        var reference = new GoldenCircles(seed: 9);
        reference.TrainOnBatch(x.AsSpan(0, 64), y.AsSpan(0, 32));

        var exception = Assert.Throws<TrainingStoppedException>(() => gpu.Fit(x, y, new FitOptions { Epochs = 3, Shuffle = false, Verbose = 0 }));

        Assert.Equal(1, exception.Epoch);
        Assert.Equal(2, exception.Batch);
        GpuModels.AssertClose(reference.GetWeights(), gpu.GetWeights(), "weights of the step before");
    }

    [Fact]
    public void ADisposedGpuOrAcceleratorIsAnObjectDisposedExceptionNamingTheModel()
    {
        var gpu = new GoldenCircles.Gpu(new GoldenCircles(), Accelerator);
        gpu.Dispose();
        gpu.Dispose(); // twice is fine

        var exception = Assert.Throws<ObjectDisposedException>(() => gpu.Predict(new float[2], new float[1]));
        Assert.Contains("GoldenCircles.Gpu", exception.Message);
        Assert.Throws<ObjectDisposedException>(() => gpu.TrainOnBatch(new float[4], new float[2]));
        Assert.Throws<ObjectDisposedException>(() => gpu.SyncToHost());

        using Context context = Context.Create(builder => builder.DefaultCPU());
        Accelerator accelerator = context.CreateCPUAccelerator(0);
        var orphan = new GoldenCircles.Gpu(new GoldenCircles(), accelerator);
        accelerator.Dispose();
        exception = Assert.Throws<ObjectDisposedException>(() => orphan.Predict(new float[2], new float[1]));
        Assert.Contains("accelerator", exception.Message);
        Assert.Throws<ObjectDisposedException>(() => new GoldenCircles.Gpu(new GoldenCircles(), accelerator));
    }

    [Fact]
    public void NoAcceleratorIsAnArgumentNullExceptionSayingWhatIsNeeded()
    {
        var exception = Assert.Throws<ArgumentNullException>(() => new GoldenCircles.Gpu(new GoldenCircles(), null!));
        Assert.Equal("accelerator", exception.ParamName);
        Assert.Contains("GoldenCircles.Gpu needs an ILGPU accelerator", exception.Message);
        Assert.Throws<ArgumentNullException>(() => new GoldenCircles.Gpu(null!, Accelerator));
    }

    [Fact]
    public void OutOfDeviceMemoryNamesTheModelAndTheBytesAndLeavesTheGpuWorking()
    {
        (float[] x, float[] y) = Circles(32);
        using var gpu = new GoldenCircles.Gpu(new GoldenCircles(seed: 1), Accelerator);

        // 400 million samples of 50 floats: 80 GB for one buffer, more than this machine's memory.
        var exception = Assert.Throws<OutOfMemoryException>(() => gpu.Reserve(400_000_000));

        Assert.Contains("GoldenCircles.Gpu", exception.Message);
        Assert.Contains("80000000000 bytes", exception.Message);
        Assert.True(float.IsFinite(gpu.TrainOnBatch(x, y)));
    }
}
