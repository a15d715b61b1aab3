using ModelGen;

// The imported model (Models/CirclesKeras.model, written by `modelgen import`) written with attributes, as every sample
// model is: both front ends give the same model (tests/ModelGen.Tests/Generation/DescriptionEqualityTests.cs).
namespace KerasImport.AttributeForm;

/// <summary>The Keras circles model of Data/circles_keras.h5: Dense(16, relu) → BatchNormalization → Dense(1, sigmoid),
/// with Keras's layer names.</summary>
[Model]
[Input(2)]
[Dense(16, Activation = Activation.Relu, KernelInitializer = Initializer.HeUniform, Name = "dense")]
[BatchNormalization(Name = "batch_normalization")]
[Dense(1, Activation = Activation.Sigmoid, Name = "dense_1")]
[Compile(Loss.BinaryCrossentropy, Optimizer = Optimizer.Sgd, LearningRate = 0.01, Momentum = 0.9, Metrics = "accuracy")]
public partial class CirclesKeras;
