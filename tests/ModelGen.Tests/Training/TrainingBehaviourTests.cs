using System;
using System.IO;
using System.Linq;
using ModelGen.TestModels;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>What a Keras user expects of the generated class beyond the numbers: input checks, modes, determinism,
/// Fit's options and callbacks, NaN handling, and weights that load only into the model they belong to.</summary>
public class TrainingBehaviourTests
{
    private static (float[] X, float[] Y) Circles(int rows = 500) => CirclesData.Load(0, rows);

    private static void AssertSameWeights(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int t = 0; t < expected.Length; t++)
        {
            Assert.Equal(expected[t], actual[t]);
        }
    }

    // Input checks.

    [Fact]
    public void WrongInputLengthIsAnArgumentExceptionNamingTheExpectedSize()
    {
        var model = new GoldenCircles();
        var exception = Assert.Throws<ArgumentException>(() => model.Predict(new float[3], new float[1]));
        Assert.Equal("x", exception.ParamName);
        Assert.Contains("InputSize = 2", exception.Message);

        exception = Assert.Throws<ArgumentException>(() => model.Predict(new float[4], new float[3]));
        Assert.Equal("y", exception.ParamName);
        Assert.Contains("expected 2", exception.Message);

        exception = Assert.Throws<ArgumentException>(() => model.TrainOnBatch(new float[8], new float[3]));
        Assert.Contains("expected 4", exception.Message);
        Assert.Throws<ArgumentException>(() => model.Predict(ReadOnlySpan<float>.Empty, Span<float>.Empty));
    }

    [Fact]
    public void LabelsOutOfRangeAreRejectedBeforeAnyChange()
    {
        var binary = new GoldenCircles();
        float[][] before = binary.GetWeights();
        Assert.Throws<ArgumentException>(() => binary.TrainOnBatch(new float[4], [0, 2]));
        AssertSameWeights(before, binary.GetWeights());

        var sparse = new SparseOutput();
        var exception = Assert.Throws<ArgumentException>(() => sparse.TrainOnBatch(new float[6], [1, 3]));
        Assert.Contains("[0, 3)", exception.Message);
        Assert.Throws<ArgumentException>(() => sparse.Evaluate(new float[6], [0.5f, 1]));
    }

    [Fact]
    public void TrainingBatchNormalizationOnOneSampleIsRefused()
    {
        var model = new GoldenCircles();
        var exception = Assert.Throws<ArgumentException>(() => model.TrainOnBatch([0.5f, 0.5f], [1]));
        Assert.Contains("BatchNormalization", exception.Message);
        Assert.Contains("batch of one sample", exception.Message);

        // Without BatchNormalization a batch of one is fine, and inference never minds.
        Assert.True(float.IsFinite(new SparseOutput().TrainOnBatch([1, 2, 3], [2])));
        model.Predict([0.5f, 0.5f], new float[1]);
    }

    [Fact]
    public void SetWeightsChecksEveryLengthAndChangesNothingOnError()
    {
        var model = new GoldenCircles(seed: 1);
        float[][] before = model.GetWeights();
        float[][] wrong = model.GetWeights();
        wrong[0] = new float[3];
        wrong[1][0] = 42;

        var exception = Assert.Throws<ArgumentException>(() => model.SetWeights(wrong));
        Assert.Contains("dense/kernel", exception.Message);
        Assert.Contains("expected 100", exception.Message);
        AssertSameWeights(before, model.GetWeights());
        Assert.Throws<ArgumentException>(() => model.SetWeights(before.Take(3).ToArray()));
    }

    // Modes.

    [Fact]
    public void PredictAndEvaluateUseInferenceModeAndChangeNothing()
    {
        var model = new InputNormalizedDropout(seed: 2);
        var x = new float[40];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = i % 7 - 3;
        }

        float[] y = Enumerable.Range(0, 10).Select(i => (float)(i % 2)).ToArray();
        model.Fit(x, y, new FitOptions { Epochs = 2, BatchSize = 4, Verbose = 0 });
        float[][] trained = model.GetWeights();

        var first = new float[20];
        var second = new float[20];
        model.Predict(x, first);
        EvaluationResult evaluation = model.Evaluate(x, y, batchSize: 3);
        model.Predict(x, second);

        // Dropout is off and BatchNormalization uses (and keeps) its moving statistics.
        Assert.Equal(first, second);
        AssertSameWeights(trained, model.GetWeights());
        Assert.Equal(evaluation, model.Evaluate(x, y, batchSize: 3));
        Assert.Equal(evaluation.Loss, model.Evaluate(x, y, batchSize: 7).Loss, 6);
    }

    [Fact]
    public void TrainingIsDeterministicForASeed()
    {
        (float[] x, float[] y) = Circles(200);
        float[][] Train(int seed)
        {
            var model = new AdamMlp(seed);
            var x4 = x.Concat(x).ToArray(); // four features: the circle twice
            model.Fit(x4.Take(800).ToArray(), y, new FitOptions { Epochs = 3, BatchSize = 16, Seed = seed, Verbose = 0 });
            return model.GetWeights();
        }

        AssertSameWeights(Train(7), Train(7));
        Assert.NotEqual(Train(7)[0], Train(8)[0]);
    }

    // Fit.

    [Fact]
    public void ValidationSplitTakesTheLastRowsBeforeShuffling()
    {
        (float[] x, float[] y) = Circles(500);
        var model = new GoldenCircles(seed: 4);

        History history = model.Fit(x, y, new FitOptions { Epochs = 2, ValidationSplit = 0.2, Seed = 1, Verbose = 0 });

        EvaluationResult lastRows = model.Evaluate(x.AsSpan(800), y.AsSpan(400));
        Assert.Equal(2, history.ValLoss.Count);
        Assert.Equal(lastRows.Loss, history.ValLoss[1], 12);
        Assert.Equal(lastRows.Accuracy, history.ValAccuracy[1], 12);
    }

    [Fact]
    public void ValidationDataIsEvaluatedAfterEveryEpoch()
    {
        (float[] x, float[] y) = Circles(500);
        (float[] testX, float[] testY) = CirclesData.Load(500, 500);
        var model = new GoldenCircles(seed: 4);

        History history = model.Fit(x, y, new FitOptions { Epochs = 3, ValidationData = (testX, testY), Verbose = 0 });

        Assert.Equal(3, history.ValAccuracy.Count);
        Assert.Equal(model.Evaluate(testX, testY).Loss, history.ValLoss[2], 12);
        Assert.True(history.Loss[2] < history.Loss[0], "training should lower the loss");
    }

    [Fact]
    public void EarlyStoppingStopsAndRestoresTheBestWeights()
    {
        (float[] x, float[] y) = Circles(100);
        var model = new GoldenCircles(seed: 4);
        var stopping = new EarlyStopping { Monitor = "loss", Patience = 1, MinDelta = 10, RestoreBestWeights = true };

        History history = model.Fit(x, y, new FitOptions { Epochs = 20, Verbose = 0, Callbacks = { stopping } });

        // No epoch improves by 10: training stops after the patience runs out, back at the first epoch's weights.
        Assert.Equal(2, history.Epochs);
        Assert.Equal(0, stopping.BestEpoch);
    }

    [Fact]
    public void VerboseOneDrawsAProgressBarAndTwoALinePerEpoch()
    {
        (float[] x, float[] y) = Circles(64);
        var one = new StringWriter();
        var two = new StringWriter();

        new GoldenCircles().Fit(x, y, new FitOptions { Epochs = 2, Verbose = 1, Output = one });
        new GoldenCircles().Fit(x, y, new FitOptions { Epochs = 2, Verbose = 2, Output = two });

        Assert.Contains("Epoch 2/2", one.ToString());
        Assert.Contains("2/2 [==============================]", one.ToString());
        Assert.Contains("loss: ", one.ToString());
        Assert.Contains("accuracy: ", one.ToString());
        Assert.Equal(2, two.ToString().Split('\n').Count(l => l.Contains("loss: ", StringComparison.Ordinal)));
    }

    [Fact]
    public void HistoryExportsCsv()
    {
        (float[] x, float[] y) = Circles(64);
        History history = new GoldenCircles().Fit(x, y, new FitOptions { Epochs = 2, ValidationSplit = 0.25, Verbose = 0 });

        string[] lines = history.ToCsv().TrimEnd().Split('\n');
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy", lines[0].Trim());
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public void NonFiniteLossStopsFitNamingEpochAndBatchWithTheWeightsOfTheStepBefore()
    {
        (float[] x, float[] y) = Circles(96);
        x[2 * 40] = float.NaN; // a sample of the second batch
        var model = new GoldenCircles(seed: 9);
        var reference = new GoldenCircles(seed: 9);
        reference.TrainOnBatch(x.AsSpan(0, 64), y.AsSpan(0, 32));

        var exception = Assert.Throws<TrainingStoppedException>(() => model.Fit(x, y, new FitOptions { Epochs = 3, Shuffle = false, Verbose = 0 }));

        Assert.Equal(1, exception.Epoch);
        Assert.Equal(2, exception.Batch);
        Assert.Contains("epoch 1, batch 2", exception.Message);
        AssertSameWeights(reference.GetWeights(), model.GetWeights());
    }

    // Weights files.

    [Fact]
    public void SavedWeightsLoadBackExactly()
    {
        (float[] x, float[] y) = Circles(64);
        var model = new GoldenCircles(seed: 5);
        model.Fit(x, y, new FitOptions { Epochs = 2, Verbose = 0 });
        var stream = new MemoryStream();
        model.SaveWeights(stream);

        var other = new GoldenCircles(seed: 6);
        stream.Position = 0;
        other.LoadWeights(stream);

        AssertSameWeights(model.GetWeights(), other.GetWeights());
        var a = new float[64];
        var b = new float[64];
        model.Predict(x, a);
        other.Predict(x, b);
        Assert.Equal(a, b);
    }

    [Fact]
    public void WeightsOfAnotherModelOrADamagedFileChangeNothing()
    {
        var model = new GoldenCircles(seed: 5);
        float[][] before = model.GetWeights();
        string path = Path.Combine(Path.GetTempPath(), $"modelgen-{Guid.NewGuid():N}.weights");
        try
        {
            new HiddenRelu().SaveWeights(path);
            var exception = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
            Assert.Contains("HiddenRelu", exception.Message);
            AssertSameWeights(before, model.GetWeights());

            new GoldenCircles(seed: 8).SaveWeights(path);
            byte[] bytes = File.ReadAllBytes(path);
            bytes[bytes.Length / 2] ^= 0x40;
            File.WriteAllBytes(path, bytes);
            exception = Assert.Throws<InvalidDataException>(() => model.LoadWeights(path));
            Assert.Contains("damaged", exception.Message);
            AssertSameWeights(before, model.GetWeights());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AModelWithoutCompileOnlyPredicts()
    {
        var model = new InferenceOnly(seed: 1);
        var y = new float[4];
        model.Predict(new float[8], y);

        Assert.IsAssignableFrom<IModel>(model);
        Assert.False(typeof(ITrainableModel).IsAssignableFrom(typeof(InferenceOnly)));
        Assert.Null(typeof(InferenceOnly).GetMethod("TrainOnBatch"));
        Assert.Equal(1f, y[0] + y[1], 5);
    }
}
