namespace ModelGen;

/// <summary>What <c>Evaluate</c> returns: the mean loss over the samples and the accuracy (Keras's <c>model.evaluate</c>).</summary>
/// <param name="Loss">The loss, averaged over the samples (batches weighted by their size).</param>
/// <param name="Accuracy">The fraction of samples predicted correctly; <see cref="double.NaN"/> when the model has no accuracy metric.</param>
public readonly record struct EvaluationResult(double Loss, double Accuracy)
{
    /// <summary>Whether <see cref="Accuracy"/> was measured.</summary>
    public bool HasAccuracy => !double.IsNaN(Accuracy);
}
