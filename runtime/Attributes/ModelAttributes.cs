using System;

namespace ModelGen;

// Front end B of SPEC §2: a model is a partial class carrying [Model], then [Input], one attribute per layer
// (their order on the declaration is the layer order), then an optional [Compile]. The generator reads these
// attributes at compile time; they have no behaviour at run time. Property defaults below are Keras's and are
// repeated by the generator, which only sees the arguments a user wrote.

/// <summary>Marks a <see langword="partial"/> class as a model: ModelGen generates its training and inference code
/// from the <see cref="InputAttribute"/>, layer and <see cref="CompileAttribute"/> attributes stacked on it.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class ModelAttribute : Attribute
{
}

/// <summary>Base class of the attributes that add a layer (or the input) to a model.</summary>
public abstract class LayerAttribute : Attribute
{
    private protected LayerAttribute()
    {
    }
}

/// <summary>The input shape: features, <c>timesteps x features</c>, or <c>height x width x channels</c> (channels last).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : LayerAttribute
{
    /// <summary>A vector of <paramref name="features"/> values per sample.</summary>
    public InputAttribute(int features) => Shape = new[] { features };

    /// <summary>A sequence of <paramref name="timesteps"/> vectors of <paramref name="features"/> values.</summary>
    public InputAttribute(int timesteps, int features) => Shape = new[] { timesteps, features };

    /// <summary>An image of <paramref name="height"/> x <paramref name="width"/> pixels with <paramref name="channels"/> channels.</summary>
    public InputAttribute(int height, int width, int channels) => Shape = new[] { height, width, channels };

    /// <summary>The shape of one sample.</summary>
    public int[] Shape { get; }
}

/// <summary>Keras <c>Dense(units)</c>: <c>activation(x @ kernel + bias)</c>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DenseAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>dense</c>, <c>dense_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>A dense layer with <paramref name="units"/> outputs.</summary>
    public DenseAttribute(int units) => Units = units;

    /// <summary>Number of outputs.</summary>
    public int Units { get; }

    /// <summary>Activation applied to the output (default <see cref="ModelGen.Activation.Linear"/>).</summary>
    public Activation Activation { get; set; } = Activation.Linear;

    /// <summary>Whether the layer adds a bias (default <see langword="true"/>).</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>Initializer of the kernel (default <see cref="Initializer.GlorotUniform"/>).</summary>
    public Initializer KernelInitializer { get; set; } = Initializer.GlorotUniform;

    /// <summary>Initializer of the bias (default <see cref="Initializer.Zeros"/>).</summary>
    public Initializer BiasInitializer { get; set; } = Initializer.Zeros;
}

/// <summary>Keras <c>BatchNormalization()</c> over the last axis (features, or channels of an image).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class BatchNormalizationAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>dense</c>, <c>dense_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>Weight of the old value in the moving statistics (Keras: 0.99; PyTorch's 0.1 is 0.9 here).</summary>
    public double Momentum { get; set; } = CompilerServices.KerasDefaults.BatchNormalizationMomentum;

    /// <summary>Added to the variance before the square root (default 1e-3).</summary>
    public double Epsilon { get; set; } = CompilerServices.KerasDefaults.BatchNormalizationEpsilon;

    /// <summary>Whether to learn an offset <c>beta</c> (default <see langword="true"/>).</summary>
    public bool Center { get; set; } = true;

    /// <summary>Whether to learn a scale <c>gamma</c> (default <see langword="true"/>).</summary>
    public bool Scale { get; set; } = true;
}

/// <summary>Keras <c>Activation(name)</c>: applies an activation function on its own.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ActivationAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>dense</c>, <c>dense_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>An activation layer applying <paramref name="activation"/>.</summary>
    public ActivationAttribute(Activation activation) => Activation = activation;

    /// <summary>The activation function.</summary>
    public Activation Activation { get; }
}

/// <summary>Keras <c>Dropout(rate)</c>: inverted dropout in training, identity in inference.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class DropoutAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>dense</c>, <c>dense_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>A dropout layer that drops a fraction <paramref name="rate"/> (in [0, 1)) of its inputs in training.</summary>
    public DropoutAttribute(double rate) => Rate = rate;

    /// <summary>Fraction of the inputs to drop.</summary>
    public double Rate { get; }

    /// <summary>Seed of this layer's random stream; when not set, it is derived from the model's seed.</summary>
    public int Seed { get; set; }
}

/// <summary>Keras <c>Conv2D(filters)</c> on channels-last images.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv2DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>dense</c>, <c>dense_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>A 2-D convolution with <paramref name="filters"/> output channels.</summary>
    public Conv2DAttribute(int filters) => Filters = filters;

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    /// <summary>Size of a square kernel (default 3). <see cref="KernelHeight"/> and <see cref="KernelWidth"/> override it.</summary>
    public int KernelSize { get; set; } = 3;

    /// <summary>Kernel height, for a kernel that is not square.</summary>
    public int KernelHeight { get; set; }

    /// <summary>Kernel width, for a kernel that is not square.</summary>
    public int KernelWidth { get; set; }

    /// <summary>Step in both directions (default 1). <see cref="StrideHeight"/> and <see cref="StrideWidth"/> override it.</summary>
    public int Strides { get; set; } = 1;

    /// <summary>Vertical step.</summary>
    public int StrideHeight { get; set; }

    /// <summary>Horizontal step.</summary>
    public int StrideWidth { get; set; }

    /// <summary>Padding (default <see cref="Padding.Valid"/>).</summary>
    public Padding Padding { get; set; } = Padding.Valid;

    /// <summary>Activation applied to the output (default <see cref="ModelGen.Activation.Linear"/>).</summary>
    public Activation Activation { get; set; } = Activation.Linear;

    /// <summary>Whether the layer adds a bias (default <see langword="true"/>).</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>Initializer of the kernel (default <see cref="Initializer.GlorotUniform"/>).</summary>
    public Initializer KernelInitializer { get; set; } = Initializer.GlorotUniform;

    /// <summary>Initializer of the bias (default <see cref="Initializer.Zeros"/>).</summary>
    public Initializer BiasInitializer { get; set; } = Initializer.Zeros;
}

/// <summary>Keras <c>Conv1D(filters)</c> on sequences (timesteps x features, channels last).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class Conv1DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>conv1d</c>, <c>conv1d_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>A 1-D convolution over the timesteps with <paramref name="filters"/> output channels.</summary>
    public Conv1DAttribute(int filters) => Filters = filters;

    /// <summary>Number of output channels.</summary>
    public int Filters { get; }

    /// <summary>Length of the kernel in timesteps (default 3).</summary>
    public int KernelSize { get; set; } = 3;

    /// <summary>Step in timesteps (default 1).</summary>
    public int Strides { get; set; } = 1;

    /// <summary>Padding (default <see cref="Padding.Valid"/>).</summary>
    public Padding Padding { get; set; } = Padding.Valid;

    /// <summary>Activation applied to the output (default <see cref="ModelGen.Activation.Linear"/>).</summary>
    public Activation Activation { get; set; } = Activation.Linear;

    /// <summary>Whether the layer adds a bias (default <see langword="true"/>).</summary>
    public bool UseBias { get; set; } = true;

    /// <summary>Initializer of the kernel (default <see cref="Initializer.GlorotUniform"/>).</summary>
    public Initializer KernelInitializer { get; set; } = Initializer.GlorotUniform;

    /// <summary>Initializer of the bias (default <see cref="Initializer.Zeros"/>).</summary>
    public Initializer BiasInitializer { get; set; } = Initializer.Zeros;
}

/// <summary>Keras <c>MaxPooling2D(pool_size)</c> on channels-last images.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class MaxPooling2DAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>dense</c>, <c>dense_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>Max pooling over square windows of <paramref name="poolSize"/> pixels (default 2).</summary>
    public MaxPooling2DAttribute(int poolSize = 2) => PoolSize = poolSize;

    /// <summary>Size of a square window. <see cref="PoolHeight"/> and <see cref="PoolWidth"/> override it.</summary>
    public int PoolSize { get; }

    /// <summary>Window height, for a window that is not square.</summary>
    public int PoolHeight { get; set; }

    /// <summary>Window width, for a window that is not square.</summary>
    public int PoolWidth { get; set; }

    /// <summary>Step in both directions (default: the pool size).</summary>
    public int Strides { get; set; }

    /// <summary>Vertical step.</summary>
    public int StrideHeight { get; set; }

    /// <summary>Horizontal step.</summary>
    public int StrideWidth { get; set; }

    /// <summary>Padding (default <see cref="Padding.Valid"/>).</summary>
    public Padding Padding { get; set; } = Padding.Valid;
}

/// <summary>Keras <c>Flatten()</c>: an image or sequence becomes one vector per sample.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class FlattenAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>dense</c>, <c>dense_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

}

/// <summary>Keras <c>LSTM(units)</c> on <c>timesteps x features</c> sequences.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class LstmAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>dense</c>, <c>dense_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>An LSTM with <paramref name="units"/> units.</summary>
    public LstmAttribute(int units) => Units = units;

    /// <summary>Number of units.</summary>
    public int Units { get; }

    /// <summary>Activation of the cell and output (default <see cref="ModelGen.Activation.Tanh"/>).</summary>
    public Activation Activation { get; set; } = Activation.Tanh;

    /// <summary>Activation of the gates (default <see cref="ModelGen.Activation.Sigmoid"/>).</summary>
    public Activation RecurrentActivation { get; set; } = Activation.Sigmoid;

    /// <summary>Whether to return the whole sequence rather than the last output (default <see langword="false"/>).</summary>
    public bool ReturnSequences { get; set; }
}

/// <summary>Keras <c>GRU(units)</c> on <c>timesteps x features</c> sequences (gates z, r, h).</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class GruAttribute : LayerAttribute
{
    /// <summary>The layer's name (Keras's <c>name</c>): letters, digits and underscores; unique within the model. Default:
    /// Keras's automatic name (<c>gru</c>, <c>gru_1</c>, … counted per layer type).</summary>
    public string? Name { get; set; }

    /// <summary>A GRU with <paramref name="units"/> units.</summary>
    public GruAttribute(int units) => Units = units;

    /// <summary>Number of units.</summary>
    public int Units { get; }

    /// <summary>Activation of the candidate state (default <see cref="ModelGen.Activation.Tanh"/>).</summary>
    public Activation Activation { get; set; } = Activation.Tanh;

    /// <summary>Activation of the update and reset gates (default <see cref="ModelGen.Activation.Sigmoid"/>).</summary>
    public Activation RecurrentActivation { get; set; } = Activation.Sigmoid;

    /// <summary>Whether to return the whole sequence rather than the last output (default <see langword="false"/>).</summary>
    public bool ReturnSequences { get; set; }

    /// <summary>Keras's <c>reset_after</c> (default <see langword="true"/>, Keras 2.x/3's): the reset gate multiplies the
    /// recurrent product, and the bias is <c>[2, 3 · units]</c> (input and recurrent biases).</summary>
    public bool ResetAfter { get; set; } = true;
}

/// <summary>Keras <c>model.compile(...)</c>: the loss and optimizer that training uses. Without it the model only predicts.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class CompileAttribute : Attribute
{
    /// <summary>Train with <paramref name="loss"/>.</summary>
    public CompileAttribute(Loss loss) => Loss = loss;

    /// <summary>The loss function.</summary>
    public Loss Loss { get; }

    /// <summary>The optimizer (default <see cref="ModelGen.Optimizer.Sgd"/>).</summary>
    public Optimizer Optimizer { get; set; } = Optimizer.Sgd;

    /// <summary>Learning rate (Keras's default: 0.01 for SGD, 0.001 for Adam).</summary>
    public double LearningRate { get; set; }

    /// <summary>SGD momentum (default 0).</summary>
    public double Momentum { get; set; }

    /// <summary>Nesterov momentum for SGD (default <see langword="false"/>).</summary>
    public bool Nesterov { get; set; }

    /// <summary>Keras 2's learning-rate decay: <c>lr / (1 + decay * iterations)</c> (default 0).</summary>
    public double Decay { get; set; }

    /// <summary>Adam's first-moment decay (default 0.9).</summary>
    public double Beta1 { get; set; } = CompilerServices.KerasDefaults.AdamBeta1;

    /// <summary>Adam's second-moment decay (default 0.999).</summary>
    public double Beta2 { get; set; } = CompilerServices.KerasDefaults.AdamBeta2;

    /// <summary>Adam's epsilon (default 1e-7).</summary>
    public double Epsilon { get; set; } = CompilerServices.KerasDefaults.AdamEpsilon;

    /// <summary>Metrics to report besides the loss: <c>"accuracy"</c> (the default) or <c>""</c>.</summary>
    public string Metrics { get; set; } = "accuracy";

    /// <summary>The batch size that buffers are planned for (default 32); larger batches still work.</summary>
    public int BatchSize { get; set; } = 32;
}
