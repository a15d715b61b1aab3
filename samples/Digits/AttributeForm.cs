using ModelGen;

// The same four models as Models/*.model, written with attributes. Each class has the name of its .model twin
// (namespace Samples.Digits.AttributeForm instead of Samples.Digits): both front ends give the same model.
namespace Samples.Digits.AttributeForm;

/// <summary>The digits CNN without batch normalization: two conv2d + max pooling blocks and a hidden dense layer, all sigmoid.</summary>
[Model]
[Input(8, 8, 1)]
[Conv2D(16, KernelSize = 3, Padding = Padding.Same, Activation = Activation.Sigmoid)]
[MaxPooling2D(2)]
[Conv2D(32, KernelSize = 3, Padding = Padding.Same, Activation = Activation.Sigmoid)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, Activation = Activation.Sigmoid)]
[Dense(10, Activation = Activation.Softmax)]
[Compile(Loss.SparseCategoricalCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0, Metrics = "accuracy")]
public partial class PlainSigmoidCnn;

/// <summary><see cref="PlainSigmoidCnn"/> with batch normalization after every conv2d and the hidden dense layer, before the sigmoid.</summary>
[Model]
[Input(8, 8, 1)]
[Conv2D(16, KernelSize = 3, Padding = Padding.Same, UseBias = false)]
[BatchNormalization]
[Activation(Activation.Sigmoid)]
[MaxPooling2D(2)]
[Conv2D(32, KernelSize = 3, Padding = Padding.Same, UseBias = false)]
[BatchNormalization]
[Activation(Activation.Sigmoid)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, UseBias = false)]
[BatchNormalization]
[Activation(Activation.Sigmoid)]
[Dense(10, Activation = Activation.Softmax)]
[Compile(Loss.SparseCategoricalCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0, Metrics = "accuracy")]
public partial class BatchNormSigmoidCnn;

/// <summary>The digits CNN without batch normalization: two conv2d + max pooling blocks and a hidden dense layer, all relu.</summary>
[Model]
[Input(8, 8, 1)]
[Conv2D(16, KernelSize = 3, Padding = Padding.Same, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(32, KernelSize = 3, Padding = Padding.Same, Activation = Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, Activation = Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
[Compile(Loss.SparseCategoricalCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0, Metrics = "accuracy")]
public partial class PlainReluCnn;

/// <summary><see cref="PlainReluCnn"/> with batch normalization after every conv2d and the hidden dense layer, before the relu.</summary>
[Model]
[Input(8, 8, 1)]
[Conv2D(16, KernelSize = 3, Padding = Padding.Same, UseBias = false)]
[BatchNormalization]
[Activation(Activation.Relu)]
[MaxPooling2D(2)]
[Conv2D(32, KernelSize = 3, Padding = Padding.Same, UseBias = false)]
[BatchNormalization]
[Activation(Activation.Relu)]
[MaxPooling2D(2)]
[Flatten]
[Dense(64, UseBias = false)]
[BatchNormalization]
[Activation(Activation.Relu)]
[Dense(10, Activation = Activation.Softmax)]
[Compile(Loss.SparseCategoricalCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0, Metrics = "accuracy")]
public partial class BatchNormReluCnn;
