using System;
using System.Threading;

namespace Samples.Serving;

/// <summary>The process's memory, sampled once a second on a thread of its own: the GC heap's size after the last
/// collection (<see cref="GCMemoryInfo.HeapSizeBytes"/>) and the working set. Started after a load run's warm-up, so
/// that a flat series shows steady state (no growth per request).</summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new();
    private readonly object _gate = new();
    private long _heapStart, _heapEnd, _heapMax, _workingSetStart, _workingSetEnd, _workingSetMax;
    private int _samples;

    public MemorySampler()
    {
        Sample();
        _thread = new Thread(Run) { IsBackground = true, Name = "memory sampler" };
        _thread.Start();
    }

    /// <summary>Stops sampling (after one last sample) and returns what was seen.</summary>
    public MemoryStats Stop()
    {
        _stop.Set();
        _thread.Join();
        Sample();
        lock (_gate)
        {
            return new MemoryStats(_heapStart, _heapEnd, _heapMax, _workingSetStart, _workingSetEnd, _workingSetMax, _samples);
        }
    }

    public void Dispose()
    {
        if (_thread.IsAlive)
        {
            Stop();
        }

        _stop.Dispose();
    }

    private void Run()
    {
        while (!_stop.Wait(TimeSpan.FromSeconds(1)))
        {
            Sample();
        }
    }

    private void Sample()
    {
        long heap = GC.GetGCMemoryInfo().HeapSizeBytes;
        long workingSet = Environment.WorkingSet;
        lock (_gate)
        {
            if (_samples++ == 0)
            {
                _heapStart = _heapMax = heap;
                _workingSetStart = _workingSetMax = workingSet;
            }

            _heapEnd = heap;
            _workingSetEnd = workingSet;
            _heapMax = Math.Max(_heapMax, heap);
            _workingSetMax = Math.Max(_workingSetMax, workingSet);
        }
    }
}

/// <summary>First, last and largest of the samples, in bytes.</summary>
internal readonly record struct MemoryStats(
    long HeapStart, long HeapEnd, long HeapMax, long WorkingSetStart, long WorkingSetEnd, long WorkingSetMax, int Samples);
