using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>Direct paths for small or narrow products, which packing would not pay for.</summary>
public static partial class Gemm
{
    /// <summary>Rows of A per block of dot products (each block reads a row of B once).</summary>
    private const int RowBlock = 4;

    /// <summary>
    /// <c>C[i, j] (=|+=) Σ_p A(i, p) · B(p, j)</c> for rows <c>i0..i1</c> and columns <c>j0..j1</c>, a row at a time
    /// with B row-major (read in place): blocks of four vectors of <typeparamref name="TVec"/>'s width, then single
    /// vectors, then the rest with narrower widths. Each element is the k-ordered chain of fused multiply-adds the
    /// blocked path computes.
    /// </summary>
    private static unsafe void RowsDirect<TVec, TOps>(in Operands o, int i0, int i1, int j0, int j1)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int w = TOps.Count;
        for (int i = i0; i < i1; i++)
        {
            float* a = o.A + i * o.ARowStride;
            float* c = o.C + i * o.N + j0;
            float* b = o.B + j0;
            int n = j1 - j0;
            int j = RowBlocks<TVec, TOps>(a, o.AColStride, b, o.BRowStride, c, o.K, n, o.Accumulate);
            if (j < n)
            {
                RowRemainder<TVec, TOps>(a, o.AColStride, b + j, o.BRowStride, c + j, o.K, n - j, o.Accumulate);
            }
        }
    }

    /// <summary>Blocks of four vectors of a row; returns the first column left.</summary>
    private static unsafe int RowBlocks<TVec, TOps>(float* a, nint aStep, float* b, nint ldb, float* c, int k, int n, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int w = TOps.Count, j = 0;
        for (; j <= n - 4 * w; j += 4 * w)
        {
            float* cj = c + j;
            TVec s0, s1, s2, s3;
            if (load)
            {
                s0 = Unsafe.ReadUnaligned<TVec>(cj); s1 = Unsafe.ReadUnaligned<TVec>(cj + w);
                s2 = Unsafe.ReadUnaligned<TVec>(cj + 2 * w); s3 = Unsafe.ReadUnaligned<TVec>(cj + 3 * w);
            }
            else
            {
                s0 = s1 = s2 = s3 = TOps.Create(0f);
            }

            float* ap = a, bp = b + j;
            for (int p = 0; p < k; p++)
            {
                TVec x = TOps.Create(*ap);
                s0 = TOps.MultiplyAdd(x, Unsafe.ReadUnaligned<TVec>(bp), s0);
                s1 = TOps.MultiplyAdd(x, Unsafe.ReadUnaligned<TVec>(bp + w), s1);
                s2 = TOps.MultiplyAdd(x, Unsafe.ReadUnaligned<TVec>(bp + 2 * w), s2);
                s3 = TOps.MultiplyAdd(x, Unsafe.ReadUnaligned<TVec>(bp + 3 * w), s3);
                ap += aStep;
                bp += ldb;
            }

            Unsafe.WriteUnaligned(cj, s0); Unsafe.WriteUnaligned(cj + w, s1);
            Unsafe.WriteUnaligned(cj + 2 * w, s2); Unsafe.WriteUnaligned(cj + 3 * w, s3);
        }

        return j;
    }

    /// <summary>
    /// The last <paramref name="count"/> columns of a row (fewer than four vectors): up to three vectors of this width
    /// advanced together in one pass over k, then the rest (fewer than one vector) likewise with narrower widths.
    /// </summary>
    private static unsafe void RowRemainder<TVec, TOps>(float* a, nint aStep, float* b, nint ldb, float* c, int k, int count, bool load)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int w = TOps.Count, vectors = count / w;
        if (vectors > 0)
        {
            TVec zero = TOps.Create(0f);
            TVec u0 = load ? Unsafe.ReadUnaligned<TVec>(c) : zero;
            TVec u1 = vectors > 1 && load ? Unsafe.ReadUnaligned<TVec>(c + w) : zero;
            TVec u2 = vectors > 2 && load ? Unsafe.ReadUnaligned<TVec>(c + 2 * w) : zero;
            float* ap = a, bp = b;
            for (int p = 0; p < k; p++)
            {
                TVec x = TOps.Create(*ap);
                u0 = TOps.MultiplyAdd(x, Unsafe.ReadUnaligned<TVec>(bp), u0);
                if (vectors > 1) u1 = TOps.MultiplyAdd(x, Unsafe.ReadUnaligned<TVec>(bp + w), u1);
                if (vectors > 2) u2 = TOps.MultiplyAdd(x, Unsafe.ReadUnaligned<TVec>(bp + 2 * w), u2);
                ap += aStep;
                bp += ldb;
            }

            Unsafe.WriteUnaligned(c, u0);
            if (vectors > 1) Unsafe.WriteUnaligned(c + w, u1);
            if (vectors > 2) Unsafe.WriteUnaligned(c + 2 * w, u2);
        }

        int done = vectors * w;
        if (done < count)
        {
            RowTail(a, aStep, b + done, ldb, c + done, k, count - done, load, w > 8, w > 4);
        }
    }

    /// <summary>
    /// The last <paramref name="count"/> columns of a row (fewer than one vector): an 8-wide, a 4-wide and up to three
    /// scalar chains, as far as the allowed widths cover them, advanced together in one pass over k so that their
    /// latencies overlap.
    /// </summary>
    private static unsafe void RowTail(float* a, nint aStep, float* b, nint ldb, float* c, int k, int count, bool load, bool allow256, bool allow128)
    {
        bool has8 = allow256 && count >= 8;
        int at4 = has8 ? 8 : 0;
        bool has4 = allow128 && count - at4 >= 4;
        int at1 = at4 + (has4 ? 4 : 0), scalars = count - at1;
        Vector256<float> v8 = has8 && load ? Vector256.Load(c) : Vector256<float>.Zero;
        Vector128<float> v4 = has4 && load ? Vector128.Load(c + at4) : Vector128<float>.Zero;
        float s0 = scalars > 0 && load ? c[at1] : 0f, s1 = scalars > 1 && load ? c[at1 + 1] : 0f, s2 = scalars > 2 && load ? c[at1 + 2] : 0f;
        for (int p = 0; p < k; p++)
        {
            float x = *a;
            if (has8) v8 = Vector256Ops.MultiplyAdd(Vector256.Create(x), Vector256.Load(b), v8);
            if (has4) v4 = Vector128Ops.MultiplyAdd(Vector128.Create(x), Vector128.Load(b + at4), v4);
            if (scalars > 0) s0 = ScalarOps.MultiplyAdd(x, b[at1], s0);
            if (scalars > 1) s1 = ScalarOps.MultiplyAdd(x, b[at1 + 1], s1);
            if (scalars > 2) s2 = ScalarOps.MultiplyAdd(x, b[at1 + 2], s2);
            a += aStep;
            b += ldb;
        }

        if (has8) v8.Store(c);
        if (has4) v4.Store(c + at4);
        if (scalars > 0) c[at1] = s0;
        if (scalars > 1) c[at1 + 1] = s1;
        if (scalars > 2) c[at1 + 2] = s2;
    }

    /// <summary>
    /// <c>C = Aᵀ·B</c> for a few columns: vectors run down column j of C, reading contiguous stretches of the stored
    /// A (<c>[k, m]</c>) against a broadcast <c>B[p, j]</c>. The same k-ordered chains as the blocked path.
    /// </summary>
    private static unsafe void ColumnsDown(in Operands o, SimdWidth width)
    {
        float* transfer = stackalloc float[4 * 16];
        for (int j = 0; j < o.N; j++)
        {
            int i = 0;
            if (width >= SimdWidth.V512) i = ColumnRows<Vector512<float>, Vector512Ops>(o, j, i, transfer);
            if (width >= SimdWidth.V256) i = ColumnRows<Vector256<float>, Vector256Ops>(o, j, i, transfer);
            if (width >= SimdWidth.V128) i = ColumnRows<Vector128<float>, Vector128Ops>(o, j, i, transfer);
            ColumnRows<float, ScalarOps>(o, j, i, transfer);
        }
    }

    private static unsafe int ColumnRows<TVec, TOps>(in Operands o, int j, int i, float* transfer)
        where TVec : struct
        where TOps : ISimdOps<TVec>
    {
        int w = TOps.Count, m = o.M, k = o.K;
        nint n = o.N, lda = o.AColStride;
        for (; i <= m - 4 * w; i += 4 * w)
        {
            TVec s0, s1, s2, s3;
            if (o.Accumulate)
            {
                GatherColumn(o.C + i * n + j, n, 4 * w, transfer);
                s0 = Unsafe.ReadUnaligned<TVec>(transfer); s1 = Unsafe.ReadUnaligned<TVec>(transfer + w);
                s2 = Unsafe.ReadUnaligned<TVec>(transfer + 2 * w); s3 = Unsafe.ReadUnaligned<TVec>(transfer + 3 * w);
            }
            else
            {
                s0 = s1 = s2 = s3 = TOps.Create(0f);
            }

            float* ap = o.A + i, bp = o.B + j;
            for (int p = 0; p < k; p++)
            {
                TVec x = TOps.Create(*bp);
                s0 = TOps.MultiplyAdd(Unsafe.ReadUnaligned<TVec>(ap), x, s0);
                s1 = TOps.MultiplyAdd(Unsafe.ReadUnaligned<TVec>(ap + w), x, s1);
                s2 = TOps.MultiplyAdd(Unsafe.ReadUnaligned<TVec>(ap + 2 * w), x, s2);
                s3 = TOps.MultiplyAdd(Unsafe.ReadUnaligned<TVec>(ap + 3 * w), x, s3);
                ap += lda;
                bp += n;
            }

            Unsafe.WriteUnaligned(transfer, s0); Unsafe.WriteUnaligned(transfer + w, s1);
            Unsafe.WriteUnaligned(transfer + 2 * w, s2); Unsafe.WriteUnaligned(transfer + 3 * w, s3);
            ScatterColumn(transfer, 4 * w, o.C + i * n + j, n);
        }

        for (; i <= m - w; i += w)
        {
            TVec s;
            if (o.Accumulate)
            {
                GatherColumn(o.C + i * n + j, n, w, transfer);
                s = Unsafe.ReadUnaligned<TVec>(transfer);
            }
            else
            {
                s = TOps.Create(0f);
            }

            float* ap = o.A + i, bp = o.B + j;
            for (int p = 0; p < k; p++)
            {
                s = TOps.MultiplyAdd(Unsafe.ReadUnaligned<TVec>(ap), TOps.Create(*bp), s);
                ap += lda;
                bp += n;
            }

            Unsafe.WriteUnaligned(transfer, s);
            ScatterColumn(transfer, w, o.C + i * n + j, n);
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void GatherColumn(float* c, nint stride, int count, float* destination)
    {
        if (stride == 1)
        {
            Buffer.MemoryCopy(c, destination, count * sizeof(float), count * sizeof(float));
            return;
        }

        for (int l = 0; l < count; l++)
        {
            destination[l] = c[l * stride];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void ScatterColumn(float* source, int count, float* c, nint stride)
    {
        if (stride == 1)
        {
            Buffer.MemoryCopy(source, c, count * sizeof(float), count * sizeof(float));
            return;
        }

        for (int l = 0; l < count; l++)
        {
            c[l * stride] = source[l];
        }
    }

    /// <summary><c>bt[j, p] = b[p, j]</c> for B <c>[k, n]</c>.</summary>
    private static unsafe void Transpose(float* b, int k, int n, float* bt)
    {
        for (int p = 0; p < k; p++)
        {
            for (int j = 0; j < n; j++)
            {
                bt[j * k + p] = b[p * n + j];
            }
        }
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
