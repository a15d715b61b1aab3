using System;
using System.Globalization;

namespace ModelGen;

/// <summary>Whether a monitored quantity should go down or up.</summary>
public enum EarlyStoppingMode
{
    /// <summary>Decided from the name: accuracy goes up, everything else (loss) goes down.</summary>
    Auto = 0,
    /// <summary>Lower is better.</summary>
    Min = 1,
    /// <summary>Higher is better.</summary>
    Max = 2,
}

/// <summary>
/// Stops training when a monitored metric has stopped improving, as Keras 3's <c>keras.callbacks.EarlyStopping</c>:
/// an epoch improves when it beats the best so far by more than <see cref="MinDelta"/>; after <see cref="Patience"/>
/// epochs without improvement (and never after the first epoch) training stops. With <see cref="RestoreBestWeights"/>,
/// the weights of the best epoch are put back when training ends. When <see cref="Monitor"/> is a validation metric but
/// the fit has no validation data, it falls back to the training metric with a warning.
/// </summary>
public sealed class EarlyStopping : Callback
{
    private TrainingContext? _context;
    private string _monitor = "val_loss";
    private bool _lowerIsBetter = true;
    private float[][]? _bestWeights;

    /// <summary>The metric to watch: <c>val_loss</c> (default), <c>loss</c>, <c>val_accuracy</c>, <c>accuracy</c>.</summary>
    public string Monitor { get; init; } = "val_loss";

    /// <summary>The smallest change that counts as an improvement (its absolute value is used); default 0.</summary>
    public double MinDelta { get; init; }

    /// <summary>Epochs without improvement before stopping; default 0.</summary>
    public int Patience { get; init; }

    /// <summary>Whether the monitored quantity should decrease or increase; default <see cref="EarlyStoppingMode.Auto"/>.</summary>
    public EarlyStoppingMode Mode { get; init; }

    /// <summary>Put back the weights of the best epoch when training ends; default false.</summary>
    public bool RestoreBestWeights { get; init; }

    /// <summary>Ignore the first epochs (0 by default), as Keras's <c>start_from_epoch</c>.</summary>
    public int StartFromEpoch { get; init; }

    /// <summary>0: silent; 1: print when stopping and restoring (Keras's messages).</summary>
    public int Verbose { get; init; }

    /// <summary>The 0-based epoch at which training was stopped, or 0 when it was not.</summary>
    public int StoppedEpoch { get; private set; }

    /// <summary>The 0-based epoch with the best monitored value.</summary>
    public int BestEpoch { get; private set; }

    /// <summary>The best monitored value seen (±∞ before the first epoch).</summary>
    public double Best { get; private set; }

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <summary>The metric actually monitored in the current run (after any fallback).</summary>
    public string MonitoredMetric => _monitor;

    /// <inheritdoc/>
    public override void OnTrainBegin(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Patience < 0)
        {
            throw new ArgumentException($"EarlyStopping.Patience must not be negative (got {Patience}).", nameof(context));
        }

        _context = context;
        Wait = 0;
        StoppedEpoch = 0;
        BestEpoch = 0;
        _bestWeights = null;
        _monitor = Monitor;
        if (_monitor.StartsWith("val_", StringComparison.Ordinal) && !context.HasValidation)
        {
            string fallback = _monitor.Substring(4);
            string available = context.HasAccuracy ? "loss,accuracy" : "loss";
            context.Output?.WriteLine(
                $"Warning: Early stopping conditioned on metric `{_monitor}` which is not available. Available metrics are: {available}. " +
                $"Monitoring `{fallback}` instead (the fit has no validation data).");
            _monitor = fallback;
        }

        _lowerIsBetter = Mode switch
        {
            EarlyStoppingMode.Min => true,
            EarlyStoppingMode.Max => false,
            _ => !(_monitor.EndsWith("accuracy", StringComparison.Ordinal) || _monitor.EndsWith("acc", StringComparison.Ordinal)),
        };
        Best = _lowerIsBetter ? double.PositiveInfinity : double.NegativeInfinity;
    }

    /// <inheritdoc/>
    public override bool OnEpochEnd(int epoch, EpochLogs logs)
    {
        TrainingContext context = _context ?? throw new InvalidOperationException("EarlyStopping.OnTrainBegin was not called.");
        if (!logs.TryGet(_monitor, out double current))
        {
            context.Output?.WriteLine(
                $"Warning: Early stopping conditioned on metric `{_monitor}` which is not available. Available metrics are: {logs.AvailableNames()}");
            return false;
        }

        if (epoch < StartFromEpoch)
        {
            return false;
        }

        if (RestoreBestWeights && _bestWeights is null)
        {
            _bestWeights = context.Model.GetWeights();
            BestEpoch = epoch;
        }

        Wait++;
        if (IsImprovement(current, Best))
        {
            Best = current;
            BestEpoch = epoch;
            if (RestoreBestWeights)
            {
                _bestWeights = context.Model.GetWeights();
            }

            Wait = 0;
            return false;
        }

        if (Wait >= Patience && epoch > 0)
        {
            StoppedEpoch = epoch;
            return true;
        }

        return false;
    }

    /// <inheritdoc/>
    public override void OnTrainEnd()
    {
        TrainingContext? context = _context;
        if (context is null)
        {
            return;
        }

        if (StoppedEpoch > 0 && Verbose > 0)
        {
            context.Output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Epoch {StoppedEpoch + 1}: early stopping"));
        }

        if (RestoreBestWeights && _bestWeights is not null)
        {
            if (Verbose > 0)
            {
                context.Output?.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Restoring model weights from the end of the best epoch: {BestEpoch + 1}."));
            }

            context.Model.SetWeights(_bestWeights);
        }

        _bestWeights = null;
    }

    private bool IsImprovement(double current, double reference)
    {
        double delta = Math.Abs(MinDelta);
        return _lowerIsBetter ? current + delta < reference : current - delta > reference;
    }
}
