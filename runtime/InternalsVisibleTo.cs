using System.Runtime.CompilerServices;

// The tests drive each SIMD width path directly through internal overloads.
[assembly: InternalsVisibleTo("ModelGen.Tests")]
