using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// Keras's LSTM layer (<c>use_bias=True</c>, zero initial state) on row-major spans, for generated code. Gates in
/// Keras's order i, f, c, o: with <c>z_t = x_t · kernel + h_{t-1} · recurrent + bias</c> (<c>kernel [features, 4u]</c>,
/// <c>recurrent [u, 4u]</c>, <c>bias [4u]</c>) and the column blocks <c>[0, u)</c>, <c>[u, 2u)</c>, <c>[2u, 3u)</c>,
/// <c>[3u, 4u)</c> of z,
/// <c>i = ra(z_i)</c>, <c>f = ra(z_f)</c>, <c>g = a(z_c)</c>, <c>o = ra(z_o)</c>,
/// <c>c_t = f · c_{t-1} + i · g</c>, <c>h_t = o · a(c_t)</c>, where a is the activation (Keras's default tanh) and ra
/// the recurrent activation (default sigmoid); <c>h_{-1} = c_{-1} = 0</c>.
/// The input x is <c>[rows, timesteps, features]</c> (sample-major); the output y is every <c>h_t</c> as
/// <c>[rows, timesteps, units]</c> with <c>return_sequences</c>, else the last one, <c>[rows, units]</c>.
/// </summary>
/// <remarks>
/// <para>
/// The input projection of every step is one GEMM <c>x · kernel</c> over <c>rows · timesteps</c> rows; each step then
/// adds <c>h_{t-1} · recurrent</c> with one GEMM on a contiguous <c>[rows, 4u]</c> matrix. The backward pass (BPTT)
/// gathers dL/dz of every step sample-major, so that the kernel gradient <c>xᵀ · dz</c>, the bias gradient and the input
/// gradient <c>dz · kernelᵀ</c> are one GEMM or pass each; per step it adds <c>h_{t-1}ᵀ · dz_t</c> to the recurrent
/// gradient and takes <c>dh_{t-1} = dz_t · recurrentᵀ</c>.
/// </para>
/// <para>
/// Layout of <c>saved</c> (<c>rows · timesteps · 11 · units</c> values), with <c>N = rows · timesteps · units</c>:
/// <c>[0, 4N)</c> the pre-activations z, sample-major <c>[rows, timesteps, 4u]</c> (complete only when an activation's
/// gradient reads its input, gelu or swish; otherwise the input projections <c>x · kernel + bias</c>, which nothing reads);
/// <c>[4N, 8N)</c> the gates after their activations (i, f, g, o), time-major <c>[timesteps, rows, 4u]</c>;
/// <c>[8N, 9N)</c> <c>c_t</c>, <c>[9N, 10N)</c> <c>a(c_t)</c> and <c>[10N, 11N)</c> <c>h_t</c>, each time-major
/// <c>[timesteps, rows, units]</c>.
/// </para>
/// <para>
/// Softmax is not supported in either role. Every other <see cref="Activation"/> is. Nothing allocates once warm, and
/// <see cref="ForwardInference"/> gives bit-for-bit the output of <see cref="ForwardTraining"/> (the same operations on
/// the same operands, in the same order).
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Lstm
{
    /// <summary>The number of values of <c>saved</c> per <c>rows · timesteps · units</c>.</summary>
    private const int SavedPerUnit = LstmLayout.StepValues;

    /// <summary>
    /// The forward pass in training mode: <paramref name="y"/> and, in <paramref name="saved"/>, everything
    /// <see cref="Backward"/> needs (the layout is in the class remarks).
    /// </summary>
    /// <param name="x">Inputs <c>[rows, timesteps, features]</c>.</param>
    /// <param name="kernel">Input kernel <c>[features, 4 · units]</c>.</param>
    /// <param name="recurrent">Recurrent kernel <c>[units, 4 · units]</c>.</param>
    /// <param name="bias">Bias <c>[4 · units]</c>.</param>
    /// <param name="saved">Receives the saved state, <c>rows · timesteps · 11 · units</c> values.</param>
    /// <param name="y">Receives the output: <c>[rows, timesteps, units]</c> when <paramref name="returnSequences"/>, else <c>[rows, units]</c>.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="timesteps">Steps per sample.</param>
    /// <param name="features">Input features per step.</param>
    /// <param name="units">Units (the size of h and c).</param>
    /// <param name="activation">The activation a of the candidate and of the cell state (Keras's default tanh); not softmax.</param>
    /// <param name="recurrentActivation">The activation ra of the gates i, f, o (Keras's default sigmoid); not softmax.</param>
    /// <param name="returnSequences">Output every step's h instead of the last one.</param>
    public static void ForwardTraining(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias,
        Span<float> saved, Span<float> y, int rows, int timesteps, int features, int units,
        Activation activation, Activation recurrentActivation, bool returnSequences)
    {
        CheckShapes(x, kernel, recurrent, y, rows, timesteps, features, units, activation, recurrentActivation, returnSequences);
        Check.Length(bias.Length, Size(4L * units), nameof(bias), "[4 · units]");
        int n = Size((long)rows * timesteps * units);
        Check.Length(saved.Length, Size((long)SavedPerUnit * n), nameof(saved), "rows · timesteps · 11 · units");

        int gateWidth = 4 * units, step = rows * units, stepGates = rows * gateWidth;
        Span<float> z = saved.Slice(0, 4 * n);
        Span<float> gates = saved.Slice(4 * n, 4 * n);
        Span<float> cells = saved.Slice(8 * n, n);
        Span<float> activatedCells = saved.Slice(9 * n, n);
        Span<float> hidden = saved.Slice(10 * n, n);

        bool keepPreActivations = Activations.BackwardNeedsInput(activation) || Activations.BackwardNeedsInput(recurrentActivation);
        Project(x, kernel, bias, z, rows * timesteps, features, gateWidth);
        for (int t = 0; t < timesteps; t++)
        {
            Span<float> stepGate = gates.Slice(t * stepGates, stepGates);
            Span<float> c = cells.Slice(t * step, step);
            Span<float> ac = activatedCells.Slice(t * step, step);
            Span<float> h = hidden.Slice(t * step, step);
            ReadOnlySpan<float> hPrevious = t > 0 ? hidden.Slice((t - 1) * step, step) : default;
            ReadOnlySpan<float> cPrevious = t > 0 ? cells.Slice((t - 1) * step, step) : default;

            PreActivation(z, hPrevious, recurrent, stepGate, rows, timesteps, t, units);

            // Keep the complete pre-activation where the backward pass reads it (gelu and swish differentiate from their
            // input); the other activations' gradients come from their outputs, and the projection may stay in its place.
            if (keepPreActivations)
            {
                for (int r = 0; r < rows; r++)
                {
                    stepGate.Slice(r * gateWidth, gateWidth).CopyTo(z.Slice((r * timesteps + t) * gateWidth, gateWidth));
                }
            }

            GatesAndCell(stepGate, cPrevious, c, rows, units, activation, recurrentActivation);
            Activations.Forward(activation, c, ac, units);
            Output(stepGate, ac, h, rows, units);
            WriteOutput(h, y, rows, timesteps, t, units, returnSequences);
        }
    }

    /// <summary>
    /// The forward pass in inference mode: the same <paramref name="y"/> as <see cref="ForwardTraining"/> (bit for bit),
    /// keeping only the state of the current step.
    /// </summary>
    /// <param name="x">Inputs <c>[rows, timesteps, features]</c>.</param>
    /// <param name="kernel">Input kernel <c>[features, 4 · units]</c>.</param>
    /// <param name="recurrent">Recurrent kernel <c>[units, 4 · units]</c>.</param>
    /// <param name="bias">Bias <c>[4 · units]</c>.</param>
    /// <param name="workspace">Scratch, <c>rows · (4 · timesteps + 6) · units</c> values: the input projections
    /// <c>[rows, timesteps, 4u]</c>, then one step's gates <c>[rows, 4u]</c>, c <c>[rows, units]</c> and h <c>[rows, units]</c>.</param>
    /// <param name="y">Receives the output: <c>[rows, timesteps, units]</c> when <paramref name="returnSequences"/>, else <c>[rows, units]</c>.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="timesteps">Steps per sample.</param>
    /// <param name="features">Input features per step.</param>
    /// <param name="units">Units (the size of h and c).</param>
    /// <param name="activation">The activation a of the candidate and of the cell state; not softmax.</param>
    /// <param name="recurrentActivation">The activation ra of the gates i, f, o; not softmax.</param>
    /// <param name="returnSequences">Output every step's h instead of the last one.</param>
    public static void ForwardInference(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> bias,
        Span<float> workspace, Span<float> y, int rows, int timesteps, int features, int units,
        Activation activation, Activation recurrentActivation, bool returnSequences)
    {
        CheckShapes(x, kernel, recurrent, y, rows, timesteps, features, units, activation, recurrentActivation, returnSequences);
        Check.Length(bias.Length, Size(4L * units), nameof(bias), "[4 · units]");
        int n = Size((long)rows * timesteps * units);
        Check.Length(workspace.Length, Size((long)rows * (4L * timesteps + 6) * units), nameof(workspace), "rows · (4 · timesteps + 6) · units");

        int gateWidth = 4 * units, step = rows * units, stepGates = rows * gateWidth;
        Span<float> z = workspace.Slice(0, 4 * n);
        Span<float> stepGate = workspace.Slice(4 * n, stepGates);
        Span<float> c = workspace.Slice(4 * n + stepGates, step);
        Span<float> h = workspace.Slice(4 * n + stepGates + step, step);

        Project(x, kernel, bias, z, rows * timesteps, features, gateWidth);
        for (int t = 0; t < timesteps; t++)
        {
            PreActivation(z, t > 0 ? h : default, recurrent, stepGate, rows, timesteps, t, units);
            GatesAndCell(stepGate, t > 0 ? c : default, c, rows, units, activation, recurrentActivation);

            // h_{t-1} has been used: a(c_t) goes into its place, then h_t = o · a(c_t) in place.
            Activations.Forward(activation, c, h, units);
            Output(stepGate, h, h, rows, units);
            WriteOutput(h, y, rows, timesteps, t, units, returnSequences);
        }
    }

    /// <summary>
    /// Backpropagation through time for <see cref="ForwardTraining"/>: the gradients of the kernels and the bias
    /// (overwritten), and of the input unless <paramref name="dx"/> is empty.
    /// </summary>
    /// <param name="x">The forward pass's inputs <c>[rows, timesteps, features]</c>.</param>
    /// <param name="kernel">Input kernel <c>[features, 4 · units]</c>.</param>
    /// <param name="recurrent">Recurrent kernel <c>[units, 4 · units]</c>.</param>
    /// <param name="saved">The state <see cref="ForwardTraining"/> saved, <c>rows · timesteps · 11 · units</c> values.</param>
    /// <param name="dy">dL/dy, the shape of the forward output.</param>
    /// <param name="dx">Receives dL/dx <c>[rows, timesteps, features]</c>, or empty to skip it (the LSTM is the first layer).</param>
    /// <param name="kernelGradient">Receives dL/dkernel <c>[features, 4 · units]</c>.</param>
    /// <param name="recurrentGradient">Receives dL/drecurrent <c>[units, 4 · units]</c>.</param>
    /// <param name="biasGradient">Receives dL/dbias <c>[4 · units]</c>.</param>
    /// <param name="workspace">Scratch, <c>rows · (4 · timesteps + 7) · units</c> values: dL/dz sample-major
    /// <c>[rows, timesteps, 4u]</c>, one step's dL/dz <c>[rows, 4u]</c>, then dL/dh, dL/dc and the next step's dL/dh, each <c>[rows, units]</c>.</param>
    /// <param name="rows">Samples.</param>
    /// <param name="timesteps">Steps per sample.</param>
    /// <param name="features">Input features per step.</param>
    /// <param name="units">Units.</param>
    /// <param name="activation">The forward pass's activation.</param>
    /// <param name="recurrentActivation">The forward pass's recurrent activation.</param>
    /// <param name="returnSequences">Whether the forward output was every step's h.</param>
    public static void Backward(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> saved, ReadOnlySpan<float> dy,
        Span<float> dx, Span<float> kernelGradient, Span<float> recurrentGradient, Span<float> biasGradient, Span<float> workspace,
        int rows, int timesteps, int features, int units, Activation activation, Activation recurrentActivation, bool returnSequences)
    {
        CheckShapes(x, kernel, recurrent, dy, rows, timesteps, features, units, activation, recurrentActivation, returnSequences, nameof(dy));
        int n = Size((long)rows * timesteps * units), gateWidth = 4 * units;
        Check.Length(saved.Length, Size((long)SavedPerUnit * n), nameof(saved), "rows · timesteps · 11 · units");
        Check.LengthOrEmpty(dx.Length, x.Length, nameof(dx), "[rows, timesteps, features]");
        Check.Length(kernelGradient.Length, kernel.Length, nameof(kernelGradient), "[features, 4 · units]");
        Check.Length(recurrentGradient.Length, recurrent.Length, nameof(recurrentGradient), "[units, 4 · units]");
        Check.Length(biasGradient.Length, gateWidth, nameof(biasGradient), "[4 · units]");
        Check.Length(workspace.Length, Size((long)rows * (4L * timesteps + 7) * units), nameof(workspace), "rows · (4 · timesteps + 7) · units");

        int step = rows * units, stepGates = rows * gateWidth;
        ReadOnlySpan<float> z = saved.Slice(0, 4 * n);
        ReadOnlySpan<float> gates = saved.Slice(4 * n, 4 * n);
        ReadOnlySpan<float> cells = saved.Slice(8 * n, n);
        ReadOnlySpan<float> activatedCells = saved.Slice(9 * n, n);
        ReadOnlySpan<float> hidden = saved.Slice(10 * n, n);

        Span<float> dz = workspace.Slice(0, 4 * n);
        Span<float> stepDz = workspace.Slice(4 * n, stepGates);
        Span<float> dh = workspace.Slice(4 * n + stepGates, step);
        Span<float> dc = workspace.Slice(4 * n + stepGates + step, step);
        Span<float> dhNext = workspace.Slice(4 * n + stepGates + 2 * step, step);

        recurrentGradient.Clear();
        dc.Clear();
        dhNext.Clear();
        SimdWidth width = SimdDispatch.Best;
        for (int t = timesteps - 1; t >= 0; t--)
        {
            ReadOnlySpan<float> stepGate = gates.Slice(t * stepGates, stepGates);
            ReadOnlySpan<float> c = cells.Slice(t * step, step);
            ReadOnlySpan<float> ac = activatedCells.Slice(t * step, step);

            // dL/dh_t: from the output of this step (if it is one) and from step t + 1 through the recurrent kernel.
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

            // dL/dc_t = dL/dc_t through c_{t+1} (already in dc) + dh · o · a'(c_t); dhNext is free for dh · o.
            for (int r = 0; r < rows; r++)
            {
                Elementwise.Map(default(MultiplyOperator), dh.Slice(r * units, units), stepGate.Slice(r * gateWidth + 3 * units, units), dhNext.Slice(r * units, units), width);
            }

            Activations.Backward(activation, c, ac, dhNext, dhNext, units);
            Elementwise.Map(default(AddOperator), dc, dhNext, dc, width);

            // The gradients of the activated gates, then through their activations; dc becomes dL/dc_{t-1} through c_t.
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<float> g = stepGate.Slice(r * gateWidth, gateWidth);
                Span<float> d = stepDz.Slice(r * gateWidth, gateWidth);
                Span<float> dcRow = dc.Slice(r * units, units);
                Elementwise.Map(default(MultiplyOperator), dcRow, g.Slice(2 * units, units), d.Slice(0, units), width);
                if (t > 0)
                {
                    Elementwise.Map(default(MultiplyOperator), dcRow, cells.Slice((t - 1) * step + r * units, units), d.Slice(units, units), width);
                }
                else
                {
                    d.Slice(units, units).Clear();
                }

                Elementwise.Map(default(MultiplyOperator), dcRow, g.Slice(0, units), d.Slice(2 * units, units), width);
                Elementwise.Map(default(MultiplyOperator), dh.Slice(r * units, units), ac.Slice(r * units, units), d.Slice(3 * units, units), width);
                Elementwise.Map(default(MultiplyOperator), dcRow, g.Slice(units, units), dcRow, width);

                ReadOnlySpan<float> zRow = z.Slice((r * timesteps + t) * gateWidth, gateWidth);
                Activations.Backward(recurrentActivation, zRow.Slice(0, 2 * units), g.Slice(0, 2 * units), d.Slice(0, 2 * units), d.Slice(0, 2 * units), 2 * units);
                Activations.Backward(activation, zRow.Slice(2 * units, units), g.Slice(2 * units, units), d.Slice(2 * units, units), d.Slice(2 * units, units), units);
                Activations.Backward(recurrentActivation, zRow.Slice(3 * units, units), g.Slice(3 * units, units), d.Slice(3 * units, units), d.Slice(3 * units, units), units);
                d.CopyTo(dz.Slice((r * timesteps + t) * gateWidth, gateWidth));
            }

            if (t > 0)
            {
                ReadOnlySpan<float> hPrevious = hidden.Slice((t - 1) * step, step);
                Gemm.MultiplyTransposeA(hPrevious, stepDz, recurrentGradient, units, rows, gateWidth, accumulate: true);
                Gemm.MultiplyTransposeB(stepDz, recurrent, dhNext, rows, gateWidth, units, accumulate: false);
            }
        }

        int allRows = rows * timesteps;
        Gemm.MultiplyTransposeA(x, dz, kernelGradient, features, allRows, gateWidth, accumulate: false);
        Bias.Gradient(dz, biasGradient, allRows, gateWidth);
        if (!dx.IsEmpty)
        {
            Gemm.MultiplyTransposeB(dz, kernel, dx, allRows, gateWidth, features, accumulate: false);
        }
    }

    /// <summary>The checks every entry point shares: positive sizes, the activations, x, the kernels and the output (or dy).</summary>
    private static void CheckShapes(
        ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> y,
        int rows, int timesteps, int features, int units, Activation activation, Activation recurrentActivation,
        bool returnSequences, string yName = "y")
    {
        Check.Positive(rows, nameof(rows));
        Check.Positive(timesteps, nameof(timesteps));
        Check.Positive(features, nameof(features));
        Check.Positive(units, nameof(units));
        if (activation == Activation.Softmax)
        {
            Check.Throw("An LSTM's activation must be elementwise; softmax is not supported.", nameof(activation));
        }

        if (recurrentActivation == Activation.Softmax)
        {
            Check.Throw("An LSTM's recurrent activation must be elementwise; softmax is not supported.", nameof(recurrentActivation));
        }

        Check.Length(x.Length, Size((long)rows * timesteps * features), nameof(x), "[rows, timesteps, features]");
        Check.Length(kernel.Length, Size(4L * features * units), nameof(kernel), "[features, 4 · units]");
        Check.Length(recurrent.Length, Size(4L * units * units), nameof(recurrent), "[units, 4 · units]");
        if (returnSequences)
        {
            Check.Length(y.Length, Size((long)rows * timesteps * units), yName, "[rows, timesteps, units]");
        }
        else
        {
            Check.Length(y.Length, Size((long)rows * units), yName, "[rows, units]");
        }
    }

    /// <summary>A buffer size, which must fit a span.</summary>
    private static int Size(long values)
    {
        if (values > Array.MaxLength)
        {
            Check.Throw($"The LSTM's buffers would need {values} values, more than a span can hold.", "rows");
        }

        return (int)values;
    }

    /// <summary>The input projections of every step: <c>z = x · kernel + bias</c> over all <c>rows · timesteps</c> rows.</summary>
    private static void Project(ReadOnlySpan<float> x, ReadOnlySpan<float> kernel, ReadOnlySpan<float> bias, Span<float> z, int allRows, int features, int gateWidth)
    {
        Gemm.Multiply(x, kernel, z, allRows, features, gateWidth, accumulate: false);
        Bias.Add(z, bias, allRows, gateWidth);
    }

    /// <summary>One step's complete pre-activation <c>[rows, 4u]</c>: its rows of the input projection, plus <c>h_{t-1} · recurrent</c> after the first step.</summary>
    private static void PreActivation(
        ReadOnlySpan<float> z, ReadOnlySpan<float> hPrevious, ReadOnlySpan<float> recurrent, Span<float> stepGate,
        int rows, int timesteps, int t, int units)
    {
        int gateWidth = 4 * units;
        for (int r = 0; r < rows; r++)
        {
            z.Slice((r * timesteps + t) * gateWidth, gateWidth).CopyTo(stepGate.Slice(r * gateWidth, gateWidth));
        }

        if (!hPrevious.IsEmpty)
        {
            Gemm.Multiply(hPrevious, recurrent, stepGate, rows, units, gateWidth, accumulate: true);
        }
    }

    /// <summary>Activates one step's gates in place (ra on i, f and o, a on the candidate) and writes
    /// <c>c_t = f · c_{t-1} + i · g</c> (<c>i · g</c> at the first step, when <paramref name="cPrevious"/> is empty);
    /// <paramref name="c"/> may be <paramref name="cPrevious"/>.</summary>
    private static void GatesAndCell(Span<float> stepGate, ReadOnlySpan<float> cPrevious, Span<float> c, int rows, int units, Activation activation, Activation recurrentActivation)
    {
        int gateWidth = 4 * units;
        SimdWidth width = SimdDispatch.Best;
        for (int r = 0; r < rows; r++)
        {
            Span<float> g = stepGate.Slice(r * gateWidth, gateWidth);
            Activations.Forward(recurrentActivation, g.Slice(0, 2 * units), g.Slice(0, 2 * units), 2 * units);
            Activations.Forward(activation, g.Slice(2 * units, units), g.Slice(2 * units, units), units);
            Activations.Forward(recurrentActivation, g.Slice(3 * units, units), g.Slice(3 * units, units), units);
            Span<float> cRow = c.Slice(r * units, units);
            if (cPrevious.IsEmpty)
            {
                Elementwise.Map(default(MultiplyOperator), g.Slice(0, units), g.Slice(2 * units, units), cRow, width);
            }
            else
            {
                CellState(g.Slice(0, units), g.Slice(units, units), g.Slice(2 * units, units), cPrevious.Slice(r * units, units), cRow, width);
            }
        }
    }

    /// <summary><c>h = o · a(c)</c> per row; <paramref name="h"/> may be <paramref name="activatedCell"/>.</summary>
    private static void Output(ReadOnlySpan<float> stepGate, ReadOnlySpan<float> activatedCell, Span<float> h, int rows, int units)
    {
        SimdWidth width = SimdDispatch.Best;
        for (int r = 0; r < rows; r++)
        {
            Elementwise.Map(default(MultiplyOperator), stepGate.Slice(r * 4 * units + 3 * units, units), activatedCell.Slice(r * units, units), h.Slice(r * units, units), width);
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

    /// <summary><c>c[j] = f[j] · cPrevious[j] + i[j] · g[j]</c> (fused where the hardware has FMA); <paramref name="c"/> may be <paramref name="cPrevious"/>.</summary>
    private static void CellState(ReadOnlySpan<float> i, ReadOnlySpan<float> f, ReadOnlySpan<float> g, ReadOnlySpan<float> cPrevious, Span<float> c, SimdWidth width)
    {
        int j = 0;
        if (width >= SimdWidth.V512) j = CellStateBody<Vector512<float>, Vector512Ops>(i, f, g, cPrevious, c, j);
        if (width >= SimdWidth.V256) j = CellStateBody<Vector256<float>, Vector256Ops>(i, f, g, cPrevious, c, j);
        if (width >= SimdWidth.V128) j = CellStateBody<Vector128<float>, Vector128Ops>(i, f, g, cPrevious, c, j);
        CellStateBody<float, ScalarOps>(i, f, g, cPrevious, c, j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CellStateBody<TVec, TOps>(ReadOnlySpan<float> i, ReadOnlySpan<float> f, ReadOnlySpan<float> g, ReadOnlySpan<float> cPrevious, Span<float> c, int j)
        where TVec : struct where TOps : ISimdOps<TVec>
    {
        for (; j <= c.Length - TOps.Count; j += TOps.Count)
        {
            TVec input = TOps.Multiply(TOps.Load(i, j), TOps.Load(g, j));
            TOps.Store(TOps.MultiplyAdd(TOps.Load(f, j), TOps.Load(cPrevious, j), input), c, j);
        }

        return j;
    }

    /// <summary>a + b.</summary>
    private readonly struct AddOperator : IBinaryOperator
    {
        public TVec Invoke<TVec, TOps>(TVec a, TVec b) where TVec : struct where TOps : ISimdOps<TVec> => TOps.Add(a, b);
    }
}
