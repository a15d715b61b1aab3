using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.TestModels;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>
/// Finite-difference checks of every generated backward pass: each model trains with plain SGD at learning rate 1,
/// so one <c>TrainOnBatch</c> moves every trainable weight by exactly minus its gradient; central differences of
/// the batch loss (which <c>TrainOnBatch</c> returns, computed before its step) must agree. A wrong sign, a missing
/// term or a wrong transpose shows up as a gross mismatch; float32 rounding stays far below the tolerance.
/// </summary>
public class GradientCheckTests
{
    private const int Batch = 8;
    private static readonly float[] Steps = [4e-3f, 1e-3f, 2.5e-4f];

    public enum Labels
    {
        Binary,
        OneHot,
        Sparse,
        Regression,
    }

    public static IEnumerable<object[]> Models() =>
    [
        [nameof(HiddenLinear), Labels.OneHot],
        [nameof(HiddenRelu), Labels.OneHot],
        [nameof(HiddenTanh), Labels.OneHot],
        [nameof(HiddenSigmoid), Labels.OneHot],
        [nameof(HiddenSoftmax), Labels.OneHot],
        [nameof(HiddenElu), Labels.OneHot],
        [nameof(HiddenLeakyRelu), Labels.OneHot],
        [nameof(HiddenGelu), Labels.OneHot],
        [nameof(HiddenSwish), Labels.OneHot],
        [nameof(HiddenSelu), Labels.OneHot],
        [nameof(HiddenSoftplus), Labels.OneHot],
        [nameof(HiddenHardSigmoid), Labels.OneHot],
        [nameof(HiddenHardSigmoidKeras2), Labels.OneHot],
        [nameof(LstmHardSigmoidKeras2), Labels.OneHot],
        [nameof(BinaryViaActivation), Labels.Binary],
        [nameof(SparseOutput), Labels.Sparse],
        [nameof(SquaredErrorSigmoid), Labels.Regression],
        [nameof(SquaredErrorLinear), Labels.Regression],
        [nameof(BatchNormCenterTrueScaleTrue), Labels.Binary],
        [nameof(BatchNormCenterFalseScaleTrue), Labels.Binary],
        [nameof(BatchNormCenterTrueScaleFalse), Labels.Binary],
        [nameof(BatchNormCenterFalseScaleFalse), Labels.Binary],
        [nameof(BatchNormAfterActivation), Labels.OneHot],
        [nameof(SequenceNormalized), Labels.OneHot],
        [nameof(ConvValidNormalized), Labels.OneHot],
        [nameof(ConvSameStridedNormalized), Labels.OneHot],
        [nameof(ConvIntoConvNormalized), Labels.Sparse],
        [nameof(PointwiseConvOverlappingPool), Labels.Binary],
        [nameof(ConvGlobalAveragePool), Labels.OneHot],
        [nameof(ConvAveragePoolGlobalMax), Labels.Binary],
        [nameof(SequencePooling), Labels.OneHot],
        [nameof(SequenceGlobalMax), Labels.Regression],
        [nameof(ConvRegression), Labels.Regression],
        [nameof(Conv1DValidNormalized), Labels.OneHot],
        [nameof(Conv1DSameStridedNormalized), Labels.Binary],
        [nameof(Conv1DIntoLstm), Labels.OneHot],
        [nameof(DropoutHidden), Labels.OneHot],
        [nameof(LstmSequenceClassifier), Labels.OneHot],
        [nameof(LstmStackedNormalized), Labels.Binary],
        [nameof(LstmGeluRegression), Labels.Regression],
    ];

    internal static ITrainableModel Create(string name, int seed) =>
        (ITrainableModel)Activator.CreateInstance(typeof(GoldenCircles).Assembly.GetType("ModelGen.TestModels." + name)!, seed)!;

    internal static (float[] X, float[] Y) Data(ITrainableModel model, Labels labels, int rows, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * model.InputSize];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 4 - 2);
        }

        var y = new float[rows * model.LabelSize];
        for (int r = 0; r < rows; r++)
        {
            switch (labels)
            {
                case Labels.Binary:
                    y[r] = r % 2;
                    break;
                case Labels.Sparse:
                    y[r] = r % model.OutputSize;
                    break;
                case Labels.OneHot:
                    y[r * model.OutputSize + (r % model.OutputSize)] = 1;
                    break;
                default:
                    for (int o = 0; o < model.OutputSize; o++)
                    {
                        y[r * model.OutputSize + o] = (float)random.NextDouble();
                    }

                    break;
            }
        }

        return (x, y);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void BackwardPassMatchesFiniteDifferences(string name, Labels labels)
    {
        ITrainableModel model = Create(name, seed: 3);
        (float[] x, float[] y) = Data(model, labels, Batch, seed: 5);

        // Weights of order 1 everywhere (biases, gamma and beta included), so that no term of the gradient hides
        // behind a small initial value. Moving statistics play no part in training mode.
        var random = new Random(9);
        model.SetWeights(model.GetWeights().Select(t => t.Select(_ => (float)(random.NextDouble() * 1.6 - 0.8)).ToArray()).ToArray());
        float[][] start = model.GetWeights();

        // Analytic: w - w' after one step of SGD with learning rate 1. Every evaluation below uses a fresh model of the
        // same seed, so that dropout draws the same mask each time.
        model = Fresh(name, start);
        model.TrainOnBatch(x, y);
        float[][] after = model.GetWeights();

        int trainableChecked = 0;
        for (int t = 0; t < start.Length; t++)
        {
            for (int i = 0; i < start[t].Length; i++)
            {
                double analytic = start[t][i] - after[t][i];
                if (IsMovingStatistic(model, t))
                {
                    continue;
                }

                // A step that crosses a kink of relu averages two slopes; smaller steps step off it. A real error
                // in the backward pass disagrees at every step.
                double numeric = double.NaN;
                bool agrees = false;
                foreach (float step in Steps)
                {
                    numeric = (LossAt(name, start, t, i, step, x, y) - LossAt(name, start, t, i, -step, x, y)) / (2.0 * step);
                    agrees |= Math.Abs(analytic - numeric) <= 2e-2 * Math.Max(Math.Abs(analytic), Math.Abs(numeric)) + 5e-4;
                }

                Assert.True(agrees, $"{name}: tensor {t} value {i}: backward pass gives {analytic:G6}, finite differences {numeric:G6}");
                trainableChecked++;
            }
        }

        Assert.True(trainableChecked > 10, $"{name}: only {trainableChecked} values checked");
    }

    private static ITrainableModel Fresh(string name, float[][] weights)
    {
        ITrainableModel model = Create(name, seed: 3);
        model.SetWeights(weights);
        return model;
    }

    private static double LossAt(string name, float[][] weights, int tensor, int index, float delta, float[] x, float[] y)
    {
        float original = weights[tensor][index];
        weights[tensor][index] = original + delta;
        ITrainableModel model = Fresh(name, weights);
        weights[tensor][index] = original;
        return model.TrainOnBatch(x, y);
    }

    /// <summary>Moving mean and variance are the last two tensors of each BatchNormalization; training does not follow their gradient.</summary>
    private static bool IsMovingStatistic(ITrainableModel model, int tensor)
    {
        string[] names = (string[])model.GetType().GetField("s_tensorNames", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!;
        return names[tensor].EndsWith("moving_mean", StringComparison.Ordinal) || names[tensor].EndsWith("moving_variance", StringComparison.Ordinal);
    }
}
