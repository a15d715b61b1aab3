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

/// <summary>The generated class, called as a user calls it: <c>TrainOnBatch(x, y)</c> and <c>Predict(x, y)</c>.</summary>
public sealed class ModelGenNet(ITrainableModel model) : INet
{
    private float[] _x = [];
    private float[] _labels = [];

    public ITrainableModel Model { get; } = model;

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
