using System;
using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace ModelGen.Tests.Gpu;

/// <summary>
/// Every model with a GPU class (the GPU test models, which include every TestModels definition, and the Circles,
/// LearningRates and Digits samples) gives the CPU backend's numbers on ILGPU's CPU accelerator, to 1e-4 relative: Predict, one
/// TrainOnBatch (loss and every weight after it) and a 3-epoch Fit (per-epoch metrics and final weights), from the same
/// seed. Models with Dropout draw other masks on the GPU (a hash of seed, step and index, not the CPU's stream), so for
/// them training is compared with the randomness out of the picture: Predict and Evaluate (inference, no dropout) only,
/// plus determinism of the GPU's own training (see GpuDropoutTests).
/// </summary>
[Collection(GpuCollection.Name)]
public class GpuEquivalenceTests(GpuFixture fixture)
{
    private const int Seed = 11;

    public static IEnumerable<object[]> Models() => GpuModels.All().Select(t => new object[] { t.FullName! });

    public static IEnumerable<object[]> TrainableModels() =>
        GpuModels.All().Where(t => typeof(ITrainableModel).IsAssignableFrom(t)).Select(t => new object[] { t.FullName! });

    public static IEnumerable<object[]> TrainableModelsWithoutDropout() =>
        GpuModels.All().Where(t => typeof(ITrainableModel).IsAssignableFrom(t) && !GpuModels.HasDropout(t)).Select(t => new object[] { t.FullName! });

    [Theory]
    [MemberData(nameof(Models))]
    public void PredictMatchesTheCpuBackend(string modelType)
    {
        Type type = GpuModels.Find(modelType);
        IModel cpu = GpuModels.CreateCpu(type, Seed);
        using var gpu = (IDisposable)GpuModels.CreateGpu(type, Seed, fixture.Accelerator);
        (float[] x, _) = GpuModels.Data(cpu, rows: 37);

        var expected = new float[37 * cpu.OutputSize];
        var actual = new float[37 * cpu.OutputSize];
        cpu.Predict(x, expected);
        ((IModel)gpu).Predict(x, actual);

        GpuModels.AssertClose(expected, actual, "Predict");
    }

    [Theory]
    [MemberData(nameof(TrainableModels))]
    public void EvaluateMatchesTheCpuBackend(string modelType)
    {
        Type type = GpuModels.Find(modelType);
        var cpu = (ITrainableModel)GpuModels.CreateCpu(type, Seed);
        var gpu = (ITrainableModel)GpuModels.CreateGpu(type, Seed, fixture.Accelerator);
        using var _ = (IDisposable)gpu;
        (float[] x, float[] y) = GpuModels.Data(cpu, rows: 45);

        EvaluationResult expected = cpu.Evaluate(x, y, batchSize: 16);
        EvaluationResult actual = gpu.Evaluate(x, y, batchSize: 16);

        GpuModels.AssertClose(expected.Loss, actual.Loss, "loss");
        GpuModels.AssertClose(expected.Accuracy, actual.Accuracy, "accuracy");
    }

    [Theory]
    [MemberData(nameof(TrainableModelsWithoutDropout))]
    public void OneTrainOnBatchMatchesTheCpuBackend(string modelType)
    {
        Type type = GpuModels.Find(modelType);
        var cpu = (ITrainableModel)GpuModels.CreateCpu(type, Seed);
        var gpu = (ITrainableModel)GpuModels.CreateGpu(type, Seed, fixture.Accelerator);
        using var _ = (IDisposable)gpu;
        (float[] x, float[] y) = GpuModels.Data(cpu, rows: 19);

        float expected = cpu.TrainOnBatch(x, y);
        float actual = gpu.TrainOnBatch(x, y);

        GpuModels.AssertClose(expected, actual, "loss");
        GpuModels.AssertClose(cpu.GetWeights(), gpu.GetWeights(), "weights after the step");
    }

    [Theory]
    [MemberData(nameof(TrainableModelsWithoutDropout))]
    public void ThreeEpochFitMatchesTheCpuBackend(string modelType)
    {
        Type type = GpuModels.Find(modelType);
        var cpu = (ITrainableModel)GpuModels.CreateCpu(type, Seed);
        var gpu = (ITrainableModel)GpuModels.CreateGpu(type, Seed, fixture.Accelerator);
        using var _ = (IDisposable)gpu;
        (float[] x, float[] y) = GpuModels.Data(cpu, rows: 40);
        var options = new FitOptions { Epochs = 3, BatchSize = 8, Seed = 5, ValidationSplit = 0.25, Verbose = 0 };

        History expected = cpu.Fit(x, y, options);
        History actual = gpu.Fit(x, y, options);

        Assert.Equal(3, actual.Epochs);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            GpuModels.AssertClose(expected.Loss[epoch], actual.Loss[epoch], $"loss of epoch {epoch + 1}");
            GpuModels.AssertClose(expected.ValLoss[epoch], actual.ValLoss[epoch], $"validation loss of epoch {epoch + 1}");
            if (cpu.HasAccuracy)
            {
                GpuModels.AssertClose(expected.Accuracy[epoch], actual.Accuracy[epoch], $"accuracy of epoch {epoch + 1}");
                GpuModels.AssertClose(expected.ValAccuracy[epoch], actual.ValAccuracy[epoch], $"validation accuracy of epoch {epoch + 1}");
            }
        }

        GpuModels.AssertCloseNormwise(cpu.GetWeights(), gpu.GetWeights(), "weights after Fit");
    }
}
