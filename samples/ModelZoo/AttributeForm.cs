using ModelGen;

// The same models as Models/*.model, written with attributes. Each class has the name of its .model twin
// (namespace Samples.ModelZoo.AttributeForm instead of Samples.ModelZoo): both front ends give the same model.
namespace Samples.ModelZoo.AttributeForm;

/// <summary>A tanh MLP with batch normalization before each activation and dropout after it; the last batch
/// normalization sits right before the output softmax.</summary>
[Model]
[Input(14)]
[Dense(64)]
[BatchNormalization]
[Activation(Activation.Tanh)]
[Dropout(0.2)]
[Dense(64)]
[BatchNormalization]
[Activation(Activation.Tanh)]
[Dropout(0.2)]
[Dense(2)]
[BatchNormalization]
[Activation(Activation.Softmax)]
[Compile(Loss.CategoricalCrossentropy, Optimizer = Optimizer.Adam, Metrics = "accuracy")]
public partial class TanhDropoutMlp;

/// <summary>A small CNN for 8x8 grey-level digits (channels last), batch normalization before each ReLU.</summary>
[Model]
[Input(8, 8, 1)]
[Conv2D(16, KernelSize = 3, Padding = Padding.Same)]
[BatchNormalization]
[Activation(Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(32, KernelSize = 3, Padding = Padding.Same)]
[BatchNormalization]
[Activation(Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64)]
[BatchNormalization]
[Activation(Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
[Compile(Loss.SparseCategoricalCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9, Metrics = "accuracy")]
public partial class DigitsCnn;

/// <summary>An LSTM over 10 timesteps of 14 features, its last output batch-normalized, then one sigmoid unit.</summary>
[Model]
[Input(10, 14)]
[Lstm(32)]
[BatchNormalization]
[Dense(1, Activation = Activation.Sigmoid)]
[Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Adam, Metrics = "accuracy")]
public partial class SequenceClassifier;
