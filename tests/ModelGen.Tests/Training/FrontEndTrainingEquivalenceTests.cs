using System;
using System.Collections.Generic;
using System.Linq;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Training;

/// <summary>Every sample model is defined twice, as a <c>.model</c> file (namespace X) and with attributes
/// (namespace X.AttributeForm, same class name): both generated classes train to identical weights for a seed.</summary>
public class FrontEndTrainingEquivalenceTests
{
    public static IEnumerable<object[]> Pairs() =>
        new[] { typeof(Samples.Circles.NoBn).Assembly, typeof(Samples.LearningRates.PlainMlp).Assembly, typeof(Samples.Digits.PlainReluCnn).Assembly }
            .SelectMany(a => a.GetTypes())
            .Where(t => typeof(ITrainableModel).IsAssignableFrom(t) && t.Namespace is { } ns && !ns.EndsWith(".AttributeForm", StringComparison.Ordinal))
            .Where(t => !(t.IsNested && t.Name == "Gpu")) // M.Gpu (the samples reference ILGPU) is tested in tests/ModelGen.Tests/Gpu
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => new object[] { t.FullName! });

    [Theory]
    [MemberData(nameof(Pairs))]
    public void BothFormsTrainToIdenticalWeights(string fileModelType)
    {
        Type fileType = new[] { typeof(Samples.Circles.NoBn).Assembly, typeof(Samples.LearningRates.PlainMlp).Assembly, typeof(Samples.Digits.PlainReluCnn).Assembly }
            .Select(a => a.GetType(fileModelType)).Single(t => t is not null)!;
        Type attributeType = fileType.Assembly.GetType(fileType.Namespace + ".AttributeForm." + fileType.Name)
            ?? throw new InvalidOperationException($"{fileModelType} has no attribute form");
        var fromFile = (ITrainableModel)Activator.CreateInstance(fileType, 11)!;
        var fromAttributes = (ITrainableModel)Activator.CreateInstance(attributeType, 11)!;
        (float[] x, float[] y) = Data(fromFile, rows: 256);

        var options = new FitOptions { Epochs = 3, BatchSize = 32, Seed = 5, ValidationSplit = 0.25, Verbose = 0 };
        History a = fromFile.Fit(x, y, options);
        History b = fromAttributes.Fit(x, y, options);

        Assert.Equal(fromFile.GetWeights(), fromAttributes.GetWeights());
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a.ValAccuracy, b.ValAccuracy);
        Assert.NotEqual(fromFile.GetWeights()[0], ((ITrainableModel)Activator.CreateInstance(fileType, 11)!).GetWeights()[0]);
    }

    /// <summary>Seeded inputs in [-1, 1] and valid labels for the model's loss (binary when LabelSize is 1 and OutputSize 1).</summary>
    private static (float[] X, float[] Y) Data(ITrainableModel model, int rows)
    {
        var random = new Random(17);
        float[] x = Enumerable.Range(0, rows * model.InputSize).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var y = new float[rows * model.LabelSize];
        for (int r = 0; r < rows; r++)
        {
            int label = r % Math.Max(2, model.OutputSize);
            if (model.LabelSize == 1)
            {
                y[r] = model.OutputSize == 1 ? label % 2 : label;
            }
            else
            {
                y[r * model.LabelSize + label] = 1;
            }
        }

        return (x, y);
    }
}
