namespace ModelGen;

// The numeric values of these enums are part of the contract between this library and the generator,
// which reads them from attribute arguments as integers. Never renumber; only append.

/// <summary>An activation function, named as in Keras (<c>keras.activations</c>).</summary>
public enum Activation
{
    /// <summary>Identity: <c>f(x) = x</c> (Keras's default for <c>Dense</c>).</summary>
    Linear = 0,
    /// <summary><c>max(0, x)</c>.</summary>
    Relu = 1,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh = 2,
    /// <summary><c>1 / (1 + exp(-x))</c>.</summary>
    Sigmoid = 3,
    /// <summary>Softmax over the last axis.</summary>
    Softmax = 4,
    /// <summary><c>x</c> for <c>x &gt; 0</c>, else <c>exp(x) - 1</c>.</summary>
    Elu = 5,
    /// <summary><c>x</c> for <c>x &gt; 0</c>, else <c>0.2 x</c> (Keras 3's default negative slope).</summary>
    LeakyRelu = 6,
    /// <summary>Gaussian error linear unit (the exact, erf-based form).</summary>
    Gelu = 7,
    /// <summary><c>x * sigmoid(x)</c>.</summary>
    Swish = 8,
    /// <summary>Scaled ELU: <c>1.0507 x</c> for <c>x &gt; 0</c>, else <c>1.0507 · 1.67326 (exp(x) - 1)</c>.</summary>
    Selu = 9,
    /// <summary><c>ln(1 + exp(x))</c>.</summary>
    Softplus = 10,
    /// <summary>Keras 3's hard sigmoid: <c>relu6(x + 3) / 6</c> = <c>clip(x / 6 + 0.5, 0, 1)</c>.</summary>
    HardSigmoid = 11,
    /// <summary>Keras 2's hard sigmoid (its LSTMs' default recurrent activation up to Keras 2.2):
    /// <c>clip(0.2 x + 0.5, 0, 1)</c>, a different function from Keras 3's <see cref="HardSigmoid"/>.</summary>
    HardSigmoidKeras2 = 12,
}

/// <summary>A weight initializer, named as in Keras (<c>keras.initializers</c>).</summary>
public enum Initializer
{
    /// <summary>All zeros.</summary>
    Zeros = 0,
    /// <summary>All ones.</summary>
    Ones = 1,
    /// <summary>Keras 1's <c>uniform</c>: U(-0.05, 0.05).</summary>
    Uniform = 2,
    /// <summary>U(-l, l) with <c>l = sqrt(6 / (fan_in + fan_out))</c>.</summary>
    GlorotUniform = 3,
    /// <summary>Truncated normal with <c>stddev = sqrt(2 / (fan_in + fan_out))</c>.</summary>
    GlorotNormal = 4,
    /// <summary>U(-l, l) with <c>l = sqrt(6 / fan_in)</c>.</summary>
    HeUniform = 5,
    /// <summary>Truncated normal with <c>stddev = sqrt(2 / fan_in)</c>.</summary>
    HeNormal = 6,
    /// <summary>U(-l, l) with <c>l = sqrt(3 / fan_in)</c>.</summary>
    LecunUniform = 7,
    /// <summary>Truncated normal with <c>stddev = sqrt(1 / fan_in)</c>.</summary>
    LecunNormal = 8,
    /// <summary>Keras's orthogonal (gain 1): the kernel read as a <c>[fan_in, rest]</c> matrix gets orthonormal rows or
    /// columns; the default of an lstm's recurrent kernel. Kernels only (a bias is not a matrix).</summary>
    Orthogonal = 9,
}

/// <summary>A loss function, named as in Keras (<c>keras.losses</c>).</summary>
public enum Loss
{
    /// <summary>Binary cross-entropy on one sigmoid unit; labels <c>[batch, 1]</c> of 0 or 1.</summary>
    BinaryCrossentropy = 0,
    /// <summary>Categorical cross-entropy on a softmax; one-hot labels <c>[batch, classes]</c>.</summary>
    CategoricalCrossentropy = 1,
    /// <summary>Categorical cross-entropy on a softmax; labels <c>[batch]</c> of class indices.</summary>
    SparseCategoricalCrossentropy = 2,
    /// <summary>Mean squared error; labels <c>[batch, OutputSize]</c>.</summary>
    MeanSquaredError = 3,
}

/// <summary>An optimizer, named as in Keras (<c>keras.optimizers</c>).</summary>
public enum Optimizer
{
    /// <summary>Stochastic gradient descent with optional momentum, Nesterov momentum and decay.</summary>
    Sgd = 0,
    /// <summary>Adam (Kingma and Ba), as Keras implements it.</summary>
    Adam = 1,
}

/// <summary>Padding of a convolution or pooling window, as in Keras.</summary>
public enum Padding
{
    /// <summary>No padding: the window stays inside the input.</summary>
    Valid = 0,
    /// <summary>Zero padding so that the output has <c>ceil(input / stride)</c> positions.</summary>
    Same = 1,
}
