using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>
/// Single-precision matrix products on row-major spans, for generated code: <c>C = A·B</c>, <c>C = A·Bᵀ</c>,
/// <c>C = Aᵀ·B</c>, each either overwriting C or adding to it. Allocation-free once warm (each thread keeps one
/// packing buffer) and deterministic. Large products split across threads inside a <see cref="Parallelism"/> scope (a
/// generated model's <c>MaxDegreeOfParallelism</c>), and the <c>…Parallel</c> overloads split them explicitly.
/// </summary>
/// <remarks>
/// <para>
/// For a Dense layer with Keras's kernel <c>W[in, out]</c>: forward <c>Y = X·W</c> (<c>Multiply</c>),
/// input gradient <c>dX = dY·Wᵀ</c> (<c>MultiplyTransposeB</c>), kernel gradient <c>dW = Xᵀ·dY</c>
/// (<c>MultiplyTransposeA</c>).
/// </para>
/// <para>
/// Products run cache-blocked (GotoBLAS/BLIS structure; the block sizes come from the processor's cache sizes at
/// start-up, see <see cref="GemmBlocking"/>) through a register-blocked microkernel: 8 rows × 2 vectors
/// where the machine has 32 vector registers, 6 × 2 otherwise. A is read in place; B is packed (a row-major B read in
/// place only for products of a few row blocks, and a Dense kernel prepacked by <see cref="PackedDense"/> not packed
/// again where the tile is 16 columns wide). Products with at most 4 columns take dot-product or column paths, and few
/// rows go a row at a time.
/// </para>
/// <para>
/// Determinism: the operations that produce an element of C depend only on the method, the shape <c>(m, k, n)</c>,
/// <c>accumulate</c>, the SIMD width and the machine, never on buffer addresses; the parallel overloads give
/// bit-for-bit the single-threaded result. Nearly every element is one chain of fused multiply-adds in k order,
/// starting from C or zero, so it is also independent of m, of the blocking and of the SIMD width on FMA hardware
/// (a block of rows multiplied alone gives the same bits as those rows of the whole product). The exceptions sum
/// per-lane partial dot products in a fixed order that depends on the width: <c>Multiply</c> with n ≤ 4 (still
/// independent of m), and <c>MultiplyTransposeB</c> with n ≤ 4 or fewer rows than one microkernel tile.
/// </para>
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class Gemm
{
    /// <summary>The running machine's CPU family and the cache blocking derived for it at start-up (KC, NC and how), for
    /// diagnostics and benchmark reports.</summary>
    internal static string Blocking => GemmBlocking.Current.Reason;

    /// <summary>Up to this many columns, <c>Multiply</c> and <c>MultiplyTransposeB</c> use dot products, and
    /// <c>MultiplyTransposeA</c> vectorizes down the rows.</summary>
    private const int NarrowColumns = 4;

    /// <summary><c>C[m, n] = A[m, k] · B[k, n]</c>, or <c>C += A·B</c> when <paramref name="accumulate"/>.</summary>
    /// <param name="a">A, <c>m × k</c> values.</param>
    /// <param name="b">B, <c>k × n</c> values.</param>
    /// <param name="c">C, <c>m × n</c> values; must not overlap A or B.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        Multiply(a, b, c, m, k, n, accumulate, SimdDispatch.Best, Threads(Parallelism.Current, m, k, n));

    /// <summary><c>C[m, n] = A[m, k] · Bᵀ</c> with B stored <c>[n, k]</c>, or <c>C += A·Bᵀ</c>.</summary>
    /// <param name="a">A, <c>m × k</c> values.</param>
    /// <param name="b">B, stored as <c>n × k</c> values.</param>
    /// <param name="c">C, <c>m × n</c> values; must not overlap A or B.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="k">Columns of A and of the stored B.</param>
    /// <param name="n">Rows of the stored B, columns of C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void MultiplyTransposeB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        MultiplyTransposeB(a, b, c, m, k, n, accumulate, SimdDispatch.Best, Threads(Parallelism.Current, m, k, n));

    /// <summary><c>C[m, n] = Aᵀ · B[k, n]</c> with A stored <c>[k, m]</c>, or <c>C += Aᵀ·B</c>.</summary>
    /// <param name="a">A, stored as <c>k × m</c> values.</param>
    /// <param name="b">B, <c>k × n</c> values.</param>
    /// <param name="c">C, <c>m × n</c> values; must not overlap A or B.</param>
    /// <param name="m">Columns of the stored A, rows of C.</param>
    /// <param name="k">Rows of the stored A and of B.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void MultiplyTransposeA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        MultiplyTransposeA(a, b, c, m, k, n, accumulate, SimdDispatch.Best, Threads(Parallelism.Current, m, k, n));

    internal static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width) =>
        Multiply(a, b, c, m, k, n, accumulate, width, threads: 1);

    internal static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width, int threads) =>
        Multiply(a, b, c, m, k, n, accumulate, width, threads, GemmBlocking.Current);

    /// <summary>The product with an explicit blocking: results are bit-identical for every blocking (tests check it).</summary>
    internal static unsafe void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width, int threads, in GemmBlocking blocking)
    {
        Validate(a.Length, b.Length, c.Length, m, k, n, "[m, k]", "[k, n]");
        if (Trivial(c, m, k, n, accumulate))
        {
            return;
        }

        if (n == 1)
        {
            // A matrix-vector product (a Dense layer with one unit): B [k, 1] is also Bᵀ [1, k], and dot products
            // over A's contiguous rows beat broadcasting scalars.
            Dots(a, b, c, m, k, n, accumulate, width);
            return;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            if (n <= NarrowColumns)
            {
                // A few columns: transpose B (n × k values) and take dot products of contiguous rows.
                float* bt = Scratch(n * k);
                Transpose(pb, k, n, bt);
                Dots(a, new ReadOnlySpan<float>(bt, n * k), c, m, k, n, accumulate, width);
                return;
            }

            Product(new Operands(pa, k, 1, pb, n, 1, pc, m, k, n, accumulate, blocking), width, threads);
        }
    }

    /// <summary><c>C = A·B</c> (overwriting C) with B also given packed by <see cref="PackedDense.Pack"/>: where the
    /// microkernel's tile is 16 columns wide (AVX2) the blocked product reads those panels instead of packing B again;
    /// elsewhere it is <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>.
    /// The same bits either way.</summary>
    internal static unsafe void MultiplyPrepacked(ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> packedB, Span<float> c, int m, int k, int n)
    {
        SimdWidth width = SimdDispatch.Best;
        if (n <= NarrowColumns || TileColumns(width) != PackedDense.PanelWidth)
        {
            Multiply(a, b, c, m, k, n, accumulate: false);
            return;
        }

        Validate(a.Length, b.Length, c.Length, m, k, n, "[m, k]", "[k, n]");
        Check.Length(packedB.Length, PackedDense.PackedLength(k, n), nameof(packedB), "PackedDense.PackedLength(k, n)");
        if (Trivial(c, m, k, n, accumulate: false))
        {
            return;
        }

        fixed (float* pa = a, pb = b, pp = packedB, pc = c)
        {
            Product(new Operands(pa, k, 1, pb, n, 1, pc, m, k, n, accumulate: false, GemmBlocking.Current, pp), width, Threads(Parallelism.Current, m, k, n));
        }
    }

    internal static void MultiplyTransposeA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width) =>
        MultiplyTransposeA(a, b, c, m, k, n, accumulate, width, threads: 1);

    internal static void MultiplyTransposeA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width, int threads) =>
        MultiplyTransposeA(a, b, c, m, k, n, accumulate, width, threads, GemmBlocking.Current);

    /// <summary>The product with an explicit blocking: results are bit-identical for every blocking (tests check it).</summary>
    internal static unsafe void MultiplyTransposeA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width, int threads, in GemmBlocking blocking)
    {
        Validate(a.Length, b.Length, c.Length, m, k, n, "[k, m]", "[k, n]");
        if (Trivial(c, m, k, n, accumulate))
        {
            return;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            var operands = new Operands(pa, 1, m, pb, n, 1, pc, m, k, n, accumulate, blocking);
            if (n <= NarrowColumns)
            {
                // A few columns (a gradient of a layer with few units): vectors run down the stored rows of A.
                ColumnsDown(operands, width);
                return;
            }

            Product(operands, width, threads);
        }
    }

    internal static void MultiplyTransposeB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width) =>
        MultiplyTransposeB(a, b, c, m, k, n, accumulate, width, threads: 1);

    internal static void MultiplyTransposeB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width, int threads) =>
        MultiplyTransposeB(a, b, c, m, k, n, accumulate, width, threads, GemmBlocking.Current);

    /// <summary>The product with an explicit blocking: results are bit-identical for every blocking (tests check it).</summary>
    internal static unsafe void MultiplyTransposeB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width, int threads, in GemmBlocking blocking)
    {
        Validate(a.Length, b.Length, c.Length, m, k, n, "[m, k]", "[n, k]");
        if (Trivial(c, m, k, n, accumulate))
        {
            return;
        }

        if (n <= NarrowColumns || m < Rows(width))
        {
            // Few columns or few rows: packing would cost more than it saves; rows of A against rows of B.
            Dots(a, b, c, m, k, n, accumulate, width);
            return;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            Product(new Operands(pa, k, 1, pb, 1, k, pc, m, k, n, accumulate, blocking), width, threads);
        }
    }

    /// <summary>Handles empty products: nothing to do when C is empty; C = 0 (or unchanged) when k = 0.</summary>
    private static bool Trivial(Span<float> c, int m, int k, int n, bool accumulate)
    {
        if (m == 0 || n == 0)
        {
            return true;
        }

        if (k == 0)
        {
            if (!accumulate)
            {
                c.Clear();
            }

            return true;
        }

        return false;
    }

    /// <summary>Whether the hardware has 32 vector registers, room for the 8-row microkernel's 16 accumulators.</summary>
    private static readonly bool WideRegisterFile = Avx512F.IsSupported || AdvSimd.Arm64.IsSupported;

    /// <summary>Rows of the microkernel tile for a width.</summary>
    private static int Rows(SimdWidth width) => WideRegisterFile ? Kernel8.Rows : Kernel6.Rows;

    /// <summary>A general product, blocked, on up to <paramref name="threads"/> threads.</summary>
    private static void Product(in Operands o, SimdWidth width, int threads)
    {
        if (threads > 1)
        {
            BlockedParallel(o, width, threads);
        }
        else
        {
            Blocked(o, width, 0, o.M, 0, o.N);
        }
    }

    /// <summary>The blocked product of rows <c>i0..i1</c> and columns <c>j0..j1</c>, with the kernel for this machine and width.</summary>
    private static void Blocked(in Operands o, SimdWidth width, int i0, int i1, int j0, int j1)
    {
        if (WideRegisterFile)
        {
            Blocked<Kernel8>(o, width, i0, i1, j0, j1);
        }
        else
        {
            Blocked<Kernel6>(o, width, i0, i1, j0, j1);
        }
    }

    private static void Blocked<TKernel>(in Operands o, SimdWidth width, int i0, int i1, int j0, int j1)
        where TKernel : IMicroKernel
    {
        switch (width)
        {
            case SimdWidth.V512: Blocked<Vector512<float>, Vector512Ops, TKernel>(o, i0, i1, j0, j1); break;
            case SimdWidth.V256: Blocked<Vector256<float>, Vector256Ops, TKernel>(o, i0, i1, j0, j1); break;
            case SimdWidth.V128: Blocked<Vector128<float>, Vector128Ops, TKernel>(o, i0, i1, j0, j1); break;
            default: Blocked<float, ScalarOps, TKernel>(o, i0, i1, j0, j1); break;
        }
    }

    /// <summary>Columns of the microkernel tile (two vectors) for a width.</summary>
    private static int TileColumns(SimdWidth width) => width switch
    {
        SimdWidth.V512 => 2 * Vector512<float>.Count,
        SimdWidth.V256 => 2 * Vector256<float>.Count,
        SimdWidth.V128 => 2 * Vector128<float>.Count,
        _ => 2,
    };

    private static void Validate(int aLength, int bLength, int cLength, int m, int k, int n, string aShape, string bShape)
    {
        Check.NonNegative(m, nameof(m));
        Check.NonNegative(k, nameof(k));
        Check.NonNegative(n, nameof(n));
        if (aLength != m * k || bLength != k * n || cLength != m * n)
        {
            // Messages are built only on failure: the check itself allocates nothing.
            bool aRows = aShape == "[m, k]", bRows = bShape == "[k, n]";
            Check.Length(aLength, m * k, "a", $"{aShape} = [{(aRows ? m : k)}, {(aRows ? k : m)}]");
            Check.Length(bLength, k * n, "b", $"{bShape} = [{(bRows ? k : n)}, {(bRows ? n : k)}]");
            Check.Length(cLength, m * n, "c", $"[m, n] = [{m}, {n}]");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(ref float c, float value, bool accumulate) => c = accumulate ? c + value : value;
}
