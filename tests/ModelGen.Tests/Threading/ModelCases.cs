using System;
using System.Linq;
using System.Threading;

namespace ModelGen.Tests.Threading;

/// <summary>The thread-safety tests start their own threads (more than the cores) and measure memory and allocation:
/// they run alone, after the tests that run in parallel, so that the contention is theirs and the figures their own.</summary>
[Xunit.CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadingCollection
{
    public const string Name = "Threading (runs alone)";
}

/// <summary>A model the thread-safety tests share between threads, with inputs and labels of its shapes.</summary>
public sealed record ModelCase(string Name, Func<int, ITrainableModel> Create)
{
    /// <summary>An MLP with BatchNormalization after the activation (folded into the next Dense at inference).</summary>
    public static readonly ModelCase Mlp = new("mlp", seed => new Samples.Circles.BnAfterRelu(seed));

    /// <summary>The digits CNN: conv2d + BN + relu + pooling twice, a Dense + BN + relu, softmax (BN folded everywhere).</summary>
    public static readonly ModelCase Cnn = new("cnn", seed => new Samples.Digits.BatchNormReluCnn(seed));

    /// <summary>Stacked lstm layers with BatchNormalization over the timesteps (not folded: inference reads the moving statistics).</summary>
    public static readonly ModelCase Lstm = new("lstm", seed => new TestModels.LstmStackedNormalized(seed));

    /// <summary>Dropout and Adam.</summary>
    public static readonly ModelCase Adam = new("adam", seed => new TestModels.AdamMlp(seed));

    public static ModelCase ByName(string name) => new[] { Mlp, Cnn, Lstm, Adam }.Single(c => c.Name == name);

    public override string ToString() => Name;

    /// <summary>Inputs of <paramref name="rows"/> samples, uniform in [-2, 2), from <paramref name="seed"/>.</summary>
    public static float[] Inputs(IModel model, int rows, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * model.InputSize).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    /// <summary>Labels of the model's loss: 0/1 for one sigmoid unit, class indices for sparse labels, one-hot otherwise.</summary>
    public static float[] Labels(ITrainableModel model, int rows, int seed)
    {
        var random = new Random(seed);
        int classes = model.OutputSize;
        if (model.LabelSize == 1)
        {
            int count = classes == 1 ? 2 : classes;
            return Enumerable.Range(0, rows).Select(_ => (float)random.Next(count)).ToArray();
        }

        var oneHot = new float[rows * classes];
        for (int r = 0; r < rows; r++)
        {
            oneHot[r * classes + random.Next(classes)] = 1;
        }

        return oneHot;
    }

    /// <summary>The model's outputs for <paramref name="x"/>.</summary>
    public static float[] Predict(IModel model, float[] x)
    {
        var y = new float[x.Length / model.InputSize * model.OutputSize];
        model.Predict(x, y);
        return y;
    }

    /// <summary>Every weight, flattened, to compare two models bit for bit.</summary>
    public static float[] Weights(IWeightsAccess model) => model.GetWeights().SelectMany(w => w).ToArray();
}

/// <summary>A Fit callback that signals <paramref name="paused"/> at the end of <paramref name="epoch"/> and waits for
/// <paramref name="resume"/>: the Fit holds the instance (a training call) but is between steps.</summary>
public sealed class PauseAtEpoch(int epoch, ManualResetEventSlim paused, ManualResetEventSlim resume) : Callback
{
    public override bool OnEpochEnd(int current, EpochLogs logs)
    {
        if (current == epoch)
        {
            paused.Set();
            resume.Wait();
        }

        return false;
    }
}
