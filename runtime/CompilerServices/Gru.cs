using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// Keras's GRU layer (<c>use_bias=True</c>, zero initial state) on row-major spans, for generated code. Gates in Keras's
/// order z, r, h (column blocks <c>[0, u)</c>, <c>[u, 2u)</c>, <c>[2u, 3u)</c> of <c>kernel [features, 3u]</c> and
/// <c>recurrent [u, 3u]</c>), a the activation (default tanh), ra the recurrent activation (default sigmoid):
/// <list type="bullet">
/// <item>reset_after (Keras 2.x/3's default; bias <c>[2, 3u]</c>: input bias, then recurrent bias):
/// <c>rec = h_{t-1} · recurrent + b_rec</c>, <c>z = ra(x·W_z + b_z + rec_z)</c>, <c>r = ra(x·W_r + b_r + rec_r)</c>,
/// <c>h~ = a(x·W_h + b_h + r ⊙ rec_h)</c>;</item>
/// <item>otherwise (bias <c>[3u]</c>): <c>z = ra(x·W_z + h_{t-1}·U_z + b_z)</c>, <c>r</c> likewise,
/// <c>h~ = a(x·W_h + (r ⊙ h_{t-1})·U_h + b_h)</c>;</item>
/// </list>
/// then <c>h_t = z ⊙ h_{t-1} + (1 − z) ⊙ h~</c>, from <c>h_{-1} = 0</c>. The input x is <c>[rows, timesteps, features]</c>;
/// the output is every <c>h_t</c> <c>[rows, timesteps, units]</c> with <c>return_sequences</c>, else the last one.
/// </summary>
/// <remarks>
/// <para>
/// As the LSTM: the input projection of every step is one GEMM <c>x · kernel</c> over <c>rows · timesteps</c> rows, and each
/// step adds the recurrent product, one GEMM <c>[rows, units] · [units, 3u]</c> (reset_after=False needs the reset gate
/// before its candidate's product, so it takes a second one, <c>(r ⊙ h) · recurrent</c>, of which it reads the h block).
/// The backward pass (BPTT) gathers dL/dz of every step sample-major so that the kernel gradient, the input bias's gradient
/// and the input gradient are one GEMM or pass each.
/// </para>
/// <para>
/// Layout of <c>saved</c> (<c>rows · timesteps · 8 · units</c> values), with <c>N = rows · timesteps · units</c>:
/// <c>[0, 3N)</c> the input projections sample-major <c>[rows, timesteps, 3u]</c> (replaced by the complete
/// pre-activations when an activation's gradient reads its input, gelu or swish); <c>[3N, 6N)</c> the gates z, r, h~
/// after their activations, time-major <c>[timesteps, rows, 3u]</c>; <c>[6N, 7N)</c> with reset_after
/// <c>h_{t-1} · U_h + b_rec_h</c>, otherwise <c>r ⊙ h_{t-1}</c>; <c>[7N, 8N)</c> <c>h_t</c>, each time-major
/// <c>[timesteps, rows, units]</c>.
/// </para>
/// <para>Workspace: <c>rows · (3 · timesteps + 9) · units</c> values (training and inference alike). Nothing allocates.
/// <see cref="ForwardInference"/> gives bit-for-bit the output of <see cref="ForwardTraining"/>.</para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Gru
{
    /// <summary>Values of <c>saved</c> per <c>rows · timesteps · units</c>.</summary>
    private const int SavedPerUnit = GruLayout.StepValues;

    /// <summary>The forward pass in training mode: <paramref name="y"/> and, in <paramref name="saved"/>, what
    /// <see cref="Backward"/> needs.</summary>
    /// <param name="x">Inputs <c>[rows, timesteps, features]</c>.</param>
    /// <param name="kernel">Input kernel <c>[features, 3 · units]</c>.</param>
    /// <param name="recurrent">Recurrent kernel <c>[units, 3 · units]</c>.</param>
    /// <param name="bias">Bias: <c>[2, 3 · units]</c> with <paramref name="resetAfter"/>, else <c>[3 · units]</c>.</param>
    /// <param name="saved">Receives the saved state, <c>rows · timesteps · 8 · units</c> values.</param>
    /// <param name="workspace">Scratch, <c>rows · (3 · timesteps + 9) · units</c> values.</param>
    /// <param name="y">Receives the output.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="timesteps">Steps per sample.</param>
    /// <param name="features">Input features per step.</param>
    /// <param name="units">Units.</param>
    /// <param name="activation">The candidate's activation; not softmax.</param>
    /// <param name="recurrentActivation">The gates' activation; not softmax.</param>
    /// <param name="returnSequences">Output every step's h instead of the last one.</param>
    /// <param name="resetAfter">Keras's reset_after.</param>
    public static void ForwardTraining(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias,
        Span<float> saved, Span<float> workspace, Span<float> y, int rows, int timesteps, int features, int units,
        Activation activation, Activation recurrentActivation, bool returnSequences, bool resetAfter)
    {
        CheckShapes(x, kernel, recurrent, bias, y, rows, timesteps, features, units, activation, recurrentActivation, returnSequences, resetAfter);
        int n = Size((long)rows * timesteps * units);
        Check.Length(saved.Length, Size((long)SavedPerUnit * n), nameof(saved), "rows · timesteps · 8 · units");
        CheckWorkspace(workspace, rows, timesteps, units);

        int gateWidth = 3 * units, step = rows * units, stepGates = rows * gateWidth;
        Span<float> z = saved.Slice(0, 3 * n);
        Span<float> gates = saved.Slice(3 * n, 3 * n);
        Span<float> extra = saved.Slice(6 * n, n);
        Span<float> hidden = saved.Slice(7 * n, n);
        Span<float> stepRecurrent = workspace.Slice(0, stepGates);

        bool keepPreActivations = Activations.BackwardNeedsInput(activation) || Activations.BackwardNeedsInput(recurrentActivation);
        Project(x, kernel, bias, z, rows * timesteps, features, gateWidth);
        for (int t = 0; t < timesteps; t++)
        {
            Span<float> stepGate = gates.Slice(t * stepGates, stepGates);
            ReadOnlySpan<float> hPrevious = t > 0 ? hidden.Slice((t - 1) * step, step) : default;
            Step(z, hPrevious, recurrent, bias, stepGate, stepRecurrent, extra.Slice(t * step, step), rows, timesteps, t, units,
                activation, recurrentActivation, resetAfter, keepPreActivations);
            Span<float> h = hidden.Slice(t * step, step);
            Blend(stepGate, hPrevious, h, rows, units);
            WriteOutput(h, y, rows, timesteps, t, units, returnSequences);
        }
    }

    /// <summary>The forward pass in inference mode: the same <paramref name="y"/> as <see cref="ForwardTraining"/> (bit for
    /// bit), keeping only the current step's state.</summary>
    /// <param name="x">Inputs <c>[rows, timesteps, features]</c>.</param>
    /// <param name="kernel">Input kernel <c>[features, 3 · units]</c>.</param>
    /// <param name="recurrent">Recurrent kernel <c>[units, 3 · units]</c>.</param>
    /// <param name="bias">Bias: <c>[2, 3 · units]</c> with <paramref name="resetAfter"/>, else <c>[3 · units]</c>.</param>
    /// <param name="workspace">Scratch, <c>rows · (3 · timesteps + 9) · units</c> values.</param>
    /// <param name="y">Receives the output.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="timesteps">Steps per sample.</param>
    /// <param name="features">Input features per step.</param>
    /// <param name="units">Units.</param>
    /// <param name="activation">The candidate's activation; not softmax.</param>
    /// <param name="recurrentActivation">The gates' activation; not softmax.</param>
    /// <param name="returnSequences">Output every step's h instead of the last one.</param>
    /// <param name="resetAfter">Keras's reset_after.</param>
    public static void ForwardInference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias,
        Span<float> workspace, Span<float> y, int rows, int timesteps, int features, int units,
        Activation activation, Activation recurrentActivation, bool returnSequences, bool resetAfter)
    {
        CheckShapes(x, kernel, recurrent, bias, y, rows, timesteps, features, units, activation, recurrentActivation, returnSequences, resetAfter);
        int n = Size((long)rows * timesteps * units);
        CheckWorkspace(workspace, rows, timesteps, units);

        int gateWidth = 3 * units, step = rows * units, stepGates = rows * gateWidth;
        Span<float> z = workspace.Slice(0, 3 * n);
        Span<float> stepGate = workspace.Slice(3 * n, stepGates);
        Span<float> stepRecurrent = workspace.Slice(3 * n + stepGates, stepGates);
        Span<float> extra = workspace.Slice(3 * n + 2 * stepGates, step);
        Span<float> h = workspace.Slice(3 * n + 2 * stepGates + step, step);

        Project(x, kernel, bias, z, rows * timesteps, features, gateWidth);
        for (int t = 0; t < timesteps; t++)
        {
            Step(z, t > 0 ? h : default, recurrent, bias, stepGate, stepRecurrent, extra, rows, timesteps, t, units,
                activation, recurrentActivation, resetAfter, keepPreActivations: false);
            Blend(stepGate, t > 0 ? h : default, h, rows, units);
            WriteOutput(h, y, rows, timesteps, t, units, returnSequences);
        }
    }

    /// <summary>Backpropagation through time for <see cref="ForwardTraining"/>: the gradients of the kernels and the bias
    /// (overwritten), and of the input unless <paramref name="dx"/> is empty.</summary>
    /// <param name="x">The forward pass's inputs.</param>
    /// <param name="kernel">Input kernel <c>[features, 3 · units]</c>.</param>
    /// <param name="recurrent">Recurrent kernel <c>[units, 3 · units]</c>.</param>
    /// <param name="saved">What <see cref="ForwardTraining"/> saved.</param>
    /// <param name="dy">dL/dy, the shape of the forward output.</param>
    /// <param name="dx">Receives dL/dx, or empty to skip it.</param>
    /// <param name="kernelGradient">Receives dL/dkernel.</param>
    /// <param name="recurrentGradient">Receives dL/drecurrent.</param>
    /// <param name="biasGradient">Receives dL/dbias (the bias's shape).</param>
    /// <param name="workspace">Scratch, <c>rows · (3 · timesteps + 9) · units</c> values.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="timesteps">Steps per sample.</param>
    /// <param name="features">Input features per step.</param>
    /// <param name="units">Units.</param>
    /// <param name="activation">The forward pass's activation.</param>
    /// <param name="recurrentActivation">The forward pass's recurrent activation.</param>
    /// <param name="returnSequences">Whether the forward output was every step's h.</param>
    /// <param name="resetAfter">Keras's reset_after.</param>
    public static void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> saved, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> kernelGradient, Span<float> recurrentGradient, Span<float> biasGradient, Span<float> workspace,
        int rows, int timesteps, int features, int units, Activation activation, Activation recurrentActivation, bool returnSequences, bool resetAfter)
    {
        CheckShapes(x, kernel, recurrent, biasGradient, dy, rows, timesteps, features, units, activation, recurrentActivation, returnSequences, resetAfter, nameof(dy));
        int n = Size((long)rows * timesteps * units), gateWidth = 3 * units;
        Check.Length(saved.Length, Size((long)SavedPerUnit * n), nameof(saved), "rows · timesteps · 8 · units");
        Check.LengthOrEmpty(dx.Length, x.Length, nameof(dx), "[rows, timesteps, features]");
        Check.Length(kernelGradient.Length, kernel.Length, nameof(kernelGradient), "[features, 3 · units]");
        Check.Length(recurrentGradient.Length, recurrent.Length, nameof(recurrentGradient), "[units, 3 · units]");
        CheckWorkspace(workspace, rows, timesteps, units);

        int step = rows * units, stepGates = rows * gateWidth;
        ReadOnlySpan<float> z = saved.Slice(0, 3 * n);
        ReadOnlySpan<float> gates = saved.Slice(3 * n, 3 * n);
        ReadOnlySpan<float> extra = saved.Slice(6 * n, n);
        ReadOnlySpan<float> hidden = saved.Slice(7 * n, n);

        Span<float> dz = workspace.Slice(0, 3 * n);
        Span<float> stepDz = workspace.Slice(3 * n, stepGates);
        Span<float> stepDzRecurrent = workspace.Slice(3 * n + stepGates, stepGates);
        Span<float> dh = workspace.Slice(3 * n + 2 * stepGates, step);
        Span<float> dhNext = workspace.Slice(3 * n + 2 * stepGates + step, step);
        Span<float> scratch = workspace.Slice(3 * n + 2 * stepGates + 2 * step, step);

        Span<float> recurrentBiasGradient = resetAfter ? biasGradient.Slice(gateWidth, gateWidth) : default;
        recurrentGradient.Clear();
        recurrentBiasGradient.Clear();
        dhNext.Clear();
        SimdWidth width = SimdDispatch.Best;
        for (int t = timesteps - 1; t >= 0; t--)
        {
            ReadOnlySpan<float> stepGate = gates.Slice(t * stepGates, stepGates);
            ReadOnlySpan<float> stepExtra = extra.Slice(t * step, step);
            ReadOnlySpan<float> hPrevious = t > 0 ? hidden.Slice((t - 1) * step, step) : default;

            // dL/dh_t: from this step's output (if it is one) and from step t + 1.
            if (returnSequences)
            {
                for (int r = 0; r < rows; r++)
                {
                    Elementwise.Map(default(AddOperator), dhNext.Slice(r * units, units), dy.Slice((r * timesteps + t) * units, units), dh.Slice(r * units, units), width);
                }
            }
            else if (t == timesteps - 1)
            {
                dy.CopyTo(dh);
            }
            else
            {
                dhNext.CopyTo(dh);
            }

            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> g = stepGate.Slice(r * gateWidth, gateWidth);
                Span<float> d = stepDz.Slice(r * gateWidth, gateWidth);
                Span<float> dhRow = dh.Slice(r * units, units);
                Span<float> dhNextRow = dhNext.Slice(r * units, units);
                ReadOnlySpan<float> zGate = g.Slice(0, units), hCandidate = g.Slice(2 * units, units);

                // h = h~ + z ⊙ (h_{t-1} − h~): dz = dh ⊙ (h_{t-1} − h~), dh~ = dh ⊙ (1 − z), dh_{t-1} = dh ⊙ z (+ below).
                if (hPrevious.IsEmpty)
                {
                    Elementwise.Map(default(NegativeProductOperator), dhRow, hCandidate, d.Slice(0, units), width);
                }
                else
                {
                    Map3(default(DifferenceProductOperator), dhRow, hPrevious.Slice(r * units, units), hCandidate, d.Slice(0, units), width);
                }

                Elementwise.Map(default(ComplementProductOperator), dhRow, zGate, d.Slice(2 * units, units), width);
                Elementwise.Map(default(MultiplyOperator), dhRow, zGate, dhNextRow, width);

                ReadOnlySpan<float> zRow = z.Slice((r * timesteps + t) * gateWidth, gateWidth);
                Activations.Backward(activation, zRow.Slice(2 * units, units), hCandidate, d.Slice(2 * units, units), d.Slice(2 * units, units), units);

                // dr: through r ⊙ rec_h (reset_after) here; through (r ⊙ h_{t-1}) · U_h below (otherwise).
                if (resetAfter)
                {
                    Elementwise.Map(default(MultiplyOperator), d.Slice(2 * units, units), stepExtra.Slice(r * units, units), d.Slice(units, units), width);
                    Activations.Backward(recurrentActivation, zRow.Slice(0, 2 * units), g.Slice(0, 2 * units), d.Slice(0, 2 * units), d.Slice(0, 2 * units), 2 * units);
                    Span<float> dRecurrent = stepDzRecurrent.Slice(r * gateWidth, gateWidth);
                    d.Slice(0, 2 * units).CopyTo(dRecurrent);
                    Elementwise.Map(default(MultiplyOperator), d.Slice(2 * units, units), g.Slice(units, units), dRecurrent.Slice(2 * units, units), width);
                }
                else
                {
                    Activations.Backward(recurrentActivation, zRow.Slice(0, units), zGate, d.Slice(0, units), d.Slice(0, units), units);
                }
            }

            if (resetAfter)
            {
                for (int r = 0; r < rows; r++)
                {
                    stepDz.Slice(r * gateWidth, gateWidth).CopyTo(dz.Slice((r * timesteps + t) * gateWidth, gateWidth));
                    Elementwise.Map(default(AddOperator), recurrentBiasGradient, stepDzRecurrent.Slice(r * gateWidth, gateWidth), recurrentBiasGradient, width);
                }

                if (t > 0)
                {
                    Gemm.MultiplyTransposeA(hPrevious, stepDzRecurrent, recurrentGradient, units, rows, gateWidth, accumulate: true);
                    Gemm.MultiplyTransposeB(stepDzRecurrent, recurrent, dhNext, rows, gateWidth, units, accumulate: true);
                }
            }
            else
            {
                // The candidate's product (r ⊙ h_{t-1}) · U_h: [0, 0, dh~] in stepDzRecurrent.
                for (int r = 0; r < rows; r++)
                {
                    Span<float> dRecurrent = stepDzRecurrent.Slice(r * gateWidth, gateWidth);
                    dRecurrent.Slice(0, 2 * units).Clear();
                    stepDz.Slice(r * gateWidth + 2 * units, units).CopyTo(dRecurrent.Slice(2 * units, units));
                }

                if (t > 0)
                {
                    Gemm.MultiplyTransposeA(stepExtra, stepDzRecurrent, recurrentGradient, units, rows, gateWidth, accumulate: true);

                    // d(r ⊙ h_{t-1}) into scratch: dr = it ⊙ h_{t-1}, dh_{t-1} += it ⊙ r.
                    Gemm.MultiplyTransposeB(stepDzRecurrent, recurrent, scratch, rows, gateWidth, units, accumulate: false);
                    for (int r = 0; r < rows; r++)
                    {
                        ReadOnlySpan<float> g = stepGate.Slice(r * gateWidth, gateWidth);
                        Span<float> d = stepDz.Slice(r * gateWidth, gateWidth);
                        ReadOnlySpan<float> scratchRow = scratch.Slice(r * units, units);
                        Elementwise.Map(default(MultiplyOperator), scratchRow, hPrevious.Slice(r * units, units), d.Slice(units, units), width);
                        Map3(default(MultiplyAddOperator), scratchRow, g.Slice(units, units), dhNext.Slice(r * units, units), dhNext.Slice(r * units, units), width);
                    }
                }
                else
                {
                    for (int r = 0; r < rows; r++)
                    {
                        stepDz.Slice(r * gateWidth + units, units).Clear();
                    }
                }

                for (int r = 0; r < rows; r++)
                {
                    Span<float> d = stepDz.Slice(r * gateWidth, gateWidth);
                    ReadOnlySpan<float> zRow = z.Slice((r * timesteps + t) * gateWidth, gateWidth);
                    ReadOnlySpan<float> g = stepGate.Slice(r * gateWidth, gateWidth);
                    Activations.Backward(recurrentActivation, zRow.Slice(units, units), g.Slice(units, units), d.Slice(units, units), d.Slice(units, units), units);
                    d.CopyTo(dz.Slice((r * timesteps + t) * gateWidth, gateWidth));

                    // The gates' product h_{t-1} · U_{z,r}: [dz, dr, 0].
                    Span<float> dRecurrent = stepDzRecurrent.Slice(r * gateWidth, gateWidth);
                    d.Slice(0, 2 * units).CopyTo(dRecurrent);
                    dRecurrent.Slice(2 * units, units).Clear();
                }

                if (t > 0)
                {
                    Gemm.MultiplyTransposeA(hPrevious, stepDzRecurrent, recurrentGradient, units, rows, gateWidth, accumulate: true);
                    Gemm.MultiplyTransposeB(stepDzRecurrent, recurrent, dhNext, rows, gateWidth, units, accumulate: true);
                }
            }
        }

        int allRows = rows * timesteps;
        Gemm.MultiplyTransposeA(x, dz, kernelGradient, features, allRows, gateWidth, accumulate: false);
        Bias.Gradient(dz, biasGradient.Slice(0, gateWidth), allRows, gateWidth);
        if (!dx.IsEmpty)
        {
            Gemm.MultiplyTransposeB(dz, kernel, dx, allRows, gateWidth, features, accumulate: false);
        }
    }

    /// <summary>One step's gates after their activations, <c>[rows, 3u]</c> in <paramref name="stepGate"/> (z, r, h~),
    /// from the step's rows of the input projection; <paramref name="extra"/> receives rec_h (reset_after) or r ⊙ h_{t-1}.</summary>
    private static void Step(
        Span<float> z, ReadOnlySpan<float> hPrevious, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias,
        Span<float> stepGate, Span<float> stepRecurrent, Span<float> extra, int rows, int timesteps, int t, int units,
        Activation activation, Activation recurrentActivation, bool resetAfter, bool keepPreActivations)
    {
        int gateWidth = 3 * units;
        SimdWidth width = SimdDispatch.Best;
        for (int r = 0; r < rows; r++)
        {
            z.Slice((r * timesteps + t) * gateWidth, gateWidth).CopyTo(stepGate.Slice(r * gateWidth, gateWidth));
        }

        if (resetAfter)
        {
            // rec = h_{t-1} · U + b_rec (b_rec alone at the first step).
            ReadOnlySpan<float> recurrentBias = bias.Slice(gateWidth, gateWidth);
            for (int r = 0; r < rows; r++)
            {
                recurrentBias.CopyTo(stepRecurrent.Slice(r * gateWidth, gateWidth));
            }

            if (!hPrevious.IsEmpty)
            {
                Gemm.Multiply(hPrevious, recurrent, stepRecurrent, rows, units, gateWidth, accumulate: true);
            }

            for (int r = 0; r < rows; r++)
            {
                Span<float> g = stepGate.Slice(r * gateWidth, gateWidth);
                Span<float> rec = stepRecurrent.Slice(r * gateWidth, gateWidth);
                Elementwise.Map(default(AddOperator), g.Slice(0, 2 * units), rec.Slice(0, 2 * units), g.Slice(0, 2 * units), width);
                if (keepPreActivations)
                {
                    g.Slice(0, 2 * units).CopyTo(z.Slice((r * timesteps + t) * gateWidth, 2 * units));
                }

                Activations.Forward(recurrentActivation, g.Slice(0, 2 * units), g.Slice(0, 2 * units), 2 * units);
                rec.Slice(2 * units, units).CopyTo(extra.Slice(r * units, units));
                Map3(default(MultiplyAddOperator), g.Slice(units, units), rec.Slice(2 * units, units), g.Slice(2 * units, units), g.Slice(2 * units, units), width);
            }
        }
        else
        {
            if (!hPrevious.IsEmpty)
            {
                Gemm.Multiply(hPrevious, recurrent, stepRecurrent, rows, units, gateWidth, accumulate: false);
                for (int r = 0; r < rows; r++)
                {
                    Span<float> g = stepGate.Slice(r * gateWidth, 2 * units);
                    Elementwise.Map(default(AddOperator), g, stepRecurrent.Slice(r * gateWidth, 2 * units), g, width);
                }
            }

            if (keepPreActivations)
            {
                KeepPreActivations(z, stepGate, rows, timesteps, t, units, 0, 2 * units);
            }

            for (int r = 0; r < rows; r++)
            {
                Span<float> g = stepGate.Slice(r * gateWidth, 2 * units);
                Activations.Forward(recurrentActivation, g, g, 2 * units);
            }

            if (!hPrevious.IsEmpty)
            {
                for (int r = 0; r < rows; r++)
                {
                    Elementwise.Map(default(MultiplyOperator), stepGate.Slice(r * gateWidth + units, units), hPrevious.Slice(r * units, units), extra.Slice(r * units, units), width);
                }

                Gemm.Multiply(extra, recurrent, stepRecurrent, rows, units, gateWidth, accumulate: false);
                for (int r = 0; r < rows; r++)
                {
                    Span<float> g = stepGate.Slice(r * gateWidth + 2 * units, units);
                    Elementwise.Map(default(AddOperator), g, stepRecurrent.Slice(r * gateWidth + 2 * units, units), g, width);
                }
            }
            else
            {
                extra.Clear();
            }
        }

        if (keepPreActivations)
        {
            // gelu and swish differentiate from their input: keep h~'s complete pre-activation (z's and r's were kept
            // before their activation).
            KeepPreActivations(z, stepGate, rows, timesteps, t, units, 2 * units, units);
        }

        for (int r = 0; r < rows; r++)
        {
            Span<float> h = stepGate.Slice(r * gateWidth + 2 * units, units);
            Activations.Forward(activation, h, h, units);
        }
    }

    /// <summary>Copies columns <c>[start, start + count)</c> of one step's pre-activations to their place in the saved z.</summary>
    private static void KeepPreActivations(Span<float> z, ReadOnlySpan<float> stepGate, int rows, int timesteps, int t, int units, int start, int count)
    {
        int gateWidth = 3 * units;
        for (int r = 0; r < rows; r++)
        {
            stepGate.Slice(r * gateWidth + start, count).CopyTo(z.Slice((r * timesteps + t) * gateWidth + start, count));
        }
    }

    /// <summary><c>h = h~ + z ⊙ (h_{t-1} − h~)</c> per row (<c>h~ − z ⊙ h~</c> at the first step); <paramref name="h"/> may be <paramref name="hPrevious"/>.</summary>
    private static void Blend(ReadOnlySpan<float> stepGate, ReadOnlySpan<float> hPrevious, Span<float> h, int rows, int units)
    {
        SimdWidth width = SimdDispatch.Best;
        int gateWidth = 3 * units;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> zGate = stepGate.Slice(r * gateWidth, units), candidate = stepGate.Slice(r * gateWidth + 2 * units, units);
            if (hPrevious.IsEmpty)
            {
                Elementwise.Map(default(ComplementProductOperator), candidate, zGate, h.Slice(r * units, units), width);
            }
            else
            {
                Map3(default(BlendOperator), zGate, candidate, hPrevious.Slice(r * units, units), h.Slice(r * units, units), width);
            }
        }
    }

    /// <summary>Copies h_t to its place in y: every step with return_sequences, else the last one.</summary>
    private static void WriteOutput(ReadOnlySpan<float> h, Span<float> y, int rows, int timesteps, int t, int units, bool returnSequences)
    {
        if (returnSequences)
        {
            for (int r = 0; r < rows; r++)
            {
                h.Slice(r * units, units).CopyTo(y.Slice((r * timesteps + t) * units, units));
            }
        }
        else if (t == timesteps - 1)
        {
            h.CopyTo(y);
        }
    }

    /// <summary>The input projections of every step: <c>x · kernel + b_in</c> over all <c>rows · timesteps</c> rows.</summary>
    private static void Project(ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, int allRows, int features, int gateWidth)
    {
        Gemm.Multiply(x, kernel, z, allRows, features, gateWidth, accumulate: false);
        Bias.Add(z, bias.Slice(0, gateWidth), allRows, gateWidth);
    }

    private static void CheckShapes(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias, ReadOnlySpan<float> y,
        int rows, int timesteps, int features, int units, Activation activation, Activation recurrentActivation,
        bool returnSequences, bool resetAfter, string yName = "y")
    {
        Check.Positive(rows, nameof(rows));
        Check.Positive(timesteps, nameof(timesteps));
        Check.Positive(features, nameof(features));
        Check.Positive(units, nameof(units));
        if (activation == Activation.Softmax)
        {
            Check.Throw("A GRU's activation must be elementwise; softmax is not supported.", nameof(activation));
        }

        if (recurrentActivation == Activation.Softmax)
        {
            Check.Throw("A GRU's recurrent activation must be elementwise; softmax is not supported.", nameof(recurrentActivation));
        }

        Check.Length(x.Length, Size((long)rows * timesteps * features), nameof(x), "[rows, timesteps, features]");
        Check.Length(kernel.Length, Size(3L * features * units), nameof(kernel), "[features, 3 · units]");
        Check.Length(recurrent.Length, Size(3L * units * units), nameof(recurrent), "[units, 3 · units]");
        Check.Length(bias.Length, Size((resetAfter ? 6L : 3L) * units), nameof(bias), resetAfter ? "[2, 3 · units]" : "[3 · units]");
        if (returnSequences)
        {
            Check.Length(y.Length, Size((long)rows * timesteps * units), yName, "[rows, timesteps, units]");
        }
        else
        {
            Check.Length(y.Length, Size((long)rows * units), yName, "[rows, units]");
        }
    }

    private static void CheckWorkspace(ReadOnlySpan<float> workspace, int rows, int timesteps, int units) =>
        Check.Length(workspace.Length, Size((long)rows * GruLayout.Workspace(timesteps, units)), nameof(workspace), "rows · (3 · timesteps + 9) · units");

    private static int Size(long values)
    {
        if (values > Array.MaxLength)
        {
            Check.Throw($"The GRU's buffers would need {values} values, more than a span can hold.", "rows");
        }

        return (int)values;
    }

    /// <summary><c>y[i] = op(a[i], b[i], c[i])</c>; y may be any of the inputs (exact overlap).</summary>
    private static void Map3<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> y, SimdWidth width)
        where TOp : struct, ITernaryOperator
    {
        Check.SameLength(a.Length, y.Length, "input", "output");
        Check.SameLength(b.Length, y.Length, "input", "output");
        Check.SameLength(c.Length, y.Length, "input", "output");
        int i = 0;
        if (width >= SimdWidth.V512) i = Map3Body<TOp, Vector512<float>, Vector512Ops>(op, a, b, c, y, i);
        if (width >= SimdWidth.V256) i = Map3Body<TOp, Vector256<float>, Vector256Ops>(op, a, b, c, y, i);
        if (width >= SimdWidth.V128) i = Map3Body<TOp, Vector128<float>, Vector128Ops>(op, a, b, c, y, i);
        Map3Body<TOp, float, ScalarOps>(op, a, b, c, y, i);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Map3Body<TOp, TVec, TOps>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> y, int i)
        where TOp : struct, ITernaryOperator where TVec : struct where TOps : ISimdOps<TVec>
    {
        for (; i <= y.Length - TOps.Count; i += TOps.Count)
        {
            TOps.Store(op.Invoke<TVec, TOps>(TOps.Load(a, i), TOps.Load(b, i), TOps.Load(c, i)), y, i);
        }

        return i;
    }

    /// <summary>An elementwise function of three inputs.</summary>
    private interface ITernaryOperator
    {
        TVec Invoke<TVec, TOps>(TVec a, TVec b, TVec c) where TVec : struct where TOps : ISimdOps<TVec>;
    }

    /// <summary>a · b + c (fused where the hardware has FMA).</summary>
    private readonly struct MultiplyAddOperator : ITernaryOperator
    {
        public TVec Invoke<TVec, TOps>(TVec a, TVec b, TVec c) where TVec : struct where TOps : ISimdOps<TVec> => TOps.MultiplyAdd(a, b, c);
    }

    /// <summary>GRU's output: z = a, h~ = b, h_{t-1} = c: <c>h~ + z · (h_{t-1} − h~)</c>.</summary>
    private readonly struct BlendOperator : ITernaryOperator
    {
        public TVec Invoke<TVec, TOps>(TVec a, TVec b, TVec c) where TVec : struct where TOps : ISimdOps<TVec> => TOps.MultiplyAdd(a, TOps.Subtract(c, b), b);
    }

    /// <summary>a · (b − c).</summary>
    private readonly struct DifferenceProductOperator : ITernaryOperator
    {
        public TVec Invoke<TVec, TOps>(TVec a, TVec b, TVec c) where TVec : struct where TOps : ISimdOps<TVec> => TOps.Multiply(a, TOps.Subtract(b, c));
    }

    /// <summary>a · (1 − b).</summary>
    private readonly struct ComplementProductOperator : IBinaryOperator
    {
        public TVec Invoke<TVec, TOps>(TVec a, TVec b) where TVec : struct where TOps : ISimdOps<TVec> => TOps.Multiply(a, TOps.Subtract(TOps.Create(1f), b));
    }

    /// <summary>−a · b.</summary>
    private readonly struct NegativeProductOperator : IBinaryOperator
    {
        public TVec Invoke<TVec, TOps>(TVec a, TVec b) where TVec : struct where TOps : ISimdOps<TVec> => TOps.Subtract(TOps.Create(0f), TOps.Multiply(a, b));
    }

    /// <summary>a + b.</summary>
    private readonly struct AddOperator : IBinaryOperator
    {
        public TVec Invoke<TVec, TOps>(TVec a, TVec b) where TVec : struct where TOps : ISimdOps<TVec> => TOps.Add(a, b);
    }
}
