using System;
using ModelGen.CompilerServices;
using Xunit;

namespace ModelGen.Tests.Runtime;

/// <summary>Every hot-path kernel allocates nothing once warm.</summary>
public class AllocationTests
{
    private static void AssertNoAllocation(string what, Action action)
    {
        action();
        action();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            action();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{what} allocated {allocated} bytes.");
    }

    [Fact]
    public void KernelsDoNotAllocate()
    {
        const int rows = 32, inputs = 20, features = 50;
        float[] x = TestData.RandomFloats(rows * inputs, 1), w = TestData.RandomFloats(inputs * features, 2);
        float[] y = new float[rows * features], dy = TestData.RandomFloats(rows * features, 3), dx = new float[rows * inputs], dw = new float[w.Length];
        float[] gamma = new float[features], beta = new float[features], mm = new float[features], mv = new float[features];
        float[] mean = new float[features], inv = new float[features], xhat = new float[y.Length], dgamma = new float[features], dbeta = new float[features];
        float[] p = new float[rows], labels = new float[rows], grad = new float[rows];
        Array.Fill(gamma, 1f);
        Array.Fill(mv, 1f);
        Array.Fill(p, 0.3f);
        float[] velocity = new float[w.Length], m = new float[w.Length], v = new float[w.Length], mask = new float[y.Length];
        float[] softmax = new float[rows * 10], sparse = new float[rows];
        Array.Fill(softmax, 0.1f);
        var random = new ModelRandom(1);

        AssertNoAllocation("Gemm.Multiply", () => Gemm.Multiply(x, w, y, rows, inputs, features, false));
        AssertNoAllocation("Gemm.MultiplyTransposeA", () => Gemm.MultiplyTransposeA(x, dy, dw, inputs, rows, features, false));
        AssertNoAllocation("Gemm.MultiplyTransposeB", () => Gemm.MultiplyTransposeB(dy, w, dx, rows, features, inputs, false));
        foreach (Activation a in Enum.GetValues<Activation>())
        {
            AssertNoAllocation($"{a} forward", () => Activations.Forward(a, y, xhat, features));
            AssertNoAllocation($"{a} backward", () => Activations.Backward(a, y, xhat, dy, mask, features));
        }

        AssertNoAllocation("BN training", () => BatchNormalization.ForwardTraining(y, y, rows, features, gamma, beta, 1e-3f, 0.99f, mm, mv, mean, inv, xhat));
        AssertNoAllocation("BN backward", () => BatchNormalization.BackwardTraining(xhat, dy, xhat, rows, features, gamma, inv, dgamma, dbeta, false));
        AssertNoAllocation("BN backward from input", () => BatchNormalization.BackwardTrainingFromInput(y, mean, dy, xhat, rows, features, gamma, inv, dgamma, dbeta, true));
        AssertNoAllocation("BN inference", () => BatchNormalization.ForwardInference(y, xhat, rows, features, gamma, beta, mm, mv, 1e-3f));
        AssertNoAllocation("BN inference backward", () => BatchNormalization.BackwardInference(y, dy, xhat, rows, features, gamma, mm, mv, 1e-3f, dgamma, dbeta, false));
        AssertNoAllocation("BCE", () => Losses.BinaryCrossentropySigmoidGradient(p, labels, grad));
        float[] softmaxGrad = new float[softmax.Length];
        AssertNoAllocation("CCE", () => Losses.CategoricalCrossentropySoftmaxGradient(softmax, softmax, softmaxGrad, 10));
        AssertNoAllocation("sparse CCE", () => Losses.SparseCategoricalCrossentropy(softmax, sparse, default, 10));
        AssertNoAllocation("MSE", () => Losses.MeanSquaredError(p, labels, grad));
        AssertNoAllocation("accuracy", () => Metrics.BinaryCorrect(p, labels));
        AssertNoAllocation("SGD", () => Optimizers.Sgd(w, dw, velocity, 0.01f, 0.9f, true));
        AssertNoAllocation("Adam", () => Optimizers.Adam(w, dw, m, v, 0.001f, 0.9f, 0.999f, 1e-7f, 3));
        AssertNoAllocation("dropout", () =>
        {
            Dropout.GenerateMask(mask, 0.5f, ref random);
            Dropout.Forward(y, mask, y);
        });
    }
}
