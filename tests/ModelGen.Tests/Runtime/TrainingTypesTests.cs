using System;
using System.Collections.Generic;
using System.IO;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>History, EarlyStopping, FitOptions, EvaluationResult, TrainingStoppedException.</summary>
public class TrainingTypesTests
{
    [Fact]
    public void HistoryCsvHasOnlyTheMeasuredColumnsAndRoundTripNumbers()
    {
        var history = new History();
        history.Add(new EpochLogs(0.6931471805599453, 0.5, 0.7, 0.25));
        history.Add(new EpochLogs(0.1, 0.75, 1e-20, 1));
        Assert.Equal(2, history.Epochs);
        Assert.Equal(
            "epoch,loss,accuracy,val_loss,val_accuracy\n0,0.6931471805599453,0.5,0.7,0.25\n1,0.1,0.75,1E-20,1\n",
            history.ToCsv());

        var lossOnly = new History();
        lossOnly.Add(new EpochLogs(2.5));
        Assert.Equal("epoch,loss\n0,2.5\n", lossOnly.ToCsv());
        Assert.Empty(lossOnly.Accuracy);
        Assert.Empty(lossOnly.ValLoss);
        Assert.Throws<ArgumentException>(() => lossOnly.Add(new EpochLogs(1, 0.5)));

        string path = Path.Combine(Path.GetTempPath(), $"modelgen-{Guid.NewGuid():N}.csv");
        try
        {
            history.SaveCsv(path);
            Assert.Equal(history.ToCsv(), File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class FakeModel : IWeightsAccess
    {
        public float Value;
        public int Restores;

        public float[][] GetWeights() => new[] { new[] { Value } };

        public void SetWeights(float[][] weights)
        {
            Value = weights[0][0];
            Restores++;
        }
    }

    /// <summary>Runs the callback over per-epoch monitored values the way Fit does; returns the epochs run.</summary>
    private static int Run(EarlyStopping callback, FakeModel model, double[] values, bool validation = true, TextWriter? output = null)
    {
        callback.OnTrainBegin(new TrainingContext(model, values.Length, validation, HasAccuracy: true, output, 1));
        int epochs = 0;
        for (int e = 0; e < values.Length; e++)
        {
            model.Value = e;
            epochs++;
            var logs = validation ? new EpochLogs(values[e], 1 - values[e], values[e], 1 - values[e]) : new EpochLogs(values[e], 1 - values[e]);
            if (callback.OnEpochEnd(e, logs)) break;
        }

        callback.OnTrainEnd();
        return epochs;
    }

    [Fact]
    public void EarlyStoppingWaitsForPatienceEpochsWithoutImprovement()
    {
        var model = new FakeModel();
        // Keras counts the epoch itself: two epochs without improvement after the best one, then stop.
        Assert.Equal(4, Run(new EarlyStopping { Patience = 2 }, model, new[] { 1.0, 0.8, 0.9, 0.85, 0.81, 0.5 }));
        Assert.Equal(2, Run(new EarlyStopping(), model, new[] { 1.0, 1.1, 0.5 })); // patience 0: the first non-improvement stops
        Assert.Equal(4, Run(new EarlyStopping { Patience = 5 }, model, new[] { 1.0, 0.9, 0.8, 0.7 }));
        Assert.Equal(0, model.Restores);
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeightsAtTheEnd()
    {
        var model = new FakeModel();
        var callback = new EarlyStopping { Patience = 2, RestoreBestWeights = true, Verbose = 1 };
        var output = new StringWriter();
        Assert.Equal(4, Run(callback, model, new[] { 1.0, 0.5, 0.6, 0.7, 0.1 }, output: output));
        Assert.Equal(1, model.Value); // epoch 1 had the best val_loss
        Assert.Equal(1, callback.BestEpoch);
        Assert.Equal(3, callback.StoppedEpoch);
        Assert.Equal("Epoch 4: early stopping\nRestoring model weights from the end of the best epoch: 2.\n", output.ToString().Replace("\r\n", "\n"));

        // Keras 3 restores even when training ran to the end.
        model = new FakeModel();
        Run(new EarlyStopping { Patience = 10, RestoreBestWeights = true }, model, new[] { 1.0, 0.2, 0.6 });
        Assert.Equal(1, model.Value);
    }

    [Fact]
    public void EarlyStoppingMinDeltaAndMode()
    {
        var model = new FakeModel();
        // Improvements smaller than min_delta do not count.
        Assert.Equal(3, Run(new EarlyStopping { Patience = 2, MinDelta = 0.1 }, model, new[] { 1.0, 0.95, 0.92, 0.5 }));
        Assert.Equal(4, Run(new EarlyStopping { Patience = 2, MinDelta = 0.01 }, model, new[] { 1.0, 0.95, 0.99, 0.98, 0.5 }));
        // Accuracy goes up in auto mode.
        var accuracy = new EarlyStopping { Monitor = "val_accuracy", Patience = 1 };
        Assert.Equal(3, Run(accuracy, model, new[] { 0.9, 0.8, 0.85, 0.95, 0.99 }));
        Assert.Equal(1 - 0.8, accuracy.Best, 12);
        // Explicit max mode on a loss.
        Assert.Equal(2, Run(new EarlyStopping { Mode = EarlyStoppingMode.Max }, model, new[] { 1.0, 0.5, 2.0 }));
    }

    [Fact]
    public void EarlyStoppingFallsBackToTheTrainingLossWithoutValidationData()
    {
        var output = new StringWriter();
        var callback = new EarlyStopping { Patience = 0 };
        Assert.Equal(3, Run(callback, new FakeModel(), new[] { 1.0, 0.5, 0.7, 0.1 }, validation: false, output: output));
        Assert.Equal("loss", callback.MonitoredMetric);
        Assert.Contains("Early stopping conditioned on metric `val_loss` which is not available. Available metrics are: loss,accuracy.", output.ToString());
    }

    [Fact]
    public void FitOptionsDefaultsAndValidation()
    {
        var options = new FitOptions();
        Assert.Equal((1, 32, true, 0, 0.0, 1), (options.Epochs, options.BatchSize, options.Shuffle, options.Seed, options.ValidationSplit, options.Verbose));
        Assert.Null(options.ValidationData);
        Assert.Empty(options.Callbacks);
        Assert.Same(Console.Out, options.EffectiveOutput);
        options.Validate();

        Assert.Contains("Epochs must be at least 1 (got 0)", Assert.Throws<ArgumentException>(() => new FitOptions { Epochs = 0 }.Validate()).Message);
        Assert.Contains("BatchSize", Assert.Throws<ArgumentException>(() => new FitOptions { BatchSize = 0 }.Validate()).Message);
        Assert.Contains("ValidationSplit must be in [0, 1) (got 1)", Assert.Throws<ArgumentException>(() => new FitOptions { ValidationSplit = 1 }.Validate()).Message);
        Assert.Contains("Verbose", Assert.Throws<ArgumentException>(() => new FitOptions { Verbose = 3 }.Validate()).Message);
        Assert.Contains("Callbacks[0] is null", Assert.Throws<ArgumentException>(() => new FitOptions { Callbacks = new List<Callback> { null! } }.Validate()).Message);
    }

    [Fact]
    public void ValidationSplitTakesTheLastRowsLikeKeras()
    {
        Assert.Equal(80, new FitOptions { ValidationSplit = 0.2 }.TrainingRowCount(100));
        Assert.Equal(7, new FitOptions { ValidationSplit = 0.25 }.TrainingRowCount(10)); // floor(10 * 0.75)
        Assert.Equal(10, new FitOptions().TrainingRowCount(10));
        Assert.Equal(10, new FitOptions { ValidationSplit = 0.5, ValidationData = (new float[2], new float[1]) }.TrainingRowCount(10));
        Assert.Contains("not enough to split", Assert.Throws<ArgumentException>(() => new FitOptions { ValidationSplit = 0.5 }.TrainingRowCount(1)).Message);
    }

    [Fact]
    public void EvaluationResultAndNonFiniteLoss()
    {
        Assert.False(new EvaluationResult(0.5, double.NaN).HasAccuracy);
        Assert.True(new EvaluationResult(0.5, 0.75).HasAccuracy);
        var ex = Assert.Throws<TrainingStoppedException>(() => TrainingStoppedException.ThrowIfNotFinite(float.NaN, 3, 7));
        Assert.StartsWith("Training stopped: the loss became NaN at epoch 3, batch 7.", ex.Message);
        Assert.Equal((3, 7), (ex.Epoch, ex.Batch));
        Assert.IsAssignableFrom<InvalidOperationException>(ex);
        TrainingStoppedException.ThrowIfNotFinite(0.5f, 1, 1);
    }
}
