namespace ModelGen;

/// <summary>What every generated model class exposes, whatever its layers; lets tools handle models generically.</summary>
public interface IModel
{
    /// <summary>Values per input sample (the product of the input shape).</summary>
    int InputSize { get; }

    /// <summary>Values per output sample.</summary>
    int OutputSize { get; }

    /// <summary>The Keras-like summary table of the model.</summary>
    string Summary { get; }
}
