using System;
using System.ComponentModel;

namespace ModelGen.CompilerServices;

/// <summary>
/// How many threads the kernels may use for the model call running on this thread (SPEC §3, "Threads":
/// <c>MaxDegreeOfParallelism</c>). For generated code: <c>Predict</c>, <c>Evaluate</c> and each training step enter a
/// scope with their model's setting, and the matrix products inside (<see cref="Gemm.Multiply(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, int, int, int, bool)"/>
/// and its siblings, which Dense, Conv2D and LSTM layers run through) split across that many threads where the product
/// is large enough to gain. Outside any scope a product runs on the calling thread alone.
/// </summary>
/// <remarks>
/// Why an ambient setting rather than a parameter: the products are reached through every layer kernel
/// (<see cref="FusedDense"/>, convolution, LSTM), and every element of a product is computed by the same operations
/// whichever thread computes it (see <see cref="Gemm"/>), so the setting changes who computes, never what. Everything
/// else in a call (BatchNormalization's statistics, the loss and its reductions, activations, the optimizer) stays on
/// the calling thread in a fixed order. Results are therefore bit-identical for every value.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Parallelism
{
    /// <summary>The value of a model's <c>MaxDegreeOfParallelism</c> before anyone sets it: every processor.</summary>
    public static int DefaultDegree => Environment.ProcessorCount;

    [ThreadStatic]
    private static int t_degree;

    /// <summary>The processor count the degrees are capped at; tests raise it to run more threads than cores.</summary>
    internal static int Processors { get; set; } = Environment.ProcessorCount;

    /// <summary>The most threads a product on this thread may use now: the innermost scope's degree, 1 outside any.</summary>
    internal static int Current => t_degree > 1 ? t_degree : 1;

    /// <summary>Checks a value for <c>MaxDegreeOfParallelism</c>: a positive count, or -1 for every processor (as
    /// <see cref="System.Threading.Tasks.ParallelOptions.MaxDegreeOfParallelism"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is 0 or below -1.</exception>
    public static int CheckDegree(int maxDegreeOfParallelism)
    {
        if (maxDegreeOfParallelism == 0 || maxDegreeOfParallelism < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism), maxDegreeOfParallelism,
                "MaxDegreeOfParallelism must be a positive number of threads (1: the calling thread only) or -1 (every processor).");
        }

        return maxDegreeOfParallelism;
    }

    /// <summary>Lets the products on this thread use up to <paramref name="maxDegreeOfParallelism"/> threads (-1: every
    /// processor; more than the processor count counts as the processor count) until the scope is disposed.</summary>
    public static Scope Enter(int maxDegreeOfParallelism)
    {
        int previous = t_degree;
        int processors = Processors;
        t_degree = maxDegreeOfParallelism == -1 || maxDegreeOfParallelism > processors ? processors : maxDegreeOfParallelism;
        return new Scope(previous);
    }

    /// <summary>Restores the enclosing setting when disposed.</summary>
    public readonly ref struct Scope
    {
        private readonly int _previous;

        internal Scope(int previous) => _previous = previous;

        /// <summary>Leaves the scope.</summary>
        public void Dispose() => t_degree = _previous;
    }
}
