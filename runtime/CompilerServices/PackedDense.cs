using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// A Dense kernel prepacked for one sample at a time (<c>Predict</c> at batch 1, where a Dense is a vector-matrix
/// product bound by reading its weights), as ONNX Runtime's MLAS prepacks its GEMM operands. For generated code: the
/// model packs each inference kernel once after its weights change, and <see cref="FusedDense.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, Span{float}, int, int, int, Activation)"/>
/// takes this path for a single row.
/// </summary>
/// <remarks>
/// <para>
/// Why: Keras's kernel <c>W[inputs, units]</c> is row-major, so a row-at-a-time product reads each block of columns
/// down the rows, <c>4 · units</c> bytes apart (2 KiB for 512 units): every other read starts a new 4 KiB page,
/// where the hardware prefetchers stop, and the loop waits on memory. Packed, the kernel is a sequence of panels of
/// <see cref="PanelWidth"/> columns, each <c>[inputs][16]</c> contiguous (64 bytes, one cache line, per input), so
/// every read streams forward and the prefetchers keep up; measured on Zen 3, 784 × 512: 44 µs row-major, 21 µs
/// packed (75 GB/s).
/// </para>
/// <para>
/// The panel width is fixed (not the machine's vector width) so that the packed size is known at compile time. The
/// product runs eight vector accumulators at once (eight panels of one 512-bit vector, four of two 256-bit vectors
/// or two of four 128-bit vectors), enough independent chains to hide the FMA latency, the inputs broadcast from
/// memory (a load-port operation on Intel and AMD alike, leaving the FMA ports free).
/// </para>
/// <para>
/// Bits: each output is the k-ordered chain of fused multiply-adds from zero that <see cref="Gemm"/> computes for
/// that element, so a sample predicted alone gets the same bits as in a batch.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class PackedDense
{
    /// <summary>Columns per panel: 16 floats, one 64-byte cache line per input.</summary>
    internal const int PanelWidth = 16;

    /// <summary>Floats the packed form of a <c>[inputs, units]</c> kernel takes: the units rounded up to whole panels,
    /// each panel <c>inputs + 1</c> lines long (see <see cref="PanelStride"/>).</summary>
    internal static int PackedLength(int inputs, int units) => checked((units + PanelWidth - 1) / PanelWidth * PanelWidth * (inputs + 1));

    /// <summary>Floats from one panel to the next: its <paramref name="inputs"/> lines and one more, so that panels are
    /// never a power of two apart (512 inputs would put every panel's lines in the same cache sets; the GEMM reads
    /// blocks of 15-60 panels at a time).</summary>
    internal static nint PanelStride(int inputs) => ((nint)inputs + 1) * PanelWidth;

    /// <summary>Packs <paramref name="kernel"/> <c>[inputs, units]</c> into panels of <see cref="PanelWidth"/> columns,
    /// the last padded with zero columns.</summary>
    /// <param name="kernel">The kernel, row-major <c>[inputs, units]</c>.</param>
    /// <param name="packed">Receives <see cref="PackedLength"/> values.</param>
    /// <param name="inputs">Rows of the kernel.</param>
    /// <param name="units">Columns of the kernel.</param>
    public static void Pack(ReadOnlySpan<float> kernel, Span<float> packed, int inputs, int units)
    {
        if (kernel.Length != inputs * units)
        {
            // The message is built only on failure: a refresh of the inference weights allocates nothing.
            Check.Length(kernel.Length, inputs * units, nameof(kernel), $"[inputs, units] = [{inputs}, {units}]");
        }

        Check.Length(packed.Length, PackedLength(inputs, units), nameof(packed), "PackedDense.PackedLength(inputs, units)");
        int panels = (units + PanelWidth - 1) / PanelWidth;
        for (int q = 0; q < panels; q++)
        {
            int first = q * PanelWidth, count = Math.Min(PanelWidth, units - first);
            Span<float> panel = packed.Slice(q * (int)PanelStride(inputs), (int)PanelStride(inputs));
            panel.Slice(PanelWidth * inputs).Clear(); // the spacing line
            for (int p = 0; p < inputs; p++)
            {
                Span<float> line = panel.Slice(p * PanelWidth, PanelWidth);
                kernel.Slice(p * units + first, count).CopyTo(line);
                line.Slice(count).Clear();
            }
        }
    }

    /// <summary><c>z[units] = x[inputs] · W</c> from the packed kernel.</summary>
    internal static void MultiplyRow(ReadOnlySpan<float> x, ReadOnlySpan<float> packed, Span<float> z, int inputs, int units) =>
        MultiplyRow(x, packed, z, inputs, units, SimdDispatch.Best);

    internal static unsafe void MultiplyRow(ReadOnlySpan<float> x, ReadOnlySpan<float> packed, Span<float> z, int inputs, int units, SimdWidth width)
    {
        Check.Length(x.Length, inputs, nameof(x), "[1, inputs]");
        Check.Length(packed.Length, PackedLength(inputs, units), nameof(packed), "PackedDense.PackedLength(inputs, units)");
        Check.Length(z.Length, units, nameof(z), "[1, units]");
        fixed (float* px = x, pb = packed, pz = z)
        {
            switch (width)
            {
                case SimdWidth.V512: Row<Vector512<float>, Vector512Ops>(px, pb, pz, inputs, units); break;
                case SimdWidth.V256: Row<Vector256<float>, Vector256Ops>(px, pb, pz, inputs, units); break;
                case SimdWidth.V128: Row<Vector128<float>, Vector128Ops>(px, pb, pz, inputs, units); break;
                default: RowScalar(px, pb, pz, inputs, units); break;
            }
        }
    }

    /// <summary>
    /// Eight accumulators over 8 · w columns (8 / v panels of v = 16 / w vectors each), then one panel at a time.
    /// Accumulator <c>a</c> covers columns <c>a · w</c> onwards of its group: panel <c>a / v</c>, vector <c>a % v</c>.
    /// </summary>
    private static unsafe void Row<TVec, TOps>(float* x, float* packed, float* z, int k, int n)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int w = TOps.Count, v = PanelWidth / w;
        int panels = (n + PanelWidth - 1) / PanelWidth, group = 8 / v;
        nint panelStride = PanelStride(k);
        float* spill = stackalloc float[8 * 16];
        int q = 0;
        for (; q + group <= panels; q += group)
        {
            float* b = packed + q * panelStride;
            nint o1 = Offset(1, v, w, panelStride), o2 = Offset(2, v, w, panelStride), o3 = Offset(3, v, w, panelStride);
            nint o4 = Offset(4, v, w, panelStride), o5 = Offset(5, v, w, panelStride), o6 = Offset(6, v, w, panelStride);
            nint o7 = Offset(7, v, w, panelStride);
            TVec s0 = TOps.Create(0f), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
            for (int p = 0; p < k; p++)
            {
                TVec xp = TOps.Create(x[p]);
                s0 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b), s0);
                s1 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + o1), s1);
                s2 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + o2), s2);
                s3 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + o3), s3);
                s4 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + o4), s4);
                s5 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + o5), s5);
                s6 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + o6), s6);
                s7 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + o7), s7);
                b += PanelWidth;
            }

            int first = q * PanelWidth;
            bool whole = first + 8 * w <= n;
            float* c = whole ? z + first : spill;
            Unsafe.WriteUnaligned(c, s0); Unsafe.WriteUnaligned(c + w, s1);
            Unsafe.WriteUnaligned(c + 2 * w, s2); Unsafe.WriteUnaligned(c + 3 * w, s3);
            Unsafe.WriteUnaligned(c + 4 * w, s4); Unsafe.WriteUnaligned(c + 5 * w, s5);
            Unsafe.WriteUnaligned(c + 6 * w, s6); Unsafe.WriteUnaligned(c + 7 * w, s7);
            if (!whole)
            {
                new ReadOnlySpan<float>(spill, n - first).CopyTo(new Span<float>(z + first, n - first));
            }
        }

        for (; q < panels; q++)
        {
            float* b = packed + q * panelStride;
            TVec s0 = TOps.Create(0f), s1 = s0, s2 = s0, s3 = s0;
            for (int p = 0; p < k; p++)
            {
                TVec xp = TOps.Create(x[p]);
                s0 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b), s0);
                if (v > 1) s1 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + w), s1);
                if (v > 2) s2 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + 2 * w), s2);
                if (v > 3) s3 = TOps.MultiplyAdd(xp, Unsafe.ReadUnaligned<TVec>(b + 3 * w), s3);
                b += PanelWidth;
            }

            Unsafe.WriteUnaligned(spill, s0);
            if (v > 1) Unsafe.WriteUnaligned(spill + w, s1);
            if (v > 2) Unsafe.WriteUnaligned(spill + 2 * w, s2);
            if (v > 3) Unsafe.WriteUnaligned(spill + 3 * w, s3);
            int first = q * PanelWidth, count = Math.Min(PanelWidth, n - first);
            new ReadOnlySpan<float>(spill, count).CopyTo(new Span<float>(z + first, count));
        }
    }

    /// <summary>Where accumulator <paramref name="a"/> reads, relative to its group's first panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nint Offset(int a, int v, int w, nint panelStride) => a / v * panelStride + a % v * w;

    /// <summary>The scalar reference: one chain per column.</summary>
    private static unsafe void RowScalar(float* x, float* packed, float* z, int k, int n)
    {
        for (int j = 0; j < n; j++)
        {
            float* b = packed + j / PanelWidth * PanelStride(k) + j % PanelWidth;
            float s = 0f;
            for (int p = 0; p < k; p++)
            {
                s = ScalarOps.MultiplyAdd(x[p], b[p * PanelWidth], s);
            }

            z[j] = s;
        }
    }
}
