using System.Runtime.CompilerServices;

// The tests drive each SIMD width path directly through internal overloads.
[assembly: InternalsVisibleTo("ModelGen.Tests")]

// The benchmarks time the kernels' parts (a bare activation pass, the bias, the GEMM blocking in use).
[assembly: InternalsVisibleTo("ModelGen.Benchmarks")]
