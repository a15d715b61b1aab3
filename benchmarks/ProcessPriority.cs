using System;
using System.Runtime.InteropServices;

namespace ModelGen.Benchmarks;

/// <summary>
/// Each benchmark process raises its own scheduling priority before it builds its model (nice −20 where permitted,
/// e.g. as root; otherwise nothing changes): on a small machine shared with builds and tests, this keeps other
/// processes from taking the measured cores. Threads started afterwards (TorchSharp's OpenMP pool, ONNX Runtime's
/// intra-op pool) inherit it. MODELGEN_BENCHMARK_NICE sets another value (0 leaves the priority alone).
/// </summary>
public static class ProcessPriority
{
    private const int PrioProcess = 0;

    public static void Raise()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int nice = int.TryParse(Environment.GetEnvironmentVariable("MODELGEN_BENCHMARK_NICE"), out int value) ? value : -20;
        if (nice != 0)
        {
            // who = 0: the calling thread (on Linux a nice value is per thread), which runs the benchmark.
            _ = SetPriority(PrioProcess, 0, nice);
        }
    }

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);
}
