using System;

namespace ModelGen.Benchmarks;

/// <summary>One implementation of a benchmark model, bound to one batch of data; what every benchmark measures.</summary>
public interface INet : IDisposable
{
    /// <summary>Binds the inputs ([batch, InputSize]) and labels (ModelGen's layout) that <see cref="TrainStep"/> and
    /// <see cref="Predict"/> use; sets training or inference mode and prepares whatever the implementation keeps per batch.</summary>
    void Bind(float[] x, float[] labels, int batch, bool training);

    /// <summary>One optimizer step on the bound batch in training mode; returns the loss.</summary>
    float TrainStep();

    /// <summary>Inference-mode outputs of the bound inputs into <see cref="Output"/>.</summary>
    void Predict();

    /// <summary>The outputs of the last <see cref="Predict"/>, [batch, OutputSize].</summary>
    float[] Output { get; }
}

/// <summary>The generated class, called as a user calls it: <c>TrainOnBatch(x, y)</c> and <c>Predict(x, y)</c>, with its
/// <c>MaxDegreeOfParallelism</c> set to <paramref name="threads"/>.</summary>
public sealed class ModelGenNet : INet
{
    private float[] _x = [];
    private float[] _labels = [];

    public ModelGenNet(ITrainableModel model, int threads)
    {
        Model = model;
        // Every generated class has the property (SPEC §3); the interfaces do not name it.
        model.GetType().GetProperty("MaxDegreeOfParallelism")!.SetValue(model, threads);
    }

    public ITrainableModel Model { get; }

    public float[] Output { get; private set; } = [];

    public void Bind(float[] x, float[] labels, int batch, bool training)
    {
        _x = x;
        _labels = labels;
        Output = new float[batch * Model.OutputSize];
    }

    public float TrainStep() => Model.TrainOnBatch(_x, _labels);

    public void Predict() => Model.Predict(_x, Output);

    public void Dispose()
    {
    }
}
