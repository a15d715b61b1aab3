namespace ModelGen.Generator.Description;

// The generator's own copies of the runtime's public enums (ModelGen.Activation, ...). The numeric values are the
// contract with the runtime: the attribute front end reads enum arguments as integers. A test checks they agree.

internal enum ActivationKind
{
    Linear = 0,
    Relu = 1,
    Tanh = 2,
    Sigmoid = 3,
    Softmax = 4,
    Elu = 5,
    LeakyRelu = 6,
    Gelu = 7,
    Swish = 8,
    Selu = 9,
    Softplus = 10,

    /// <summary>Keras 3's <c>relu6(x + 3) / 6</c>.</summary>
    HardSigmoid = 11,

    /// <summary>Keras 2's <c>clip(0.2x + 0.5, 0, 1)</c>.</summary>
    HardSigmoidKeras2 = 12,
}

internal enum InitializerKind
{
    Zeros = 0,
    Ones = 1,
    Uniform = 2,
    GlorotUniform = 3,
    GlorotNormal = 4,
    HeUniform = 5,
    HeNormal = 6,
    LecunUniform = 7,
    LecunNormal = 8,

    /// <summary>Keras's orthogonal (gain 1): kernels only; lstm's recurrent kernel by default.</summary>
    Orthogonal = 9,
}

internal enum LossKind
{
    BinaryCrossentropy = 0,
    CategoricalCrossentropy = 1,
    SparseCategoricalCrossentropy = 2,
    MeanSquaredError = 3,
}

internal enum OptimizerKind
{
    Sgd = 0,
    Adam = 1,
}

internal enum PaddingKind
{
    Valid = 0,
    Same = 1,
}

internal enum LayerKind
{
    Dense,
    BatchNormalization,
    Activation,
    Dropout,
    Conv2D,
    MaxPooling2D,
    Flatten,
    Lstm,
    Conv1D,
    Gru,
    AveragePooling2D,
    MaxPooling1D,
    AveragePooling1D,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
}

/// <summary>Which front end described a model.</summary>
internal enum ModelOrigin
{
    ModelFile,
    Attributes,
}
