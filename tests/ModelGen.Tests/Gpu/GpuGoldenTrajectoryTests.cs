using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using ModelGen.GpuTestModels;
using ModelGen.Tests.Infrastructure;
using ModelGen.Tests.Training;
using Xunit;

namespace ModelGen.Tests.Gpu;

/// <summary>
/// Keras's golden trajectory (Golden/traj_circles_relu_bn_sigmoid_f32.json, see <see cref="GoldenTrajectoryTests"/>) on
/// <c>GoldenCircles.Gpu</c>: Dense(50, relu) → BatchNormalization → Dense(1, sigmoid), SGD(0.01, momentum 0.9), batch 32,
/// no shuffle, 3 epochs from Keras's initial weights, every step's loss and the final weights to 1e-4.
/// </summary>
[Collection(GpuCollection.Name)]
public class GpuGoldenTrajectoryTests(GpuFixture fixture)
{
    private const double Relative = 1e-4;

    private static readonly JsonElement Golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "traj_circles_relu_bn_sigmoid_f32.json"))).RootElement;

    private static readonly string[] TensorNames =
    [
        "dense_0/kernel", "dense_0/bias",
        "batch_normalization_0/gamma", "batch_normalization_0/beta", "batch_normalization_0/moving_mean", "batch_normalization_0/moving_variance",
        "dense_1/kernel", "dense_1/bias",
    ];

    private static float[][] Weights(JsonElement tensors) => TensorNames.Select(name => GoldenTrajectoryTests.Flatten(tensors.GetProperty(name))).ToArray();

    private static (float[] X, float[] Y) TrainingData() =>
        (GoldenTrajectoryTests.Flatten(Golden.GetProperty("data").GetProperty("x_train")), GoldenTrajectoryTests.Flatten(Golden.GetProperty("data").GetProperty("y_train")));

    private GoldenCircles.Gpu StartingModel()
    {
        var model = new GoldenCircles(seed: 123);
        model.SetWeights(Weights(Golden.GetProperty("initial_weights")));
        return new GoldenCircles.Gpu(model, fixture.Accelerator);
    }

    private static void AssertWeights(JsonElement expected, float[][] actual)
    {
        float[][] golden = Weights(expected);
        for (int t = 0; t < TensorNames.Length; t++)
        {
            Assert.Equal(golden[t].Length, actual[t].Length);
            for (int i = 0; i < golden[t].Length; i++)
            {
                GoldenTrajectoryTests.AssertClose(golden[t][i], actual[t][i], Relative, $"{TensorNames[t]}[{i}]");
            }
        }
    }

    [Fact]
    public void EveryStepOfThreeEpochsMatchesKeras()
    {
        using GoldenCircles.Gpu gpu = StartingModel();
        (float[] x, float[] y) = TrainingData();

        foreach (JsonElement step in Golden.GetProperty("steps").EnumerateArray())
        {
            int start = step.GetProperty("batch_start").GetInt32();
            int size = step.GetProperty("batch_size").GetInt32();
            float loss = gpu.TrainOnBatch(x.AsSpan(start * 2, size * 2), y.AsSpan(start, size));
            GoldenTrajectoryTests.AssertClose(step.GetProperty("loss").GetDouble(), loss, Relative, $"loss of epoch {step.GetProperty("epoch")} step {step.GetProperty("step")}");
        }

        AssertWeights(Golden.GetProperty("final_weights"), gpu.GetWeights());
    }

    [Fact]
    public void FitWithoutShuffleReproducesKerasThenEvaluatesAndPredictsTheTestSetAsKeras()
    {
        using GoldenCircles.Gpu gpu = StartingModel();
        (float[] x, float[] y) = TrainingData();

        History history = gpu.Fit(x, y, new FitOptions { Epochs = 3, BatchSize = 32, Shuffle = false, Verbose = 0 });

        double[] expected = Golden.GetProperty("epoch_mean_loss").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int epoch = 0; epoch < 3; epoch++)
        {
            GoldenTrajectoryTests.AssertClose(expected[epoch], history.Loss[epoch], Relative, $"mean loss of epoch {epoch}");
        }

        AssertWeights(Golden.GetProperty("final_weights"), gpu.GetWeights());

        (float[] testX, float[] testY) = CirclesData.Load(500, 500);
        JsonElement test = Golden.GetProperty("eval_after_training").GetProperty("test");
        EvaluationResult onTest = gpu.Evaluate(testX, testY);
        var predictions = new float[500];
        gpu.Predict(testX, predictions);
        GoldenTrajectoryTests.AssertClose(test.GetProperty("loss").GetDouble(), onTest.Loss, Relative, "test loss");
        Assert.Equal(test.GetProperty("accuracy").GetDouble(), onTest.Accuracy, 6);
        float[] expectedPredictions = GoldenTrajectoryTests.Flatten(test.GetProperty("predictions"));
        for (int i = 0; i < 500; i++)
        {
            GoldenTrajectoryTests.AssertClose(expectedPredictions[i], predictions[i], Relative, $"prediction {i}");
        }
    }
}
