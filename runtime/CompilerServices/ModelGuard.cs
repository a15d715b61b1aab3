using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Threading;

namespace ModelGen.CompilerServices;

/// <summary>
/// The thread-safety contract of one generated model instance (SPEC §3, "Threads"), in one place. For generated code.
/// <list type="bullet">
/// <item><b>Readers</b> (<c>Predict</c>, <c>Evaluate</c>, <c>GetWeights</c>, <c>ExportOnnx</c>) run in parallel, each in a
/// read section: while any reader is inside, no weight changes. Entering costs one uncontended interlocked add on a
/// counter of the reader's processor (one cache line per processor), so readers on different cores do not contend.</item>
/// <item><b>Writes</b> (the commit at the end of a training step, <c>SetWeights</c>, refreshing the folded inference
/// weights) run alone, in a write section: a writer closes the door to new readers, waits for the readers inside to
/// finish, changes the weights, and opens the door. Readers therefore see the weights before or after a complete step,
/// never a mix. A training step computes its forward and backward passes outside the write section (only the training
/// thread changes the weights, and only in its commit), so a reader waits at most for one commit.</item>
/// <item><b>Training calls</b> (<c>TrainOnBatch</c>, <c>Fit</c>, <c>SetWeights</c>, <c>LoadWeights</c>) own the instance
/// for their duration: a second one from another thread throws <see cref="InvalidOperationException"/> and changes
/// nothing. On the owning thread they nest (Fit's steps, EarlyStopping restoring the best weights).</item>
/// </list>
/// Nothing here allocates after construction (a reader that has to wait for a writer blocks on an event whose wait
/// handle is created at most once).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ModelGuard
{
    // One reader counter per processor (rounded up to a power of two), each on its own 128-byte block so that two
    // cores never write the same cache line (128: the adjacent-line prefetcher pairs 64-byte lines).
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct ReaderCount
    {
        [FieldOffset(64)] public int Value;
    }

    private readonly ReaderCount[] _readers;
    private readonly int _mask;
    private readonly object _writeLock = new();
    // Set while no writer is inside or waiting: readers that find the door closed wait on it.
    private readonly ManualResetEventSlim _doorOpen = new(initialState: true, spinCount: 100);
    private int _writing;

    private int _trainingThread;
    private int _trainingDepth;
    private string _trainingOperation = string.Empty;

    /// <summary>Creates the guard of one model instance.</summary>
    public ModelGuard()
    {
        int slots = 1;
        while (slots < Environment.ProcessorCount && slots < 256)
        {
            slots <<= 1;
        }

        _readers = new ReaderCount[slots];
        _mask = slots - 1;
    }

    /// <summary>Enters a read section; dispose the result to leave it.</summary>
    public ReadScope Read()
    {
        int slot = Thread.GetCurrentProcessorId() & _mask;
        while (true)
        {
            Interlocked.Increment(ref _readers[slot].Value);
            // Interlocked.Increment is a full fence: either the writer sees this count, or this reader sees its flag.
            if (Volatile.Read(ref _writing) == 0)
            {
                return new ReadScope(this, slot);
            }

            Interlocked.Decrement(ref _readers[slot].Value);
            _doorOpen.Wait();
        }
    }

    /// <summary>Enters the write section: waits for the readers inside to leave and keeps new ones out until disposed.
    /// Must not be called from inside a read section (the reader would wait for itself).</summary>
    public WriteScope Write()
    {
        Monitor.Enter(_writeLock);
        _doorOpen.Reset();
        Interlocked.Exchange(ref _writing, 1);
        for (int i = 0; i < _readers.Length; i++)
        {
            if (Volatile.Read(ref _readers[i].Value) != 0)
            {
                var spin = default(SpinWait);
                while (Volatile.Read(ref _readers[i].Value) != 0)
                {
                    // Yield rather than sleep a millisecond: readers leave within one Predict.
                    spin.SpinOnce(sleep1Threshold: -1);
                }
            }
        }

        return new WriteScope(this);
    }

    /// <summary>Runs the caller alone among the callers of <see cref="Exclusive"/> and writers until disposed (a lock; nests on
    /// the thread). For state that one call at a time may use, such as <c>M.Gpu</c>'s device buffers and stream.</summary>
    public ExclusiveScope Exclusive()
    {
        Monitor.Enter(_writeLock);
        return new ExclusiveScope(_writeLock);
    }

    /// <summary>Makes the calling thread the instance's only trainer until the result is disposed; nests on that thread.</summary>
    /// <param name="operation">What is starting (<c>"TrainOnBatch"</c>, <c>"Fit"</c>, ...), named in the exception.</param>
    /// <exception cref="InvalidOperationException">Another thread is training this instance.</exception>
    public TrainingScope Train(string operation)
    {
        int thread = Environment.CurrentManagedThreadId;
        if (Volatile.Read(ref _trainingThread) == thread)
        {
            _trainingDepth++;
            return new TrainingScope(this);
        }

        int owner = Interlocked.CompareExchange(ref _trainingThread, thread, 0);
        if (owner != 0)
        {
            // The owner names its operation right after taking the instance: wait for that (briefly) to name it here.
            string running = Volatile.Read(ref _trainingOperation);
            var spin = default(SpinWait);
            while (running.Length == 0 && Volatile.Read(ref _trainingThread) == owner && spin.Count < 50)
            {
                spin.SpinOnce(sleep1Threshold: -1);
                running = Volatile.Read(ref _trainingOperation);
            }

            throw new InvalidOperationException(
                $"{operation} cannot start: {(running.Length > 0 ? running : "another training call")} is running on this model instance in another thread " +
                $"(managed thread {owner}). One training call (TrainOnBatch, Fit, SetWeights, LoadWeights) runs at a time per instance; " +
                "nothing was changed. Predict and Evaluate may run alongside it from any thread.");
        }

        _trainingDepth = 1;
        Volatile.Write(ref _trainingOperation, operation);
        return new TrainingScope(this);
    }

    private void ExitRead(int slot) => Interlocked.Decrement(ref _readers[slot].Value);

    private void ExitWrite()
    {
        Volatile.Write(ref _writing, 0);
        _doorOpen.Set();
        Monitor.Exit(_writeLock);
    }

    private void EndTraining()
    {
        if (--_trainingDepth == 0)
        {
            _trainingOperation = string.Empty;
            Volatile.Write(ref _trainingThread, 0);
        }
    }

    /// <summary>A read section; <see cref="Dispose"/> leaves it.</summary>
    public readonly ref struct ReadScope
    {
        private readonly ModelGuard _guard;
        private readonly int _slot;

        internal ReadScope(ModelGuard guard, int slot)
        {
            _guard = guard;
            _slot = slot;
        }

        /// <summary>Leaves the read section.</summary>
        public void Dispose() => _guard.ExitRead(_slot);
    }

    /// <summary>The write section; <see cref="Dispose"/> leaves it.</summary>
    public readonly ref struct WriteScope
    {
        private readonly ModelGuard _guard;

        internal WriteScope(ModelGuard guard) => _guard = guard;

        /// <summary>Leaves the write section and lets readers in.</summary>
        public void Dispose() => _guard.ExitWrite();
    }

    /// <summary>An exclusive section; <see cref="Dispose"/> leaves it.</summary>
    public readonly ref struct ExclusiveScope
    {
        private readonly object _lock;

        internal ExclusiveScope(object gate) => _lock = gate;

        /// <summary>Leaves the exclusive section.</summary>
        public void Dispose() => Monitor.Exit(_lock);
    }

    /// <summary>A training call's ownership of the instance; <see cref="Dispose"/> releases it.</summary>
    public readonly ref struct TrainingScope
    {
        private readonly ModelGuard _guard;

        internal TrainingScope(ModelGuard guard) => _guard = guard;

        /// <summary>Ends the training call (the outermost one on this thread releases the instance).</summary>
        public void Dispose() => _guard.EndTraining();
    }
}
