using System;

namespace ModelGen.CompilerServices;

/// <summary>
/// The step <see cref="FitLoop"/> drives: one optimizer step on a batch with the number of samples it classified
/// correctly. Every generated model with <c>compile</c> implements it explicitly; it is plumbing between the generated
/// code and the runtime's Fit loop, not part of a model's API (use <see cref="ITrainableModel.TrainOnBatch"/>). For
/// generated code.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public interface ITrainingStep : ITrainableModel
{
    /// <summary>One optimizer step on a batch; returns the batch loss (computed before the step) and the number of
    /// samples the training-mode outputs classified correctly. A loss that is not finite is returned without the step.</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="y">The labels.</param>
    /// <param name="correct">Receives the number of correctly classified samples (0 without accuracy).</param>
    float TrainStep(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out int correct);
}
