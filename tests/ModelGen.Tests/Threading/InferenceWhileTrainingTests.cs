using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace ModelGen.Tests.Threading;

/// <summary>
/// SPEC §3 "Threads": a Predict that runs while another thread trains the instance returns the outputs of the weights
/// before or after some complete step, never of a partly updated set, and never disturbs the training; a second
/// training call throws <see cref="InvalidOperationException"/> and changes nothing. Every output read during training
/// is looked up, bit for bit, among the outputs of the weights after each step of the same training run alone.
/// </summary>
[Collection(ThreadingCollection.Name)]
public class InferenceWhileTrainingTests
{
    private const int Readers = 6;

    /// <summary>The probe's outputs after each step (index 0: before the first), from the same training run alone.</summary>
    private static Dictionary<string, int> OutputsByStep(IReadOnlyList<float[]> outputs)
    {
        var steps = new Dictionary<string, int>();
        for (int step = 0; step < outputs.Count; step++)
        {
            steps.TryAdd(Key(outputs[step]), step);
        }

        return steps;
    }

    private static string Key(float[] output) => Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(output.AsSpan()));

    /// <summary>Readers Predict the probe until <paramref name="train"/> has returned, each output checked against the
    /// outputs of complete steps; the trainer waits for the readers now and then so that reads overlap many steps.</summary>
    private static (int Reads, int Unknown, int DistinctSteps) ReadWhileTraining(IModel model, float[] probe, Dictionary<string, int> known, Action<Action> train)
    {
        int reads = 0, unknown = 0;
        var seen = new HashSet<int>();
        using var done = new ManualResetEventSlim();
        void AwaitReads()
        {
            // Lets the readers in: the next step starts once they have read at least twice more.
            int target = Volatile.Read(ref reads) + 2;
            var spin = default(SpinWait);
            while (Volatile.Read(ref reads) < target && !done.IsSet)
            {
                spin.SpinOnce(sleep1Threshold: -1);
            }
        }

        ConcurrentInferenceTests.RunTogether(Readers + 1, t =>
        {
            if (t == 0)
            {
                try
                {
                    train(AwaitReads);
                }
                finally
                {
                    done.Set();
                }

                return;
            }

            var output = new float[probe.Length / model.InputSize * model.OutputSize];
            while (!done.IsSet)
            {
                model.Predict(probe, output);
                Interlocked.Increment(ref reads);
                if (known.TryGetValue(Key(output), out int step))
                {
                    lock (seen)
                    {
                        seen.Add(step);
                    }
                }
                else
                {
                    Interlocked.Increment(ref unknown);
                }
            }
        });
        return (reads, unknown, seen.Count);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    [InlineData("lstm")]
    [InlineData("adam")]
    public void PredictDuringTrainOnBatchSeesCompleteSteps(string name)
    {
        const int steps = 60;
        ModelCase model = ModelCase.ByName(name);
        float[][] xs = Enumerable.Range(0, steps).Select(s => ModelCase.Inputs(model.Create(0), 32, 1000 + s)).ToArray();
        ITrainableModel shape = model.Create(0);
        float[][] ys = Enumerable.Range(0, steps).Select(s => ModelCase.Labels(shape, 32, 1000 + s)).ToArray();
        float[] probe = ModelCase.Inputs(shape, 5, 42);

        // The same run alone: the probe's outputs after every step, and the final weights.
        ITrainableModel alone = model.Create(8);
        var outputs = new List<float[]> { ModelCase.Predict(alone, probe) };
        var losses = new float[steps];
        for (int s = 0; s < steps; s++)
        {
            losses[s] = alone.TrainOnBatch(xs[s], ys[s]);
            outputs.Add(ModelCase.Predict(alone, probe));
        }

        ITrainableModel shared = model.Create(8);
        var sharedLosses = new float[steps];
        (int reads, int unknown, int distinct) = ReadWhileTraining(shared, probe, OutputsByStep(outputs), awaitReads =>
        {
            for (int s = 0; s < steps; s++)
            {
                sharedLosses[s] = shared.TrainOnBatch(xs[s], ys[s]);
                if (s % 3 == 0)
                {
                    awaitReads();
                }
            }
        });

        Assert.Equal(0, unknown);
        Assert.True(distinct >= steps / 3, $"reads saw only {distinct} of {steps + 1} weight sets in {reads} reads");
        Assert.Equal(losses, sharedLosses);
        Assert.Equal(ModelCase.Weights(alone), ModelCase.Weights(shared));
    }

    /// <summary>Records the probe's outputs at the end of every epoch (on the training thread).</summary>
    private sealed class ProbeRecorder(IModel model, float[] probe, Action? onEpochEnd = null) : Callback
    {
        public List<float[]> Outputs { get; } = new();

        public override bool OnEpochEnd(int epoch, EpochLogs logs)
        {
            Outputs.Add(ModelCase.Predict(model, probe));
            onEpochEnd?.Invoke();
            return false;
        }
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void PredictDuringFitSeesCompleteSteps(string name)
    {
        ModelCase model = ModelCase.ByName(name);
        ITrainableModel alone = model.Create(9);
        float[] x = ModelCase.Inputs(alone, 64, 77);
        float[] y = ModelCase.Labels(alone, 64, 77);
        float[] probe = ModelCase.Inputs(alone, 3, 78);

        // One step per epoch (the whole set as one batch), so that an epoch-end callback sees every step's weights.
        FitOptions Options(Callback callback) => new() { Epochs = 40, BatchSize = 64, Shuffle = true, Seed = 3, Verbose = 0, Callbacks = { callback } };
        var recorder = new ProbeRecorder(alone, probe);
        List<float[]> outputs = [ModelCase.Predict(alone, probe)];
        History historyAlone = alone.Fit(x, y, Options(recorder));
        outputs.AddRange(recorder.Outputs);

        ITrainableModel shared = model.Create(9);
        History? history = null;
        (int reads, int unknown, int distinct) = ReadWhileTraining(shared, probe, OutputsByStep(outputs), awaitReads =>
            history = shared.Fit(x, y, Options(new ProbeRecorder(shared, probe, awaitReads))));

        Assert.Equal(0, unknown);
        Assert.True(distinct >= 10, $"reads saw only {distinct} of {outputs.Count} weight sets in {reads} reads");
        Assert.Equal(historyAlone.Loss, history!.Loss);
        Assert.Equal(ModelCase.Weights(alone), ModelCase.Weights(shared));
    }

    /// <summary>SetWeights and LoadWeights replace every tensor at once: readers see the old set or the new one.</summary>
    [Theory]
    [InlineData("mlp")]
    [InlineData("lstm")]
    public void PredictDuringSetWeightsAndLoadWeightsSeesOneSet(string name)
    {
        ModelCase model = ModelCase.ByName(name);
        ITrainableModel first = model.Create(1), second = model.Create(2);
        // Non-trivial moving statistics, different in the two sets.
        first.TrainOnBatch(ModelCase.Inputs(first, 16, 3), ModelCase.Labels(first, 16, 3));
        second.TrainOnBatch(ModelCase.Inputs(second, 16, 4), ModelCase.Labels(second, 16, 4));
        float[] probe = ModelCase.Inputs(first, 4, 5);
        float[][] sets = [.. first.GetWeights(), .. second.GetWeights()];
        int tensors = sets.Length / 2;
        var saved = new MemoryStream();
        second.SaveWeights(saved);
        byte[] secondFile = saved.ToArray();
        var known = OutputsByStep([ModelCase.Predict(first, probe), ModelCase.Predict(second, probe)]);

        ITrainableModel shared = model.Create(1);
        shared.SetWeights(sets[..tensors]);
        (int reads, int unknown, int distinct) = ReadWhileTraining(shared, probe, known, awaitReads =>
        {
            for (int i = 0; i < 200; i++)
            {
                if (i % 2 == 0)
                {
                    shared.LoadWeights(new MemoryStream(secondFile));
                }
                else
                {
                    shared.SetWeights(sets[..tensors]);
                }

                if (i % 10 == 0)
                {
                    awaitReads();
                }
            }
        });

        Assert.Equal(0, unknown);
        Assert.Equal(2, distinct);
        Assert.True(reads > 20, $"{reads} reads");
    }

    /// <summary>A second training call (TrainOnBatch, Fit, SetWeights, LoadWeights) while Fit runs on another thread
    /// throws, naming both calls, and changes nothing: the Fit ends with the weights of a Fit alone. Predict,
    /// Evaluate and GetWeights go on meanwhile.</summary>
    [Fact]
    public void SecondTrainingCallWhileFitRunsThrowsAndChangesNothing()
    {
        ITrainableModel alone = ModelCase.Mlp.Create(12), shared = ModelCase.Mlp.Create(12);
        float[] x = ModelCase.Inputs(alone, 64, 13);
        float[] y = ModelCase.Labels(alone, 64, 13);
        var options = new FitOptions { Epochs = 6, BatchSize = 16, Seed = 1, Verbose = 0 };
        alone.Fit(x, y, options);

        using var paused = new ManualResetEventSlim();
        using var resume = new ManualResetEventSlim();
        var pauser = new PauseAtEpoch(epoch: 2, paused, resume);
        var fit = new Thread(() => shared.Fit(x, y, new FitOptions { Epochs = 6, BatchSize = 16, Seed = 1, Verbose = 0, Callbacks = { pauser } }));
        fit.Start();
        Assert.True(paused.Wait(TimeSpan.FromSeconds(30)));

        // Fit is inside its epoch-end callback, on its own thread: every training call from here must throw.
        float[] before = ModelCase.Weights(shared);
        var weightsFile = new MemoryStream();
        shared.SaveWeights(weightsFile);
        float[][] other = ModelCase.Mlp.Create(99).GetWeights();
        var attempts = new (string Name, Action Call)[]
        {
            ("TrainOnBatch", () => shared.TrainOnBatch(x.AsSpan(0, 16 * shared.InputSize), y.AsSpan(0, 16))),
            ("Fit", () => shared.Fit(x, y, new FitOptions { Epochs = 1, Verbose = 0 })),
            ("SetWeights", () => shared.SetWeights(other)),
            ("LoadWeights", () => shared.LoadWeights(new MemoryStream(weightsFile.ToArray()))),
        };
        foreach ((string name, Action call) in attempts)
        {
            var error = Assert.Throws<InvalidOperationException>(call);
            Assert.StartsWith($"{name} cannot start: Fit is running on this model instance in another thread", error.Message);
        }

        Assert.Equal(before, ModelCase.Weights(shared));
        _ = shared.Evaluate(x, y);
        _ = ModelCase.Predict(shared, x);
        resume.Set();
        fit.Join();

        Assert.Equal(ModelCase.Weights(alone), ModelCase.Weights(shared));
        // The instance is free again.
        shared.TrainOnBatch(x.AsSpan(0, 16 * shared.InputSize), y.AsSpan(0, 16));
    }

    /// <summary>TrainOnBatch on two threads at once: each call either runs or throws, and the weights are those of the
    /// calls that ran, one after the other (never a mix, never NaN).</summary>
    [Fact]
    public void TrainOnBatchFromTwoThreadsRunsOneAtATime()
    {
        ITrainableModel shared = ModelCase.Mlp.Create(14);
        float[] x = ModelCase.Inputs(shared, 32, 15);
        float[] y = ModelCase.Labels(shared, 32, 15);
        int ran = 0, refused = 0;
        ConcurrentInferenceTests.RunTogether(ConcurrentInferenceTests.Threads, t =>
        {
            for (int i = 0; i < 100; i++)
            {
                try
                {
                    shared.TrainOnBatch(x, y);
                    Interlocked.Increment(ref ran);
                }
                catch (InvalidOperationException e) when (e.Message.StartsWith("TrainOnBatch cannot start: TrainOnBatch is running", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref refused);
                }
            }
        });

        // The same number of steps on the same batch, alone.
        ITrainableModel alone = ModelCase.Mlp.Create(14);
        for (int i = 0; i < ran; i++)
        {
            alone.TrainOnBatch(x, y);
        }

        Assert.Equal(ConcurrentInferenceTests.Threads * 100, ran + refused);
        Assert.True(ran > 0);
        Assert.Equal(ModelCase.Weights(alone), ModelCase.Weights(shared));
    }
}
