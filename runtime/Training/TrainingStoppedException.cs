using System;
using System.Globalization;

namespace ModelGen;

/// <summary>
/// Thrown by <c>Fit</c> when the loss of a batch is NaN or infinite (Keras's <c>TerminateOnNaN</c>, as an error):
/// the weights are no longer usable. The message names the epoch and batch (both 1-based, as the progress bar shows them).
/// </summary>
public sealed class TrainingStoppedException : InvalidOperationException
{
    /// <summary>Creates the exception for a non-finite loss.</summary>
    /// <param name="epoch">The 1-based epoch.</param>
    /// <param name="batch">The 1-based batch within the epoch.</param>
    /// <param name="loss">The loss that was not finite.</param>
    public TrainingStoppedException(int epoch, int batch, double loss)
        : base(string.Create(CultureInfo.InvariantCulture,
            $"Training stopped: the loss became {Describe(loss)} at epoch {epoch}, batch {batch}. {Advice}"))
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
    }

    /// <summary>The 1-based epoch in which the loss stopped being finite.</summary>
    public int Epoch { get; }

    /// <summary>The 1-based batch within <see cref="Epoch"/>.</summary>
    public int Batch { get; }

    /// <summary>The offending loss (NaN or ±∞).</summary>
    public double Loss { get; }

    /// <summary>Throws when <paramref name="loss"/> is NaN or infinite; for generated code after each batch.</summary>
    /// <param name="loss">The batch loss.</param>
    /// <param name="epoch">The 1-based epoch.</param>
    /// <param name="batch">The 1-based batch.</param>
    /// <exception cref="TrainingStoppedException">The loss is not finite.</exception>
    public static void ThrowIfNotFinite(float loss, int epoch, int batch)
    {
        if (!float.IsFinite(loss))
        {
            throw new TrainingStoppedException(epoch, batch, loss);
        }
    }

    private const string Advice = "Lower the learning rate, scale the inputs, or check the data for NaN or infinite values.";

    private static string Describe(double loss) => double.IsNaN(loss) ? "NaN" : loss > 0 ? "+infinity" : "-infinity";
}
