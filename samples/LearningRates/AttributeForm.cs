using ModelGen;

// The same two models as Models/*.model, written with attributes. Each class has the name of its .model twin
// (namespace Samples.LearningRates.AttributeForm instead of Samples.LearningRates): both front ends give the same model.
namespace Samples.LearningRates.AttributeForm;

/// <summary>An MLP on the 8x8 digits without batch normalization: two hidden ReLU layers of 64, plain SGD.</summary>
[Model]
[Input(64)]
[Dense(64, Activation = Activation.Relu)]
[Dense(64, Activation = Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
[Compile(Loss.SparseCategoricalCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0, Metrics = "accuracy")]
public partial class PlainMlp;

/// <summary><see cref="PlainMlp"/> with batch normalization between each hidden Dense (without bias) and its ReLU.</summary>
[Model]
[Input(64)]
[Dense(64, UseBias = false)]
[BatchNormalization]
[Activation(Activation.Relu)]
[Dense(64, UseBias = false)]
[BatchNormalization]
[Activation(Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
[Compile(Loss.SparseCategoricalCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0, Metrics = "accuracy")]
public partial class BatchNormMlp;
