using System;
using System.IO;

namespace ModelGen;

/// <summary>What every generated model class with CPU kernels exposes: lets tools handle models generically.
/// Models defined without <c>compile</c> implement this; compiled ones implement <see cref="ITrainableModel"/>.</summary>
public interface IModel : IWeightsAccess
{
    /// <summary>Values per input sample (the product of the input shape).</summary>
    int InputSize { get; }

    /// <summary>Values per output sample.</summary>
    int OutputSize { get; }

    /// <summary>The Keras-like summary table of the model.</summary>
    string Summary { get; }

    /// <summary>The layers in order, with their names, Keras classes and weight tensors (what Keras's file formats are
    /// matched against).</summary>
    System.Collections.Generic.IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>Runs the model in inference mode on <c>[batch, InputSize]</c> inputs, writing <c>[batch, OutputSize]</c> outputs.</summary>
    /// <param name="x">The inputs, row-major.</param>
    /// <param name="y">Receives the outputs, row-major.</param>
    void Predict(ReadOnlySpan<float> x, Span<float> y);

    /// <summary>Writes the weights to a file (header, layout, values, checksum).</summary>
    /// <param name="path">The file to create or overwrite.</param>
    void SaveWeights(string path);

    /// <summary>Writes the weights to a stream.</summary>
    /// <param name="stream">The stream to write to.</param>
    void SaveWeights(Stream stream);

    /// <summary>Reads weights written by <see cref="SaveWeights(string)"/>; a file for another model or a damaged one changes nothing.</summary>
    /// <param name="path">The file to read.</param>
    void LoadWeights(string path);

    /// <summary>Reads weights from a stream.</summary>
    /// <param name="stream">The stream to read.</param>
    void LoadWeights(Stream stream);

    /// <summary>Writes the model's inference graph as an ONNX model (opset 13, float32 input <c>x</c> <c>[batch, InputSize]</c>,
    /// output <c>y</c> <c>[batch, OutputSize]</c>) that ONNX Runtime runs with the outputs of <see cref="Predict"/>.</summary>
    /// <param name="path">The <c>.onnx</c> file to create or overwrite.</param>
    void ExportOnnx(string path);

    /// <summary>Writes the model's inference graph as an ONNX model to a stream (see <see cref="ExportOnnx(string)"/>).</summary>
    /// <param name="stream">The stream to write to.</param>
    void ExportOnnx(Stream stream);
}

/// <summary>A generated model defined with <c>compile</c>: it trains as well as predicts.</summary>
public interface ITrainableModel : IModel
{
    /// <summary>Label values per sample: 1 for binary and sparse categorical labels, <see cref="IModel.OutputSize"/> otherwise.</summary>
    int LabelSize { get; }

    /// <summary>The optimizer's learning rate (Keras's <c>optimizer.learning_rate</c>), settable between steps.</summary>
    float LearningRate { get; set; }

    /// <summary>Whether the model measures accuracy (classification losses with <c>metrics=accuracy</c>).</summary>
    bool HasAccuracy { get; }

    /// <summary>One optimizer step on a batch; returns the batch loss.</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="y">The labels.</param>
    float TrainOnBatch(ReadOnlySpan<float> x, ReadOnlySpan<float> y);

    /// <summary>Loss and accuracy in inference mode.</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="y">The labels.</param>
    /// <param name="batchSize">Samples per inference batch.</param>
    EvaluationResult Evaluate(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int batchSize = 32);

    /// <summary>Trains the model as Keras's <c>fit</c> does.</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="y">The labels.</param>
    /// <param name="options">Epochs, batch size, validation, callbacks.</param>
    History Fit(ReadOnlySpan<float> x, ReadOnlySpan<float> y, FitOptions? options = null);
}
