using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Text;

namespace ModelGen;

/// <summary>
/// The per-epoch metrics of a <c>Fit</c> (Keras's <c>History.history</c>). Lists of metrics that were not measured are empty.
/// </summary>
public sealed class History
{
    private readonly List<double> _loss = new();
    private readonly List<double> _accuracy = new();
    private readonly List<double> _valLoss = new();
    private readonly List<double> _valAccuracy = new();

    /// <summary>The training loss of every epoch.</summary>
    public IReadOnlyList<double> Loss => _loss;

    /// <summary>The training accuracy of every epoch (empty when the model has no accuracy metric).</summary>
    public IReadOnlyList<double> Accuracy => _accuracy;

    /// <summary>The validation loss of every epoch (empty without validation data).</summary>
    public IReadOnlyList<double> ValLoss => _valLoss;

    /// <summary>The validation accuracy of every epoch (empty without validation data or accuracy).</summary>
    public IReadOnlyList<double> ValAccuracy => _valAccuracy;

    /// <summary>The number of epochs run (fewer than requested after an early stop).</summary>
    public int Epochs => _loss.Count;

    /// <summary>Records one finished epoch; for generated code. Every epoch must measure the same metrics.</summary>
    /// <param name="logs">The epoch's metrics.</param>
    /// <exception cref="ArgumentException">The epoch measures different metrics than the earlier ones.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Add(EpochLogs logs)
    {
        if (_loss.Count > 0 &&
            (logs.Accuracy.HasValue != (_accuracy.Count > 0) ||
             logs.ValLoss.HasValue != (_valLoss.Count > 0) ||
             logs.ValAccuracy.HasValue != (_valAccuracy.Count > 0)))
        {
            throw new ArgumentException($"Epoch {_loss.Count} measures other metrics ({logs.AvailableNames()}) than the earlier epochs.", nameof(logs));
        }

        _loss.Add(logs.Loss);
        if (logs.Accuracy is double accuracy) _accuracy.Add(accuracy);
        if (logs.ValLoss is double valLoss) _valLoss.Add(valLoss);
        if (logs.ValAccuracy is double valAccuracy) _valAccuracy.Add(valAccuracy);
    }

    /// <summary>
    /// The history as CSV, as Keras's <c>CSVLogger</c> writes it: a header <c>epoch,loss,accuracy,val_loss,val_accuracy</c>
    /// with only the measured columns, then one line per epoch (epochs numbered from 0, as Keras does), numbers in the
    /// invariant culture's round-trip format, lines ending in <c>\n</c>.
    /// </summary>
    /// <returns>The CSV text.</returns>
    public string ToCsv()
    {
        var text = new StringBuilder("epoch,loss");
        if (_accuracy.Count > 0) text.Append(",accuracy");
        if (_valLoss.Count > 0) text.Append(",val_loss");
        if (_valAccuracy.Count > 0) text.Append(",val_accuracy");
        text.Append('\n');
        for (int e = 0; e < _loss.Count; e++)
        {
            text.Append(e.ToString(CultureInfo.InvariantCulture)).Append(',').Append(Format(_loss[e]));
            if (_accuracy.Count > 0) text.Append(',').Append(Format(_accuracy[e]));
            if (_valLoss.Count > 0) text.Append(',').Append(Format(_valLoss[e]));
            if (_valAccuracy.Count > 0) text.Append(',').Append(Format(_valAccuracy[e]));
            text.Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Writes <see cref="ToCsv"/> to a file (UTF-8, no byte-order mark).</summary>
    /// <param name="path">The file to create or overwrite.</param>
    public void SaveCsv(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        File.WriteAllText(path, ToCsv(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
