using System;
using System.Diagnostics;
using System.Threading;
using ModelGen.CompilerServices.Simd;

namespace ModelGen.CompilerServices;

/// <summary>Multithreaded entry points: the blocked product split across a small pool of dedicated threads.</summary>
public static partial class Gemm
{
    /// <summary>Fused multiply-adds each thread should get at least (20-40 µs of work) for a split to gain over handing
    /// the parts out, moving the operands to the helper's core and waiting for the last part; smaller products use
    /// fewer threads. Measured on a 2-core Zen 3 guest, 1 and 2 threads alternating in one process: at 2^18 M2's and
    /// M3's training steps ran 5-15% slower with two threads, at 2^20 as fast, and the digits CNN's (products of 2.4 M
    /// FMAs right after the elementwise passes that wrote their inputs) 5-10% slower until 2^21.</summary>
    private const long ParallelMinWorkPerThread = 1 << 21;

    /// <summary>Fused multiply-adds per thread (50-100 µs of work) from which a product wakes helpers that have gone to
    /// sleep: a wake-up costs a system call, and the helper may start tens of microseconds later (a virtual machine's
    /// idle core). Smaller products run on the calling thread and only rouse the helpers, so that the products that
    /// follow (the rest of a training step) find them awake. Measured on the same guest: the digits CNN's training
    /// step (products of 2.4 M FMAs between long elementwise passes) ran 15% slower when each of those products woke a
    /// helper.</summary>
    private const long WakeMinWorkPerThread = 1 << 22;

    /// <summary>
    /// <c>C[m, n] = A[m, k] · B[k, n]</c> (or <c>C += A·B</c>) like
    /// <see cref="Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>, with large
    /// products split across up to <paramref name="maxDegreeOfParallelism"/> threads: the calling thread and
    /// dedicated background threads that the first parallel call starts. The result is bit-for-bit the
    /// single-threaded one. Allocation-free once warm; a call made while another thread's parallel product is
    /// running runs on the calling thread alone.
    /// </summary>
    /// <param name="a">A, <c>m × k</c> values.</param>
    /// <param name="b">B, <c>k × n</c> values.</param>
    /// <param name="c">C, <c>m × n</c> values; must not overlap A or B.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="k">Columns of A, rows of B.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    /// <param name="maxDegreeOfParallelism">The most threads to use, at most the processor count; -1 for all processors.</param>
    internal static void MultiplyParallel(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, int maxDegreeOfParallelism = -1) =>
        Multiply(a, b, c, m, k, n, accumulate, SimdDispatch.Best, Threads(maxDegreeOfParallelism, m, k, n));

    /// <summary>
    /// <c>C[m, n] = A[m, k] · Bᵀ</c> with B stored <c>[n, k]</c> (or <c>C += A·Bᵀ</c>), like
    /// <see cref="MultiplyTransposeB(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>,
    /// split across threads as <see cref="MultiplyParallel"/> describes.
    /// </summary>
    /// <param name="a">A, <c>m × k</c> values.</param>
    /// <param name="b">B, stored as <c>n × k</c> values.</param>
    /// <param name="c">C, <c>m × n</c> values; must not overlap A or B.</param>
    /// <param name="m">Rows of A and C.</param>
    /// <param name="k">Columns of A and of the stored B.</param>
    /// <param name="n">Rows of the stored B, columns of C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    /// <param name="maxDegreeOfParallelism">The most threads to use, at most the processor count; -1 for all processors.</param>
    internal static void MultiplyTransposeBParallel(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, int maxDegreeOfParallelism = -1) =>
        MultiplyTransposeB(a, b, c, m, k, n, accumulate, SimdDispatch.Best, Threads(maxDegreeOfParallelism, m, k, n));

    /// <summary>
    /// <c>C[m, n] = Aᵀ · B[k, n]</c> with A stored <c>[k, m]</c> (or <c>C += Aᵀ·B</c>), like
    /// <see cref="MultiplyTransposeA(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>,
    /// split across threads as <see cref="MultiplyParallel"/> describes.
    /// </summary>
    /// <param name="a">A, stored as <c>k × m</c> values.</param>
    /// <param name="b">B, <c>k × n</c> values.</param>
    /// <param name="c">C, <c>m × n</c> values; must not overlap A or B.</param>
    /// <param name="m">Columns of the stored A, rows of C.</param>
    /// <param name="k">Rows of the stored A and of B.</param>
    /// <param name="n">Columns of B and C.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    /// <param name="maxDegreeOfParallelism">The most threads to use, at most the processor count; -1 for all processors.</param>
    internal static void MultiplyTransposeAParallel(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int k, int n, bool accumulate, int maxDegreeOfParallelism = -1) =>
        MultiplyTransposeA(a, b, c, m, k, n, accumulate, SimdDispatch.Best, Threads(maxDegreeOfParallelism, m, k, n));

    /// <summary>How many threads a product of this size gets.</summary>
    private static int Threads(int maxDegreeOfParallelism, int m, int k, int n)
    {
        if (maxDegreeOfParallelism == 0 || maxDegreeOfParallelism < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism, "Must be -1 (all processors) or positive.");
        }

        int processors = Parallelism.Processors;
        int threads = maxDegreeOfParallelism == -1 ? processors : Math.Min(maxDegreeOfParallelism, processors);
        long work = (long)Math.Max(m, 0) * Math.Max(k, 0) * Math.Max(n, 0);
        return (int)Math.Max(1, Math.Min(threads, work / ParallelMinWorkPerThread));
    }

    /// <summary>Products split across threads so far, in this process (for tests).</summary>
    internal static long SplitProducts => Volatile.Read(ref Workers.SplitProducts);

    /// <summary>Parts per thread, so that a thread that starts late (a busy machine) leaves its share to the others.</summary>
    private const int PartsPerThread = 2;

    /// <summary>
    /// Splits the blocked product into parts, by columns in whole panels (each part packs only its own B) or by rows in
    /// whole slivers (each part packs all of B), whichever leaves the smaller operand to be read whole by every part, and
    /// runs them on up to <paramref name="threads"/> threads. Each element is computed by the same operations as in
    /// the single-threaded product, whichever thread computes it.
    /// </summary>
    private static void BlockedParallel(in Operands o, SimdWidth width, int threads)
    {
        int nr = TileColumns(width), mr = Rows(width);
        int panels = (o.N + nr - 1) / nr, slivers = o.M / mr;
        // Every part reads the whole of the operand it does not split: split the larger one. By columns each part reads
        // all of A and packs its own columns of B; by rows each reads (and packs) all of B and its own rows of A. M3's
        // first layer at batch 256 (A 256 × 192, B 192 × 100) ran 20% slower on two threads split by columns.
        bool byColumns = (long)o.M * o.K <= (long)o.K * o.N ? panels >= threads || panels >= slivers : slivers < threads && panels >= slivers;
        int units = byColumns ? panels : Math.Max(1, slivers);
        int parts = Math.Min(threads * PartsPerThread, units);
        if (parts > 1 && (long)o.M * o.K * o.N / threads < WakeMinWorkPerThread && !Workers.Awake(threads - 1))
        {
            Workers.Rouse(threads - 1);
            parts = 1;
        }

        if (parts <= 1 || !Workers.TryRun(o, width, byColumns, byColumns ? nr : mr, units, parts, threads - 1))
        {
            Blocked(o, width, 0, o.M, 0, o.N);
        }
    }

    /// <summary>Runs part <paramref name="part"/> of <paramref name="parts"/>: a contiguous run of whole panels or slivers.</summary>
    private static void RunPart(in Operands o, SimdWidth width, bool byColumns, int unit, int units, int parts, int part)
    {
        int first = (int)((long)units * part / parts), last = (int)((long)units * (part + 1) / parts);
        if (byColumns)
        {
            Blocked(o, width, 0, o.M, first * unit, Math.Min(o.N, last * unit));
        }
        else
        {
            // The last part also takes the rows past the last whole sliver.
            Blocked(o, width, first * unit, part == parts - 1 ? o.M : last * unit, 0, o.N);
        }
    }

    /// <summary>
    /// A pool of background threads for the parallel products, started on first use and kept for the process. One
    /// product runs at a time: the caller publishes it, wakes the workers it wants, and every thread, the caller
    /// included, claims parts until none is left; the caller then waits only for parts still running. A product
    /// therefore never waits for a worker that has not started. Idle workers spin briefly (back-to-back products in
    /// a training step find them awake), then block.
    /// </summary>
    private static class Workers
    {
        private const long SpinMicroseconds = 50;

        /// <summary>How long roused workers spin: longer than the products that rouse them take on one thread (at most
        /// 2 · <see cref="WakeMinWorkPerThread"/> FMAs, about 150-300 µs), so that the next product finds them awake.</summary>
        private const long RousedSpinMicroseconds = 400;

        /// <summary>The timestamp until which roused workers keep spinning.</summary>
        private static long s_rousedUntil;

        private static readonly object Gate = new();
        private static readonly ManualResetEventSlim Done = new(false);
        private static Worker[] s_workers = Array.Empty<Worker>();

        // The published product. Workers read it between seeing a generation and claiming a part of it; a claim
        // succeeds only while that generation is current and, if it gets a part, the product cannot have changed.
        private static Operands s_operands;
        private static SimdWidth s_width;
        private static bool s_byColumns;
        private static int s_unit, s_units, s_parts;

        /// <summary>The generation (high 32 bits) and the next unclaimed part (low 32 bits).</summary>
        private static long s_state;

        /// <summary>Parts not yet finished.</summary>
        private static int s_remaining;

        private static int Generation(long state) => (int)(state >> 32);

        /// <summary>Products split across threads so far (for tests: proof that a split happened).</summary>
        internal static long SplitProducts;

        /// <summary>Whether any of the first <paramref name="helpers"/> workers is awake (spinning or working, not blocked):
        /// the parts are claimed as threads come, so one awake helper makes a split gain, and the others join if they
        /// wake in time.</summary>
        public static bool Awake(int helpers)
        {
            Worker[] workers = s_workers;
            for (int w = 0; w < Math.Min(helpers, workers.Length); w++)
            {
                if (!workers[w].Sleeping)
                {
                    return true;
                }
            }

            return false;
        }

        /// <summary>Wakes the first <paramref name="helpers"/> workers (starting them if needed) without work: they spin for
        /// a while, ready for the next product, then block again.</summary>
        public static void Rouse(int helpers)
        {
            if (!Monitor.TryEnter(Gate))
            {
                return; // a product is running: the workers are awake
            }

            try
            {
                EnsureWorkers(helpers);
                // Awake for longer than a product that small takes alone: the caller runs it meanwhile.
                Volatile.Write(ref s_rousedUntil, Stopwatch.GetTimestamp() + RousedSpinMicroseconds * Stopwatch.Frequency / 1_000_000);
                for (int w = 0; w < helpers; w++)
                {
                    s_workers[w].Wake();
                }
            }
            finally
            {
                Monitor.Exit(Gate);
            }
        }

        /// <summary>Runs the parts on the caller and up to <paramref name="helpers"/> workers; false (nothing done) when another product holds the pool.</summary>
        public static bool TryRun(in Operands o, SimdWidth width, bool byColumns, int unit, int units, int parts, int helpers)
        {
            if (!Monitor.TryEnter(Gate))
            {
                return false;
            }

            try
            {
                helpers = Math.Min(helpers, parts - 1);
                EnsureWorkers(helpers);
                s_operands = o;
                s_width = width;
                s_byColumns = byColumns;
                s_unit = unit;
                s_units = units;
                s_parts = parts;
                Done.Reset();
                Volatile.Write(ref s_remaining, parts);
                int generation = Generation(Volatile.Read(ref s_state)) + 1;
                Interlocked.Exchange(ref s_state, (long)generation << 32);
                for (int w = 0; w < helpers; w++)
                {
                    s_workers[w].Wake();
                }

                ClaimAndRun(generation);
                Done.Wait();
                SplitProducts++;
                return true;
            }
            finally
            {
                Monitor.Exit(Gate);
            }
        }

        /// <summary>Claims and runs parts of <paramref name="generation"/> until none is left.</summary>
        private static void ClaimAndRun(int generation)
        {
            while (true)
            {
                long state = Volatile.Read(ref s_state);
                if (Generation(state) != generation)
                {
                    return;
                }

                // Read the product before claiming: if the claim gets a part, the product is still this one.
                int parts = s_parts;
                if ((int)state >= parts)
                {
                    return;
                }

                Operands o = s_operands;
                SimdWidth width = s_width;
                bool byColumns = s_byColumns;
                int unit = s_unit, units = s_units;
                if (Interlocked.CompareExchange(ref s_state, state + 1, state) != state)
                {
                    continue;
                }

                RunPart(o, width, byColumns, unit, units, parts, (int)state);
                if (Interlocked.Decrement(ref s_remaining) == 0)
                {
                    Done.Set();
                }
            }
        }

        private static void EnsureWorkers(int count)
        {
            if (s_workers.Length >= count)
            {
                return;
            }

            if (s_workers.Length == 0)
            {
                // A first wait that times out makes the event create its lock, so that later waits allocate nothing.
                Done.Wait(1);
            }

            var workers = new Worker[count];
            Array.Copy(s_workers, workers, s_workers.Length);
            for (int w = s_workers.Length; w < count; w++)
            {
                workers[w] = new Worker(w + 1, Generation(Volatile.Read(ref s_state)));
            }

            s_workers = workers;
        }

        private sealed class Worker
        {
            private readonly ManualResetEventSlim _signal = new(false);
            private readonly int _startGeneration;
            private int _sleeping;

            /// <param name="index">Names the thread.</param>
            /// <param name="generation">The generation before the worker's first product (the thread may start after it is published).</param>
            public Worker(int index, int generation)
            {
                _startGeneration = generation;
                new Thread(Loop) { IsBackground = true, Name = $"ModelGen GEMM {index}" }.Start();
            }

            /// <summary>Whether the worker is blocked (or about to block) waiting for a wake-up.</summary>
            public bool Sleeping => Volatile.Read(ref _sleeping) != 0;

            /// <summary>Called after a new generation is published, or to rouse the worker: wakes it if it blocked.</summary>
            public void Wake()
            {
                if (Volatile.Read(ref _sleeping) != 0)
                {
                    _signal.Set();
                }
            }

            private void Loop()
            {
                _signal.Wait(1);
                int seen = _startGeneration;
                while (true)
                {
                    seen = WaitForGeneration(seen);
                    ClaimAndRun(seen);
                }
            }

            /// <summary>Spins for a short while, then blocks, until the generation differs from <paramref name="seen"/>.</summary>
            private int WaitForGeneration(int seen)
            {
                long deadline = Stopwatch.GetTimestamp() + SpinMicroseconds * Stopwatch.Frequency / 1_000_000;
                while (true)
                {
                    int generation = Generation(Volatile.Read(ref s_state));
                    if (generation != seen)
                    {
                        return generation;
                    }

                    if (Stopwatch.GetTimestamp() < Math.Max(deadline, Volatile.Read(ref s_rousedUntil)))
                    {
                        Thread.SpinWait(20);
                        continue;
                    }

                    // Publish that we may block, then look again so that a wake between the two is not lost.
                    _signal.Reset();
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Generation(Volatile.Read(ref s_state)) == seen)
                    {
                        _signal.Wait();
                    }

                    Volatile.Write(ref _sleeping, 0);
                    deadline = Stopwatch.GetTimestamp() + SpinMicroseconds * Stopwatch.Frequency / 1_000_000;
                }
            }
        }
    }
}
