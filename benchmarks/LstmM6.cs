using System;
using BenchmarkDotNet.Attributes;
using ModelGen.CompilerServices;

namespace ModelGen.Benchmarks;

/// <summary>
/// Where M6's time goes: the runtime's LSTM kernels that a generated M6 calls (ModelGen.CompilerServices.Lstm), alone, and
/// their parts, at M6's shapes (20 timesteps of 16 features, 64 units, so the gates are 256 wide): Predict at batch 1
/// and a training step at batch 32. The parts are what the kernels call, in the same sizes and counts: the input
/// projection (one GEMM over every timestep), the recurrent GEMMs (one per step after the first), the gates'
/// activations (sigmoid on i, f, o, tanh on the candidate and on c, per row and step) and, for training, the
/// backward pass's per-step GEMMs and the kernel-gradient GEMM; the rest of a kernel (copies, the cell update, the
/// elementwise passes of the backward pass) is the whole less its parts. Two what-ifs (<see cref="Alternatives"/>)
/// time the same work arranged otherwise.
/// </summary>
public class LstmM6
{
    public const int Timesteps = 20, Features = 16, Units = 64, Gates = 4 * Units, TrainBatch = 32;

    /// <summary>The methods in the report's order: each whole kernel, then its parts.</summary>
    public static readonly string[] Methods =
    [
        nameof(InferenceLstm), nameof(InferenceProjection), nameof(InferenceRecurrentGemms), nameof(InferenceActivations),
        nameof(TrainingForward), nameof(TrainingBackward), nameof(TrainingProjection), nameof(TrainingRecurrentGemms),
        nameof(TrainingActivations), nameof(TrainingRecurrentGradientGemms), nameof(TrainingHiddenGradientGemms), nameof(TrainingKernelGradient),
    ];

    /// <summary>What-ifs, not what the kernels do: the same work arranged otherwise (the report's second table).</summary>
    public static readonly string[] Alternatives = [nameof(RecurrentGradientOneGemm), nameof(HiddenGradientPretransposed), nameof(TrainingActivationsContiguous)];

    /// <summary>Whether the method is a whole kernel (else a part of Predict's or of the training step's).</summary>
    public static bool IsWhole(string method) => method is nameof(InferenceLstm) or nameof(TrainingForward) or nameof(TrainingBackward);

    /// <summary>Whether the method belongs to Predict at batch 1 (else to the training step at batch 32).</summary>
    public static bool IsInference(string method) => method.StartsWith("Inference", StringComparison.Ordinal);

    /// <summary>The GEMM FLOPs (2·m·k·n summed) of one call; 0 for the activations.</summary>
    public static double GemmFlops(string method)
    {
        const double projection1 = 2.0 * Timesteps * Features * Gates, recurrent1 = 2.0 * (Timesteps - 1) * Units * Gates;
        const double projection32 = TrainBatch * projection1, recurrent32 = TrainBatch * recurrent1;
        return method switch
        {
            nameof(InferenceLstm) => projection1 + recurrent1,
            nameof(InferenceProjection) => projection1,
            nameof(InferenceRecurrentGemms) => recurrent1,
            nameof(TrainingForward) => projection32 + recurrent32,
            nameof(TrainingBackward) => projection32 + 2 * recurrent32,
            nameof(TrainingProjection) or nameof(TrainingKernelGradient) => projection32,
            nameof(TrainingRecurrentGemms) or nameof(TrainingRecurrentGradientGemms) or nameof(TrainingHiddenGradientGemms) or nameof(RecurrentGradientOneGemm) or nameof(HiddenGradientPretransposed) => recurrent32,
            _ => 0,
        };
    }

    private float[] _x = [], _kernel = [], _recurrent = [], _bias = [], _y = [], _dy = [];
    private float[] _inferenceWorkspace = [], _saved = [], _backwardWorkspace = [];
    private float[] _kernelGradient = [], _recurrentGradient = [], _biasGradient = [];
    private float[] _recurrentTransposed = [];
    private float[] _z = [], _stepGates = [], _h = [], _c = [], _dz = [], _dh = [];

    [GlobalSetup]
    public void Setup()
    {
        ProcessPriority.Raise();
        var random = new Random(6);
        float[] Fill(int length, float scale)
        {
            var values = new float[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
            }

            return values;
        }

        int n = TrainBatch * Timesteps * Units;
        _x = Fill(TrainBatch * Timesteps * Features, 1);
        _kernel = Fill(Features * Gates, 0.15f);
        _recurrent = Fill(Units * Gates, 0.15f);
        _bias = Fill(Gates, 0.1f);
        _y = new float[TrainBatch * Units];
        _dy = Fill(TrainBatch * Units, 0.01f);
        _inferenceWorkspace = new float[TrainBatch * (4 * Timesteps + 6) * Units];
        _saved = new float[11 * n];
        _backwardWorkspace = new float[TrainBatch * (4 * Timesteps + 7) * Units];
        _kernelGradient = new float[Features * Gates];
        _recurrentGradient = new float[Units * Gates];
        _biasGradient = new float[Gates];
        _z = Fill(TrainBatch * Timesteps * Gates, 1);
        _stepGates = Fill(TrainBatch * Gates, 1);
        _h = Fill(TrainBatch * Units, 0.5f);
        _c = Fill(TrainBatch * Units, 0.5f);
        _dz = Fill(TrainBatch * Gates, 0.01f);
        _dh = new float[TrainBatch * Units];
        _recurrentTransposed = new float[Gates * Units];
        for (int p = 0; p < Units; p++)
        {
            for (int j = 0; j < Gates; j++)
            {
                _recurrentTransposed[j * Units + p] = _recurrent[p * Gates + j];
            }
        }

        Lstm.ForwardTraining(_x, _kernel, _recurrent, _bias, _saved, _y, TrainBatch, Timesteps, Features, Units, Activation.Tanh, Activation.Sigmoid, returnSequences: false);
    }

    /// <summary>Lstm.ForwardInference at batch 1: all of M6's Predict but BatchNormalization and the 64 → 10 Dense.</summary>
    [Benchmark]
    public void InferenceLstm() =>
        Lstm.ForwardInference(_x.AsSpan(0, Timesteps * Features), _kernel, _recurrent, _bias, _inferenceWorkspace.AsSpan(0, (4 * Timesteps + 6) * Units), _y.AsSpan(0, Units),
            1, Timesteps, Features, Units, Activation.Tanh, Activation.Sigmoid, returnSequences: false);

    /// <summary>Batch 1: the input projection, z[20, 256] = x[20, 16] · kernel[16, 256], and its bias.</summary>
    [Benchmark]
    public void InferenceProjection()
    {
        Gemm.Multiply(_x.AsSpan(0, Timesteps * Features), _kernel, _z.AsSpan(0, Timesteps * Gates), Timesteps, Features, Gates, accumulate: false);
        Bias.Add(_z.AsSpan(0, Timesteps * Gates), _bias, Timesteps, Gates);
    }

    /// <summary>Batch 1: the 19 recurrent products, gates[1, 256] += h[1, 64] · recurrent[64, 256].</summary>
    [Benchmark]
    public void InferenceRecurrentGemms()
    {
        for (int t = 1; t < Timesteps; t++)
        {
            Gemm.Multiply(_h.AsSpan(0, Units), _recurrent, _stepGates.AsSpan(0, Gates), 1, Units, Gates, accumulate: true);
        }
    }

    /// <summary>Batch 1: the activations of 20 steps (sigmoid over i and f, tanh over the candidate, sigmoid over o, tanh over c).</summary>
    [Benchmark]
    public void InferenceActivations()
    {
        for (int t = 0; t < Timesteps; t++)
        {
            StepActivations(_z.AsSpan(0, Gates), _stepGates.AsSpan(0, Gates), _c.AsSpan(0, Units), _h.AsSpan(0, Units));
        }
    }

    /// <summary>Lstm.ForwardTraining at batch 32.</summary>
    [Benchmark]
    public void TrainingForward() =>
        Lstm.ForwardTraining(_x, _kernel, _recurrent, _bias, _saved, _y, TrainBatch, Timesteps, Features, Units, Activation.Tanh, Activation.Sigmoid, returnSequences: false);

    /// <summary>Lstm.Backward at batch 32 (no input gradient: the LSTM is M6's first layer).</summary>
    [Benchmark]
    public void TrainingBackward() =>
        Lstm.Backward(_x, _kernel, _recurrent, _saved, _dy, Span<float>.Empty, _kernelGradient, _recurrentGradient, _biasGradient, _backwardWorkspace,
            TrainBatch, Timesteps, Features, Units, Activation.Tanh, Activation.Sigmoid, returnSequences: false);

    /// <summary>Batch 32, forward: the 19 recurrent products, gates[32, 256] += h[32, 64] · recurrent[64, 256].</summary>
    [Benchmark]
    public void TrainingRecurrentGemms()
    {
        for (int t = 1; t < Timesteps; t++)
        {
            Gemm.Multiply(_h, _recurrent, _stepGates, TrainBatch, Units, Gates, accumulate: true);
        }
    }

    /// <summary>Batch 32, forward: the activations of 20 steps, row by row as the kernel does them.</summary>
    [Benchmark]
    public void TrainingActivations()
    {
        for (int t = 0; t < Timesteps; t++)
        {
            for (int r = 0; r < TrainBatch; r++)
            {
                StepActivations(_z.AsSpan(r * Gates, Gates), _stepGates.AsSpan(r * Gates, Gates), _c.AsSpan(r * Units, Units), _h.AsSpan(r * Units, Units));
            }
        }
    }

    /// <summary>Batch 32, backward: the 19 steps' recurrent-kernel gradient, dR[64, 256] += h_{t-1}ᵀ · dz_t (k = 32 each).</summary>
    [Benchmark]
    public void TrainingRecurrentGradientGemms()
    {
        for (int t = 1; t < Timesteps; t++)
        {
            Gemm.MultiplyTransposeA(_h, _dz, _recurrentGradient, Units, TrainBatch, Gates, accumulate: true);
        }
    }

    /// <summary>Batch 32, backward: the 19 steps' dh_{t-1}[32, 64] = dz_t[32, 256] · recurrentᵀ.</summary>
    [Benchmark]
    public void TrainingHiddenGradientGemms()
    {
        for (int t = 1; t < Timesteps; t++)
        {
            Gemm.MultiplyTransposeB(_dz, _recurrent, _dh, TrainBatch, Gates, Units, accumulate: false);
        }
    }

    /// <summary>Batch 32, forward: the input projection over all 640 rows, z[640, 256] = x[640, 16] · kernel, and its bias.</summary>
    [Benchmark]
    public void TrainingProjection()
    {
        int rows = TrainBatch * Timesteps;
        Gemm.Multiply(_x, _kernel, _z, rows, Features, Gates, accumulate: false);
        Bias.Add(_z, _bias, rows, Gates);
    }

    /// <summary>Batch 32, backward: the kernel gradient xᵀ[16, 640] · dz[640, 256].</summary>
    [Benchmark]
    public void TrainingKernelGradient() =>
        Gemm.MultiplyTransposeA(_x, _z, _kernelGradient, Features, TrainBatch * Timesteps, Gates, accumulate: false);

    /// <summary>What-if: the recurrent-kernel gradient as one product over the 19 steps' rows, dR[64, 256] =
    /// H[608, 64]ᵀ · dZ[608, 256] (k = 608), as a time-major copy of dz would allow; the same FLOPs as
    /// <see cref="TrainingRecurrentGradientGemms"/>.</summary>
    [Benchmark]
    public void RecurrentGradientOneGemm()
    {
        int rows = TrainBatch * (Timesteps - 1);
        Gemm.MultiplyTransposeA(_saved.AsSpan(0, rows * Units), _z.AsSpan(0, rows * Gates), _recurrentGradient, Units, rows, Gates, accumulate: false);
    }

    /// <summary>What-if: <see cref="TrainingHiddenGradientGemms"/> with the recurrent kernel transposed once ([256, 64],
    /// as it could be for the whole backward pass, since it does not change there), so that each step is a plain
    /// <c>Multiply</c>, dh[32, 64] = dz[32, 256] · Rᵀ[256, 64], instead of a <c>MultiplyTransposeB</c> that packs the
    /// transposed kernel again at every step.</summary>
    [Benchmark]
    public void HiddenGradientPretransposed()
    {
        for (int t = 1; t < Timesteps; t++)
        {
            Gemm.Multiply(_dz, _recurrentTransposed, _dh, TrainBatch, Gates, Units, accumulate: false);
        }
    }

    /// <summary>What-if: <see cref="TrainingActivations"/>'s elements (640 rows × (192 sigmoid + 128 tanh)) in four calls
    /// over contiguous spans instead of 2,560 calls of 64 or 128 values: the per-call overhead apart from the math.</summary>
    [Benchmark]
    public void TrainingActivationsContiguous()
    {
        int rows = TrainBatch * Timesteps;
        Span<float> z = _z.AsSpan(0, rows * Gates), saved = _saved.AsSpan(0, rows * Gates);
        Activations.Forward(Activation.Sigmoid, z.Slice(0, rows * 2 * Units), saved.Slice(0, rows * 2 * Units), 2 * Units);
        Activations.Forward(Activation.Tanh, z.Slice(rows * 2 * Units, rows * Units), saved.Slice(rows * 2 * Units, rows * Units), Units);
        Activations.Forward(Activation.Sigmoid, z.Slice(rows * 3 * Units, rows * Units), saved.Slice(rows * 3 * Units, rows * Units), Units);
        Activations.Forward(Activation.Tanh, _saved.AsSpan(4 * rows * Units, rows * Units), _saved.AsSpan(5 * rows * Units, rows * Units), Units);
    }

    private static void StepActivations(ReadOnlySpan<float> z, Span<float> gates, Span<float> c, Span<float> h)
    {
        Activations.Forward(Activation.Sigmoid, z.Slice(0, 2 * Units), gates.Slice(0, 2 * Units), 2 * Units);
        Activations.Forward(Activation.Tanh, z.Slice(2 * Units, Units), gates.Slice(2 * Units, Units), Units);
        Activations.Forward(Activation.Sigmoid, z.Slice(3 * Units, Units), gates.Slice(3 * Units, Units), Units);
        Activations.Forward(Activation.Tanh, c, h, Units);
    }
}
