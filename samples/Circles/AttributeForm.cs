using ModelGen;

// The same three models as Models/*.model, written with attributes. Each class has the name of its .model twin
// (namespace Samples.Circles.AttributeForm instead of Samples.Circles): both front ends give the same model.
namespace Samples.Circles.AttributeForm;

/// <summary>The Keras BatchNormalization tutorial's baseline: an MLP on two circles, no batch normalization.</summary>
[Model]
[Input(2)]
[Dense(50, Activation = Activation.Relu, KernelInitializer = Initializer.HeUniform)]
[Dense(1, Activation = Activation.Sigmoid)]
[Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9, Metrics = "accuracy")]
public partial class NoBn;

/// <summary>The tutorial's model with batch normalization after the hidden layer's activation.</summary>
[Model]
[Input(2)]
[Dense(50, Activation = Activation.Relu, KernelInitializer = Initializer.HeUniform)]
[BatchNormalization]
[Dense(1, Activation = Activation.Sigmoid)]
[Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9, Metrics = "accuracy")]
public partial class BnAfterRelu;

/// <summary>The tutorial's model with batch normalization between the hidden layer and its activation
/// (with the tutorial's dense bias, which MG0008 points out).</summary>
[Model]
[Input(2)]
[Dense(50, KernelInitializer = Initializer.HeUniform)]
[BatchNormalization]
[Activation(Activation.Relu)]
[Dense(1, Activation = Activation.Sigmoid)]
[Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9, Metrics = "accuracy")]
public partial class BnBeforeRelu;
