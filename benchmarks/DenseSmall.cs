using System;
using BenchmarkDotNet.Attributes;
using ModelGen.CompilerServices;

namespace ModelGen.Benchmarks;

/// <summary>
/// Where M1's and M2's Predict at batch 256 spends its time: the runtime kernels a generated M1 and M2 call at
/// inference (BatchNormalization folded into the Dense), alone and in parts, at their shapes. M2: three
/// <c>FusedDense.Forward</c> calls, [256, 14]·[14, 64] + tanh, [256, 64]·[64, 64] + tanh, [256, 64]·[64, 2], then a
/// row-wise softmax over [256, 2]; M1: [256, 2]·[2, 50] + relu, [256, 50]·[50, 1] + sigmoid. The parts are the bare
/// GEMMs (<c>Gemm.Multiply</c>) and the activations over the same number of values (<c>Activations.*</c>, one
/// contiguous call), so that "FusedDense less its GEMM" is the cost of its epilogue.
/// </summary>
public class DenseSmall
{
    public const int Batch = 256;

    private float[] _x14 = [], _x2 = [], _w1 = [], _w2 = [], _w3 = [], _b64 = [], _b2 = [];
    private float[] _m1w1 = [], _m1w2 = [], _b50 = [], _b1 = [];
    private float[] _z = [], _y = [], _h = [], _out2 = [], _probabilities = [];

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        var random = new Random(5);
        float[] Fill(int length, float scale)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = (float)(random.NextDouble() - 0.5) * scale;
            }

            return values;
        }

        _x14 = Fill(Batch * 14, 2f);
        _x2 = Fill(Batch * 2, 2f);
        _w1 = Fill(14 * 64, 0.6f);
        _w2 = Fill(64 * 64, 0.3f);
        _w3 = Fill(64 * 2, 0.3f);
        _b64 = Fill(64, 0.2f);
        _b2 = Fill(2, 0.2f);
        _m1w1 = Fill(2 * 50, 1.5f);
        _m1w2 = Fill(50, 0.3f);
        _b50 = Fill(50, 0.2f);
        _b1 = Fill(1, 0.2f);
        _h = Fill(Batch * 64, 2f);
        _z = new float[Batch * 64];
        _y = new float[Batch * 64];
        _out2 = Fill(Batch * 2, 4f);
        _probabilities = new float[Batch * 2];
    }

    /// <summary>M2's first Dense: [256, 14]·[14, 64] + bias + tanh.</summary>
    [Benchmark] public void M2Dense1() => FusedDense.Forward(_x14, _w1, _b64, _z, _y, Batch, 14, 64, Activation.Tanh);

    /// <summary>M2's second Dense: [256, 64]·[64, 64] + bias + tanh.</summary>
    [Benchmark] public void M2Dense2() => FusedDense.Forward(_h, _w2, _b64, _z, _y, Batch, 64, 64, Activation.Tanh);

    /// <summary>M2's last Dense: [256, 64]·[64, 2] + bias (linear; softmax follows).</summary>
    [Benchmark] public void M2Dense3() => FusedDense.Forward(_h, _w3, _b2, _z.AsSpan(0, Batch * 2), _z.AsSpan(0, Batch * 2), Batch, 64, 2, Activation.Linear);

    /// <summary>M2's softmax over [256, 2].</summary>
    [Benchmark] public void M2Softmax() => Activations.Forward(Activation.Softmax, _out2, _probabilities, 2);

    [Benchmark] public void M2Gemm1() => Gemm.Multiply(_x14, _w1, _z, Batch, 14, 64, accumulate: false);

    [Benchmark] public void M2Gemm2() => Gemm.Multiply(_h, _w2, _z, Batch, 64, 64, accumulate: false);

    [Benchmark] public void M2Gemm3() => Gemm.Multiply(_h, _w3, _z.AsSpan(0, Batch * 2), Batch, 64, 2, accumulate: false);

    /// <summary>tanh over 256 × 64 values, one contiguous call.</summary>
    [Benchmark] public void M2Tanh() => Activations.Tanh(_h, _y);

    /// <summary>M1's first Dense: [256, 2]·[2, 50] + bias + relu.</summary>
    [Benchmark] public void M1Dense1() => FusedDense.Forward(_x2, _m1w1, _b50, _z.AsSpan(0, Batch * 50), _y.AsSpan(0, Batch * 50), Batch, 2, 50, Activation.Relu);

    /// <summary>M1's second Dense: [256, 50]·[50, 1] + bias + sigmoid.</summary>
    [Benchmark] public void M1Dense2() => FusedDense.Forward(_h.AsSpan(0, Batch * 50), _m1w2, _b1, _z.AsSpan(0, Batch), _y.AsSpan(0, Batch), Batch, 50, 1, Activation.Sigmoid);

    [Benchmark] public void M1Gemm1() => Gemm.Multiply(_x2, _m1w1, _z.AsSpan(0, Batch * 50), Batch, 2, 50, accumulate: false);

    [Benchmark] public void M1Gemm2() => Gemm.Multiply(_h.AsSpan(0, Batch * 50), _m1w2, _z.AsSpan(0, Batch), Batch, 50, 1, accumulate: false);
}
