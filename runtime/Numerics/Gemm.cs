using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using ModelGen.Numerics.Simd;

namespace ModelGen.Numerics;

/// <summary>
/// Single-precision matrix products on row-major spans, for generated code: <c>C = A·B</c>, <c>C = A·Bᵀ</c>,
/// <c>C = Aᵀ·B</c>, each either overwriting C or adding to it. Allocation-free and deterministic: every element of C
/// is a fixed-order sum over k. <c>Multiply</c> (for n &gt; 1) and <c>MultiplyTransposeA</c> accumulate each element
/// in k order with fused multiply-adds, so on FMA hardware their results do not depend on the SIMD width.
/// </summary>
/// <remarks>
/// For a Dense layer with Keras's kernel <c>W[in, out]</c>: forward <c>Y = X·W</c> (<c>Multiply</c>),
/// input gradient <c>dX = dY·Wᵀ</c> (<c>MultiplyTransposeB</c>), kernel gradient <c>dW = Xᵀ·dY</c>
/// (<c>MultiplyTransposeA</c>).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Gemm
{
    private const int RowBlock = 4;

    /// <summary><c>C[m, n] = A[m, k] · B[k, n]</c>, or <c>C += A·B</c> when <paramref name="accumulate"/>.</summary>
    /// <param name="a">A, <c>m × k</c> values.</param>
    /// <param name="b">B, <c>k × n</c> values.</param>
    /// <param name="c">C, <c>m × n</c> values; must not overlap A or B.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        Multiply(a, b, c, m, k, n, accumulate, SimdDispatch.Best);

    /// <summary><c>C[m, n] = A[m, k] · Bᵀ</c> with B stored <c>[n, k]</c>, or <c>C += A·Bᵀ</c>.</summary>
    /// <param name="a">A, <c>m × k</c> values.</param>
    /// <param name="b">B, stored as <c>n × k</c> values.</param>
    /// <param name="c">C, <c>m × n</c> values; must not overlap A or B.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="k">Columns of A and of the stored B.</param>
    /// <param name="n">Rows of the stored B, columns of C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void MultiplyTransposeB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        MultiplyTransposeB(a, b, c, m, k, n, accumulate, SimdDispatch.Best);

    /// <summary><c>C[m, n] = Aᵀ · B[k, n]</c> with A stored <c>[k, m]</c>, or <c>C += Aᵀ·B</c>.</summary>
    /// <param name="a">A, stored as <c>k × m</c> values.</param>
    /// <param name="b">B, <c>k × n</c> values.</param>
    /// <param name="c">C, <c>m × n</c> values; must not overlap A or B.</param>
    /// <param name="m">Columns of the stored A, rows of C.</param>
    /// <param name="k">Rows of the stored A and of B.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static void MultiplyTransposeA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate) =>
        MultiplyTransposeA(a, b, c, m, k, n, accumulate, SimdDispatch.Best);

    internal static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width)
    {
        Validate(a.Length, b.Length, c.Length, m, k, n, "[m, k]", "[k, n]");
        if (n == 1)
        {
            // A matrix-vector product (a Dense layer with one unit): B [k, 1] is also Bᵀ [1, k], and dot products
            // over A's contiguous rows beat broadcasting scalars.
            Dots(a, b, c, m, k, n, accumulate, width);
            return;
        }

        Strided(a, k, 1, b, c, m, k, n, accumulate, width);
    }

    internal static void MultiplyTransposeA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width)
    {
        Validate(a.Length, b.Length, c.Length, m, k, n, "[k, m]", "[k, n]");
        Strided(a, 1, m, b, c, m, k, n, accumulate, width);
    }

    internal static void MultiplyTransposeB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width)
    {
        Validate(a.Length, b.Length, c.Length, m, k, n, "[m, k]", "[n, k]");
        Dots(a, b, c, m, k, n, accumulate, width);
    }

    /// <summary><c>C[i, j] (=|+=) Σ_p A[i, p] · B[j, p]</c>: rows of A against rows of B, both contiguous.</summary>
    private static void Dots(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width)
    {
        int i = 0;
        for (; i <= m - RowBlock; i += RowBlock)
        {
            for (int j = 0; j < n; j++)
            {
                ReadOnlySpan<float> bRow = b.Slice(j * k, k);
                Dot4(a.Slice(i * k, RowBlock * k), bRow, k, width, out float s0, out float s1, out float s2, out float s3);
                ref float c0 = ref c[i * n + j];
                Store(ref c0, s0, accumulate);
                Store(ref Unsafe.Add(ref c0, n), s1, accumulate);
                Store(ref Unsafe.Add(ref c0, 2 * n), s2, accumulate);
                Store(ref Unsafe.Add(ref c0, 3 * n), s3, accumulate);
            }
        }

        for (; i < m; i++)
        {
            ReadOnlySpan<float> aRow = a.Slice(i * k, k);
            for (int j = 0; j < n; j++)
            {
                Store(ref c[i * n + j], Dot1(aRow, b.Slice(j * k, k), width), accumulate);
            }
        }
    }

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

    // ---- C (=|+=) A·B with A read through strides: element (i, p) at a[i * rowStride + p * colStride]. ----

    private static void Strided(ReadOnlySpan<float> a, int rowStride, int colStride, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, SimdWidth width)
    {
        var args = new StridedArgs(rowStride, colStride, m, k, n, accumulate);
        int j = 0;
        if (width >= SimdWidth.V512) j = StridedColumns<Vector512<float>, Vector512Ops>(a, b, c, args, j);
        if (width >= SimdWidth.V256) j = StridedColumns<Vector256<float>, Vector256Ops>(a, b, c, args, j);
        if (width >= SimdWidth.V128) j = StridedColumns<Vector128<float>, Vector128Ops>(a, b, c, args, j);
        StridedColumns<float, ScalarOps>(a, b, c, args, j);
    }

    private readonly record struct StridedArgs(int RowStride, int ColStride, int M, int K, int N, bool Accumulate);

    /// <summary>Handles the columns from <paramref name="j"/> on in blocks of two, then one, vectors; returns where it stopped.</summary>
    private static int StridedColumns<TVec, TOps>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, StridedArgs args, int j)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int w = TOps.Count;
        for (; j <= args.N - 2 * w; j += 2 * w)
        {
            int i = 0;
            for (; i <= args.M - RowBlock; i += RowBlock)
            {
                Kernel4x2<TVec, TOps>(a, b, c, args, i, j);
            }

            for (; i < args.M; i++)
            {
                Kernel1x1<TVec, TOps>(a, b, c, args, i, j);
                Kernel1x1<TVec, TOps>(a, b, c, args, i, j + w);
            }
        }

        for (; j <= args.N - w; j += w)
        {
            int i = 0;
            for (; i <= args.M - RowBlock; i += RowBlock)
            {
                Kernel4x1<TVec, TOps>(a, b, c, args, i, j);
            }

            for (; i < args.M; i++)
            {
                Kernel1x1<TVec, TOps>(a, b, c, args, i, j);
            }
        }

        return j;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec LoadOrZero<TVec, TOps>(Span<float> c, int index, bool accumulate)
        where TVec : struct
        where TOps : ISimdOps<TVec> =>
        accumulate ? TOps.Load(c, index) : TOps.Create(0f);

    private static void Kernel4x2<TVec, TOps>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, StridedArgs args, int i, int j)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int w = TOps.Count, n = args.N, rs = args.RowStride, cs = args.ColStride;
        int c0 = i * n + j, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
        TVec c00 = LoadOrZero<TVec, TOps>(c, c0, args.Accumulate), c01 = LoadOrZero<TVec, TOps>(c, c0 + w, args.Accumulate);
        TVec c10 = LoadOrZero<TVec, TOps>(c, c1, args.Accumulate), c11 = LoadOrZero<TVec, TOps>(c, c1 + w, args.Accumulate);
        TVec c20 = LoadOrZero<TVec, TOps>(c, c2, args.Accumulate), c21 = LoadOrZero<TVec, TOps>(c, c2 + w, args.Accumulate);
        TVec c30 = LoadOrZero<TVec, TOps>(c, c3, args.Accumulate), c31 = LoadOrZero<TVec, TOps>(c, c3 + w, args.Accumulate);

        ref float a0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), i * rs);
        int bo = j;
        for (int p = 0; p < args.K; p++, bo += n)
        {
            TVec b0 = TOps.Load(b, bo), b1 = TOps.Load(b, bo + w);
            ref float ap = ref Unsafe.Add(ref a0, p * cs);
            TVec x = TOps.Create(ap);
            c00 = TOps.MultiplyAdd(x, b0, c00); c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Create(Unsafe.Add(ref ap, rs));
            c10 = TOps.MultiplyAdd(x, b0, c10); c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Create(Unsafe.Add(ref ap, 2 * rs));
            c20 = TOps.MultiplyAdd(x, b0, c20); c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Create(Unsafe.Add(ref ap, 3 * rs));
            c30 = TOps.MultiplyAdd(x, b0, c30); c31 = TOps.MultiplyAdd(x, b1, c31);
        }

        TOps.Store(c00, c, c0); TOps.Store(c01, c, c0 + w);
        TOps.Store(c10, c, c1); TOps.Store(c11, c, c1 + w);
        TOps.Store(c20, c, c2); TOps.Store(c21, c, c2 + w);
        TOps.Store(c30, c, c3); TOps.Store(c31, c, c3 + w);
    }

    private static void Kernel4x1<TVec, TOps>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, StridedArgs args, int i, int j)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int n = args.N, rs = args.RowStride, cs = args.ColStride;
        int c0 = i * n + j, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
        TVec s0 = LoadOrZero<TVec, TOps>(c, c0, args.Accumulate), s1 = LoadOrZero<TVec, TOps>(c, c1, args.Accumulate);
        TVec s2 = LoadOrZero<TVec, TOps>(c, c2, args.Accumulate), s3 = LoadOrZero<TVec, TOps>(c, c3, args.Accumulate);

        ref float a0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), i * rs);
        int bo = j;
        for (int p = 0; p < args.K; p++, bo += n)
        {
            TVec bv = TOps.Load(b, bo);
            ref float ap = ref Unsafe.Add(ref a0, p * cs);
            s0 = TOps.MultiplyAdd(TOps.Create(ap), bv, s0);
            s1 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref ap, rs)), bv, s1);
            s2 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref ap, 2 * rs)), bv, s2);
            s3 = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref ap, 3 * rs)), bv, s3);
        }

        TOps.Store(s0, c, c0); TOps.Store(s1, c, c1); TOps.Store(s2, c, c2); TOps.Store(s3, c, c3);
    }

    private static void Kernel1x1<TVec, TOps>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, StridedArgs args, int i, int j)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int n = args.N, cs = args.ColStride;
        int c0 = i * n + j;
        TVec s = LoadOrZero<TVec, TOps>(c, c0, args.Accumulate);
        ref float a0 = ref Unsafe.Add(ref MemoryMarshal.GetReference(a), i * args.RowStride);
        int bo = j;
        for (int p = 0; p < args.K; p++, bo += n)
        {
            s = TOps.MultiplyAdd(TOps.Create(Unsafe.Add(ref a0, p * cs)), TOps.Load(b, bo), s);
        }

        TOps.Store(s, c, c0);
    }

    // ---- Dot products for C = A·Bᵀ: rows of A against rows of the stored B, both contiguous. ----

    /// <summary>Four dot products of consecutive rows of <paramref name="a4"/> (<c>4 × k</c>) with <paramref name="b"/>.</summary>
    private static void Dot4(ReadOnlySpan<float> a4, ReadOnlySpan<float> b, int k, SimdWidth width, out float s0, out float s1, out float s2, out float s3)
    {
        s0 = s1 = s2 = s3 = 0f;
        int p = 0;
        if (width >= SimdWidth.V512) p = Dot4Body<Vector512<float>, Vector512Ops>(a4, b, k, p, ref s0, ref s1, ref s2, ref s3);
        if (width >= SimdWidth.V256) p = Dot4Body<Vector256<float>, Vector256Ops>(a4, b, k, p, ref s0, ref s1, ref s2, ref s3);
        if (width >= SimdWidth.V128) p = Dot4Body<Vector128<float>, Vector128Ops>(a4, b, k, p, ref s0, ref s1, ref s2, ref s3);
        Dot4Body<float, ScalarOps>(a4, b, k, p, ref s0, ref s1, ref s2, ref s3);
    }

    private static int Dot4Body<TVec, TOps>(ReadOnlySpan<float> a4, ReadOnlySpan<float> b, int k, int p, ref float s0, ref float s1, ref float s2, ref float s3)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int last = k - TOps.Count;
        if (p > last)
        {
            return p;
        }

        TVec zero = TOps.Create(0f);
        TVec t0 = zero, t1 = zero, t2 = zero, t3 = zero;
        for (; p <= last; p += TOps.Count)
        {
            TVec bv = TOps.Load(b, p);
            t0 = TOps.MultiplyAdd(TOps.Load(a4, p), bv, t0);
            t1 = TOps.MultiplyAdd(TOps.Load(a4, k + p), bv, t1);
            t2 = TOps.MultiplyAdd(TOps.Load(a4, 2 * k + p), bv, t2);
            t3 = TOps.MultiplyAdd(TOps.Load(a4, 3 * k + p), bv, t3);
        }

        s0 += TOps.Sum(t0); s1 += TOps.Sum(t1); s2 += TOps.Sum(t2); s3 += TOps.Sum(t3);
        return p;
    }

    private static float Dot1(ReadOnlySpan<float> a, ReadOnlySpan<float> b, SimdWidth width)
    {
        float s = 0f;
        int p = 0;
        if (width >= SimdWidth.V512) p = Dot1Body<Vector512<float>, Vector512Ops>(a, b, p, ref s);
        if (width >= SimdWidth.V256) p = Dot1Body<Vector256<float>, Vector256Ops>(a, b, p, ref s);
        if (width >= SimdWidth.V128) p = Dot1Body<Vector128<float>, Vector128Ops>(a, b, p, ref s);
        Dot1Body<float, ScalarOps>(a, b, p, ref s);
        return s;
    }

    private static int Dot1Body<TVec, TOps>(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int p, ref float s)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int last = a.Length - TOps.Count;
        if (p > last)
        {
            return p;
        }

        TVec t = TOps.Create(0f);
        for (; p <= last; p += TOps.Count)
        {
            t = TOps.MultiplyAdd(TOps.Load(a, p), TOps.Load(b, p), t);
        }

        s += TOps.Sum(t);
        return p;
    }
}
