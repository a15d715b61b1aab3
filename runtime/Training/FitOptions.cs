using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

namespace ModelGen;

/// <summary>The arguments of <c>Fit</c>, named and defaulted as Keras's <c>model.fit</c>.</summary>
public sealed class FitOptions
{
    /// <summary>Passes over the training data; default 1.</summary>
    public int Epochs { get; set; } = 1;

    /// <summary>Samples per optimizer step; default 32. The last batch of an epoch may be smaller.</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Shuffle the training rows before each epoch (seeded by <see cref="Seed"/>); default true.</summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>Seed of the shuffling (and of dropout masks); default 0. The same seed gives the same run.</summary>
    public int Seed { get; set; }

    /// <summary>
    /// Fraction of the rows held out for validation, in [0, 1); default 0. As in Keras, the LAST rows are held out,
    /// before any shuffling. Ignored when <see cref="ValidationData"/> is set (Keras: validation data overrides the split).
    /// </summary>
    public double ValidationSplit { get; set; }

    /// <summary>Separate validation data <c>(X, Y)</c> evaluated after each epoch, or null.</summary>
    public (float[] X, float[] Y)? ValidationData { get; set; }

    /// <summary>0: silent; 1: a progress bar per epoch (default); 2: one line per epoch.</summary>
    public int Verbose { get; set; } = 1;

    /// <summary>Callbacks such as <see cref="EarlyStopping"/>, called in order.</summary>
    public IList<Callback> Callbacks { get; set; } = new List<Callback>();

    /// <summary>Where progress goes; null (the default) means <see cref="Console.Out"/>.</summary>
    public TextWriter? Output { get; set; }

    /// <summary><see cref="Output"/>, or <see cref="Console.Out"/> when it is null.</summary>
    public TextWriter EffectiveOutput => Output ?? Console.Out;

    /// <summary>Checks every option, throwing an <see cref="ArgumentException"/> that names the bad one.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public void Validate()
    {
        if (Epochs < 1)
        {
            throw new ArgumentException($"FitOptions.Epochs must be at least 1 (got {Epochs}).", nameof(Epochs));
        }

        if (BatchSize < 1)
        {
            throw new ArgumentException($"FitOptions.BatchSize must be at least 1 (got {BatchSize}).", nameof(BatchSize));
        }

        if (!(ValidationSplit >= 0 && ValidationSplit < 1))
        {
            throw new ArgumentException(
                $"FitOptions.ValidationSplit must be in [0, 1) (got {ValidationSplit.ToString(CultureInfo.InvariantCulture)}).", nameof(ValidationSplit));
        }

        if (Verbose is < 0 or > 2)
        {
            throw new ArgumentException($"FitOptions.Verbose must be 0 (silent), 1 (progress bar) or 2 (one line per epoch) (got {Verbose}).", nameof(Verbose));
        }

        if (ValidationData is (float[] x, float[] y) && (x is null || y is null))
        {
            throw new ArgumentException("FitOptions.ValidationData needs both X and Y.", nameof(ValidationData));
        }

        if (Callbacks is null)
        {
            throw new ArgumentException("FitOptions.Callbacks must not be null (leave it empty instead).", nameof(Callbacks));
        }

        for (int i = 0; i < Callbacks.Count; i++)
        {
            if (Callbacks[i] is null)
            {
                throw new ArgumentException($"FitOptions.Callbacks[{i}] is null.", nameof(Callbacks));
            }
        }
    }

    /// <summary>
    /// How many of <paramref name="rows"/> rows train when <see cref="ValidationSplit"/> applies: Keras's
    /// <c>floor(rows · (1 - split))</c>; the rest, at the end, validate.
    /// </summary>
    /// <param name="rows">The number of rows passed to Fit.</param>
    /// <returns>The number of training rows (all of them without a split or with <see cref="ValidationData"/>).</returns>
    /// <exception cref="ArgumentException">The split leaves no training or no validation rows.</exception>
    public int TrainingRowCount(int rows)
    {
        if (ValidationSplit == 0 || ValidationData is not null)
        {
            return rows;
        }

        int training = (int)Math.Floor(rows * (1.0 - ValidationSplit));
        if (training == 0 || training == rows)
        {
            throw new ArgumentException(
                $"The training data has {rows} samples, which is not enough to split it into a training and a validation set " +
                $"with ValidationSplit = {ValidationSplit.ToString(CultureInfo.InvariantCulture)}. Provide more data or another ValidationSplit.",
                nameof(ValidationSplit));
        }

        return training;
    }
}
