namespace ModelGen;

/// <summary>The metrics of one finished epoch, as Keras passes them to callbacks (<c>logs</c>). Unmeasured values are null.</summary>
/// <param name="Loss">The training loss (mean over the epoch's samples).</param>
/// <param name="Accuracy">The training accuracy, if the model measures accuracy.</param>
/// <param name="ValLoss">The validation loss, if there is validation data.</param>
/// <param name="ValAccuracy">The validation accuracy, if there is validation data and the model measures accuracy.</param>
public readonly record struct EpochLogs(double Loss, double? Accuracy = null, double? ValLoss = null, double? ValAccuracy = null)
{
    /// <summary>Looks a metric up by its Keras name: <c>loss</c>, <c>accuracy</c> (or <c>acc</c>), <c>val_loss</c>, <c>val_accuracy</c> (or <c>val_acc</c>).</summary>
    /// <param name="name">The metric's name.</param>
    /// <param name="value">The value, when measured.</param>
    /// <returns>Whether the metric was measured this epoch.</returns>
    public bool TryGet(string name, out double value)
    {
        double? found = name switch
        {
            "loss" => Loss,
            "accuracy" or "acc" => Accuracy,
            "val_loss" => ValLoss,
            "val_accuracy" or "val_acc" => ValAccuracy,
            _ => null,
        };
        value = found ?? double.NaN;
        return found.HasValue;
    }

    /// <summary>The names of the measured metrics, comma-separated in Keras's order (as in Keras's warnings).</summary>
    /// <returns>For example <c>loss,accuracy,val_loss,val_accuracy</c>.</returns>
    public string AvailableNames()
    {
        string names = "loss";
        if (Accuracy.HasValue) names += ",accuracy";
        if (ValLoss.HasValue) names += ",val_loss";
        if (ValAccuracy.HasValue) names += ",val_accuracy";
        return names;
    }
}
