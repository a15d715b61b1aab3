using System.IO;

namespace ModelGen;

/// <summary>Read and replace a model's weights in Keras's <c>get_weights</c> order; implemented by every generated model.</summary>
public interface IWeightsAccess
{
    /// <summary>A copy of every weight tensor (trainable and non-trainable), in Keras's order.</summary>
    /// <returns>New arrays; changing them does not change the model.</returns>
    float[][] GetWeights();

    /// <summary>Replaces every weight tensor; checks every length first and changes nothing if any is wrong.</summary>
    /// <param name="weights">The tensors, in <see cref="GetWeights"/>'s order and lengths.</param>
    void SetWeights(float[][] weights);
}

/// <summary>What a <see cref="Callback"/> can see of the training run.</summary>
/// <param name="Model">The model being trained (to snapshot or restore its weights).</param>
/// <param name="Epochs">The number of epochs requested.</param>
/// <param name="HasValidation">Whether validation metrics are computed each epoch.</param>
/// <param name="HasAccuracy">Whether the model measures accuracy.</param>
/// <param name="Output">Where messages go (the fit's output), or null for none.</param>
/// <param name="Verbose">The fit's verbosity (0, 1 or 2).</param>
public sealed record TrainingContext(IWeightsAccess Model, int Epochs, bool HasValidation, bool HasAccuracy, TextWriter? Output, int Verbose);

/// <summary>A hook into <c>Fit</c>, as Keras's <c>keras.callbacks.Callback</c>. Override what you need.</summary>
public abstract class Callback
{
    /// <summary>Called once before the first epoch.</summary>
    /// <param name="context">The training run.</param>
    public virtual void OnTrainBegin(TrainingContext context)
    {
    }

    /// <summary>Called after every epoch, once its metrics (and validation metrics) are known.</summary>
    /// <param name="epoch">The 0-based epoch, as in Keras.</param>
    /// <param name="logs">The epoch's metrics.</param>
    /// <returns><see langword="true"/> to stop training after this epoch (Keras's <c>model.stop_training = True</c>).</returns>
    public virtual bool OnEpochEnd(int epoch, EpochLogs logs) => false;

    /// <summary>Called once after the last epoch (also after an early stop).</summary>
    public virtual void OnTrainEnd()
    {
    }
}
