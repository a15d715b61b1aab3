using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using ModelGen.TestModels;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>
/// The generated model against Keras's numbers (Golden/traj_circles_relu_bn_sigmoid_f32.json, see Golden/README.md):
/// Dense(50, relu) → BatchNormalization → Dense(1, sigmoid), binary cross-entropy, SGD(0.01, momentum 0.9), batch 32,
/// no shuffle, 3 epochs on the first 500 circles, all from the same initial weights.
/// </summary>
public class GoldenTrajectoryTests
{
    private const double Relative = 1e-4;

    private static readonly JsonElement Golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", "traj_circles_relu_bn_sigmoid_f32.json"))).RootElement;

    /// <summary>The golden file's tensors in Keras's get_weights() order, the order of <see cref="GoldenCircles.GetWeights"/>.</summary>
    private static readonly string[] TensorNames =
    [
        "dense_0/kernel", "dense_0/bias",
        "batch_normalization_0/gamma", "batch_normalization_0/beta", "batch_normalization_0/moving_mean", "batch_normalization_0/moving_variance",
        "dense_1/kernel", "dense_1/bias",
    ];

    internal static float[] Flatten(JsonElement element)
    {
        var values = new List<float>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement item in e.EnumerateArray())
                {
                    Walk(item);
                }
            }
            else
            {
                values.Add((float)e.GetDouble());
            }
        }

        Walk(element);
        return values.ToArray();
    }

    private static float[][] Weights(JsonElement tensors) => TensorNames.Select(name => Flatten(tensors.GetProperty(name))).ToArray();

    private static (float[] X, float[] Y) TrainingData() =>
        (Flatten(Golden.GetProperty("data").GetProperty("x_train")), Flatten(Golden.GetProperty("data").GetProperty("y_train")));

    private static GoldenCircles StartingModel()
    {
        var model = new GoldenCircles(seed: 123);
        model.SetWeights(Weights(Golden.GetProperty("initial_weights")));
        return model;
    }

    internal static void AssertClose(double expected, double actual, double relative, string what) =>
        Assert.True(
            Math.Abs(expected - actual) <= relative * Math.Max(Math.Abs(expected), 1e-2),
            $"{what}: expected {expected:R}, got {actual:R} (difference {Math.Abs(expected - actual):E2})");

    private static void AssertWeights(JsonElement expected, float[][] actual, double relative)
    {
        float[][] golden = Weights(expected);
        for (int t = 0; t < TensorNames.Length; t++)
        {
            Assert.Equal(golden[t].Length, actual[t].Length);
            for (int i = 0; i < golden[t].Length; i++)
            {
                AssertClose(golden[t][i], actual[t][i], relative, $"{TensorNames[t]}[{i}]");
            }
        }
    }

    [Fact]
    public void FirstStepMatchesKerasOutputLossAndWeights()
    {
        GoldenCircles model = StartingModel();
        (float[] x, float[] y) = TrainingData();
        JsonElement first = Golden.GetProperty("first_step");

        float loss = model.TrainOnBatch(x.AsSpan(0, 64), y.AsSpan(0, 32));

        AssertClose(first.GetProperty("loss").GetDouble(), loss, 1e-5, "loss");
        AssertWeights(first.GetProperty("weights_after"), model.GetWeights(), 1e-5);
    }

    [Fact]
    public void EveryStepOfThreeEpochsMatchesKeras()
    {
        GoldenCircles model = StartingModel();
        (float[] x, float[] y) = TrainingData();

        foreach (JsonElement step in Golden.GetProperty("steps").EnumerateArray())
        {
            int start = step.GetProperty("batch_start").GetInt32();
            int size = step.GetProperty("batch_size").GetInt32();
            float loss = model.TrainOnBatch(x.AsSpan(start * 2, size * 2), y.AsSpan(start, size));
            AssertClose(step.GetProperty("loss").GetDouble(), loss, Relative, $"loss of epoch {step.GetProperty("epoch")} step {step.GetProperty("step")}");
        }

        AssertWeights(Golden.GetProperty("final_weights"), model.GetWeights(), Relative);
    }

    [Fact]
    public void FitWithoutShuffleReproducesTheEpochLossesAndFinalWeights()
    {
        GoldenCircles model = StartingModel();
        (float[] x, float[] y) = TrainingData();

        History history = model.Fit(x, y, new FitOptions { Epochs = 3, BatchSize = 32, Shuffle = false, Verbose = 0 });

        double[] expected = Golden.GetProperty("epoch_mean_loss").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.Equal(3, history.Epochs);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            AssertClose(expected[epoch], history.Loss[epoch], Relative, $"mean loss of epoch {epoch}");
        }

        AssertWeights(Golden.GetProperty("final_weights"), model.GetWeights(), Relative);
    }

    [Fact]
    public void TrainedModelEvaluatesAndPredictsTheTestSetAsKeras()
    {
        GoldenCircles model = StartingModel();
        (float[] x, float[] y) = TrainingData();
        model.Fit(x, y, new FitOptions { Epochs = 3, BatchSize = 32, Shuffle = false, Verbose = 0 });
        (float[] testX, float[] testY) = CirclesData.Load(500, 500);
        JsonElement test = Golden.GetProperty("eval_after_training").GetProperty("test");
        JsonElement train = Golden.GetProperty("eval_after_training").GetProperty("train");

        EvaluationResult onTest = model.Evaluate(testX, testY);
        EvaluationResult onTrain = model.Evaluate(x, y);
        var predictions = new float[500];
        model.Predict(testX, predictions);

        AssertClose(test.GetProperty("loss").GetDouble(), onTest.Loss, Relative, "test loss");
        Assert.Equal(test.GetProperty("accuracy").GetDouble(), onTest.Accuracy, 6);
        AssertClose(train.GetProperty("loss").GetDouble(), onTrain.Loss, Relative, "train loss");
        Assert.Equal(train.GetProperty("accuracy").GetDouble(), onTrain.Accuracy, 6);
        float[] expected = Flatten(test.GetProperty("predictions"));
        for (int i = 0; i < 500; i++)
        {
            AssertClose(expected[i], predictions[i], Relative, $"prediction {i}");
        }
    }
}
