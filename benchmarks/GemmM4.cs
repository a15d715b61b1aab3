using System;
using BenchmarkDotNet.Attributes;
using ModelGen.CompilerServices;

namespace ModelGen.Benchmarks;

/// <summary>
/// Where M4's training time goes: the runtime's GEMM kernels that a generated M4 calls (ModelGen.CompilerServices.Gemm), alone,
/// at M4's shapes for a batch of 128 — the forward product, the weight gradient (Aᵀ·B) and the input gradient (A·Bᵀ) of
/// the first and second Dense. Reported as GFLOP/s (2·m·k·n per call) against the measured FP32 peak (FmaPeak).
/// The fused training forward (FusedDense) adds an epilogue to the forward product; these are the bare products.
/// </summary>
public class GemmM4
{
    public const int Batch = 128;

    private float[] _x = [], _w1 = [], _w2 = [], _h = [], _dh = [], _dw1 = [], _dw2 = [], _dx = [];

    /// <summary>(m, k, n) of each method's product.</summary>
    public static (int M, int K, int N) Shape(string method) => method switch
    {
        nameof(Layer1Forward) => (Batch, 784, 512),
        nameof(Layer1WeightGradient) => (784, Batch, 512),
        nameof(Layer2Forward) => (Batch, 512, 512),
        nameof(Layer2WeightGradient) => (512, Batch, 512),
        nameof(Layer2InputGradient) => (Batch, 512, 512),
        _ => throw new ArgumentException(method, nameof(method)),
    };

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        var random = new Random(5);
        float[] Fill(int length)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = (float)(random.NextDouble() - 0.5);
            }

            return values;
        }

        _x = Fill(Batch * 784);
        _w1 = Fill(784 * 512);
        _w2 = Fill(512 * 512);
        _h = Fill(Batch * 512);
        _dh = Fill(Batch * 512);
        _dw1 = new float[784 * 512];
        _dw2 = new float[512 * 512];
        _dx = new float[Batch * 512];
    }

    /// <summary>H[128, 512] = X[128, 784] · W1[784, 512].</summary>
    [Benchmark]
    public void Layer1Forward() => Gemm.Multiply(_x, _w1, _h, Batch, 784, 512, accumulate: false);

    /// <summary>dW1[784, 512] = Xᵀ · dH.</summary>
    [Benchmark]
    public void Layer1WeightGradient() => Gemm.MultiplyTransposeA(_x, _dh, _dw1, 784, Batch, 512, accumulate: false);

    /// <summary>H2[128, 512] = H[128, 512] · W2[512, 512].</summary>
    [Benchmark]
    public void Layer2Forward() => Gemm.Multiply(_h, _w2, _dx, Batch, 512, 512, accumulate: false);

    /// <summary>dW2[512, 512] = Hᵀ · dH2.</summary>
    [Benchmark]
    public void Layer2WeightGradient() => Gemm.MultiplyTransposeA(_h, _dh, _dw2, 512, Batch, 512, accumulate: false);

    /// <summary>dH[128, 512] = dH2 · W2ᵀ.</summary>
    [Benchmark]
    public void Layer2InputGradient() => Gemm.MultiplyTransposeB(_dh, _w2, _dx, Batch, 512, 512, accumulate: false);
}
