using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Validation;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Generation;

/// <summary>Output shapes and parameter counts, each equal to what Keras's <c>model.summary()</c> prints for the same model.</summary>
public class ShapeAndParameterTests
{
    private static ModelPlan Plan(string body)
    {
        string text = "model Test.M\n" + body;
        ModelDefinition model = ModelFileParser.Parse("/project/M.model", SourceText.From(text), new ProjectOptions("Test", "/project/"), CancellationToken.None);
        EquatableArray<Generator.Diagnostics.DiagnosticInfo> diagnostics = ModelValidator.Validate(model, EquatableArray<ModelTypeEntry>.Empty);
        Assert.DoesNotContain(diagnostics, d => d.IsError);
        return ModelPlanner.Plan(model, referencesIlgpu: false, CancellationToken.None);
    }

    private static void AssertLayer(ModelPlan plan, int index, string name, string shape, long trainable, long nonTrainable)
    {
        LayerPlan layer = plan.Layers[index];
        Assert.Equal(name, layer.Name);
        Assert.Equal(shape, layer.Output.ToString());
        Assert.Equal(trainable, layer.TrainableParameters);
        Assert.Equal(nonTrainable, layer.NonTrainableParameters);
    }

    [Fact]
    public void CirclesMlpWithBatchNormalizationHasKerasCounts()
    {
        // Keras: input 2 -> Dense(50) -> BatchNormalization -> Dense(1): 301 trainable, 100 non-trainable.
        ModelPlan plan = Plan("input 2\ndense 50 activation=relu\nbatch_normalization\ndense 1 activation=sigmoid\n");

        AssertLayer(plan, 0, "dense", "(None, 50)", 150, 0);
        AssertLayer(plan, 1, "batch_normalization", "(None, 50)", 100, 100);
        AssertLayer(plan, 2, "dense_1", "(None, 1)", 51, 0);
        Assert.Equal(301, plan.TrainableParameters);
        Assert.Equal(100, plan.NonTrainableParameters);
        Assert.Equal(2, plan.InputSize);
        Assert.Equal(1, plan.OutputSize);
    }

    [Fact]
    public void DenseWithoutBiasAndBatchNormalizationWithoutCenterOrScale()
    {
        ModelPlan plan = Plan("input 784\ndense 512 use_bias=false\nbatch_normalization center=false\nactivation relu\nbatch_normalization scale=false center=false\ndense 10 activation=softmax\n");

        AssertLayer(plan, 0, "dense", "(None, 512)", 401_408, 0);
        AssertLayer(plan, 1, "batch_normalization", "(None, 512)", 512, 1024);
        AssertLayer(plan, 2, "activation", "(None, 512)", 0, 0);
        AssertLayer(plan, 3, "batch_normalization_1", "(None, 512)", 0, 1024);
        AssertLayer(plan, 4, "dense_1", "(None, 10)", 5130, 0);
    }

    [Fact]
    public void ConvolutionPoolingAndFlatten()
    {
        // Keras: Conv2D(16, 3, padding="same") on 8x8x1 -> (None, 8, 8, 16), 160 params; BN over 16 channels: 64.
        ModelPlan plan = Plan(
            "input 8x8x1\nconv2d 16 kernel_size=3 padding=same\nbatch_normalization\nactivation relu\nmax_pooling2d 2\n"
            + "conv2d 32 kernel_size=3x3\nmax_pooling2d 2 padding=same\nflatten\ndense 10 activation=softmax\n");

        AssertLayer(plan, 0, "conv2d", "(None, 8, 8, 16)", 160, 0);
        AssertLayer(plan, 1, "batch_normalization", "(None, 8, 8, 16)", 32, 32);
        AssertLayer(plan, 3, "max_pooling2d", "(None, 4, 4, 16)", 0, 0);
        AssertLayer(plan, 4, "conv2d_1", "(None, 2, 2, 32)", 4640, 0);
        AssertLayer(plan, 5, "max_pooling2d_1", "(None, 1, 1, 32)", 0, 0);
        AssertLayer(plan, 6, "flatten", "(None, 32)", 0, 0);
        AssertLayer(plan, 7, "dense", "(None, 10)", 330, 0);
    }

    [Fact]
    public void StridesAndRectangularWindows()
    {
        // Keras: Conv2D(32, 3, strides=2) on 28x28x1 -> 13x13 (valid), 14x14 (same); MaxPooling2D((2, 3)) on 13x13 -> 6x4.
        ModelPlan plan = Plan("input 28x28x1\nconv2d 32 strides=2\nconv2d 8 kernel_size=3x5 strides=2 padding=same use_bias=false\nmax_pooling2d 2x3\n");

        AssertLayer(plan, 0, "conv2d", "(None, 13, 13, 32)", 320, 0);
        AssertLayer(plan, 1, "conv2d_1", "(None, 7, 7, 8)", 3 * 5 * 32 * 8, 0);
        AssertLayer(plan, 2, "max_pooling2d", "(None, 3, 2, 8)", 0, 0);
    }

    [Fact]
    public void ImagePoolingLayersHaveKerasShapesAndNoParameters()
    {
        // Keras: AveragePooling2D(3, strides=2, padding="same") on 8x8 -> 4x4; GlobalAveragePooling2D on (None, 4, 4, 16)
        // -> (None, 16), so the Dense after it has 16 * 10 + 10 params; GlobalMaxPooling2D alike.
        ModelPlan plan = Plan(
            "input 8x8x3\nconv2d 16 kernel_size=3 padding=same\naverage_pooling2d 3 strides=2 padding=same\naverage_pooling2d 2x1\n"
            + "global_average_pooling2d\ndense 10 activation=softmax\n");

        AssertLayer(plan, 1, "average_pooling2d", "(None, 4, 4, 16)", 0, 0);
        AssertLayer(plan, 2, "average_pooling2d_1", "(None, 2, 4, 16)", 0, 0);
        AssertLayer(plan, 3, "global_average_pooling2d", "(None, 16)", 0, 0);
        AssertLayer(plan, 4, "dense", "(None, 10)", 170, 0);
        Assert.Contains(" global_average_pooling2d (GlobalAveragePooling2D)    (None, 16)", plan.Summary);
        Assert.Equal(TensorShape.Image(2, 4, 16), plan.Layers[3].Input);

        ModelPlan max = Plan("input 5x7x2\nglobal_max_pooling2d\ndense 1 activation=sigmoid\n");
        AssertLayer(max, 0, "global_max_pooling2d", "(None, 2)", 0, 0);
        AssertLayer(max, 1, "dense", "(None, 1)", 3, 0);
    }

    [Fact]
    public void SequencePoolingLayersPoolTheTimesteps()
    {
        // Keras: MaxPooling1D(3) on (None, 10, 8) -> (None, 3, 8); AveragePooling1D(2, strides=1, padding="same") keeps 3;
        // GlobalMaxPooling1D -> (None, 8); GlobalAveragePooling1D of the input -> (None, 14).
        ModelPlan plan = Plan(
            "input 10x14\nlstm 8 return_sequences=true\nmax_pooling1d 3\naverage_pooling1d 2 strides=1 padding=same\nmax_pooling1d 2 strides=1\n"
            + "global_max_pooling1d\ndense 1 activation=sigmoid\n");

        AssertLayer(plan, 1, "max_pooling1d", "(None, 3, 8)", 0, 0);
        AssertLayer(plan, 2, "average_pooling1d", "(None, 3, 8)", 0, 0);
        AssertLayer(plan, 3, "max_pooling1d_1", "(None, 2, 8)", 0, 0);
        AssertLayer(plan, 4, "global_max_pooling1d", "(None, 8)", 0, 0);
        AssertLayer(plan, 5, "dense", "(None, 1)", 9, 0);
        AssertLayer(Plan("input 10x14\nglobal_average_pooling1d\n"), 0, "global_average_pooling1d", "(None, 14)", 0, 0);
    }

    [Fact]
    public void PoolingWindowsAreSequencesAsColumnsAndGlobalPoolsAsOneWindow()
    {
        ModelPlan plan = Plan("input 9x3\nmax_pooling1d 3 strides=2 padding=same\nglobal_average_pooling1d\n");
        Assert.Equal(new WindowPlan(9, 1, 3, 3, 1, 2, 1, 5, 1, 1, 0, Padded: true), plan.Layers[0].Window);
        Assert.Equal(new WindowPlan(5, 1, 3, 5, 1, 5, 1, 1, 1, 0, 0, Padded: false), plan.Layers[1].Window);

        ModelPlan image = Plan("input 6x5x4\nglobal_max_pooling2d\n");
        Assert.Equal(new WindowPlan(6, 5, 4, 6, 5, 6, 5, 1, 1, 0, 0, Padded: false), image.Layers[0].Window);
    }

    [Fact]
    public void LstmWithAndWithoutSequences()
    {
        // Keras: LSTM(32) on (10, 14): 4 * 32 * (14 + 32 + 1) = 6016 params.
        ModelPlan plan = Plan("input 10x14\nlstm 32 return_sequences=true\nlstm 16\nbatch_normalization\ndense 1 activation=sigmoid\n");

        AssertLayer(plan, 0, "lstm", "(None, 10, 32)", 6016, 0);
        AssertLayer(plan, 1, "lstm_1", "(None, 16)", 4 * 16 * (32 + 16 + 1), 0);
        AssertLayer(plan, 2, "batch_normalization", "(None, 16)", 32, 32);
        Assert.Equal(10 * 14, plan.InputSize);
    }

    [Fact]
    public void SummaryIsAKerasTableWithFusedKernels()
    {
        ModelPlan plan = Plan("input 2\ndense 50 kernel_initializer=he_uniform\nbatch_normalization\nactivation relu\ndense 1 activation=sigmoid\n");

        string expected =
            "Model: \"M\"\n" +
            "____________________________________________________________________\n" +
            " Layer (type)                                Output Shape    Param #\n" +
            "====================================================================\n" +
            " dense (Dense)                               (None, 50)          150\n" +
            "____________________________________________________________________\n" +
            " batch_normalization (BatchNormalization)    (None, 50)          200\n" +
            "____________________________________________________________________\n" +
            " activation (Activation)                     (None, 50)            0\n" +
            "____________________________________________________________________\n" +
            " dense_1 (Dense)                             (None, 1)            51\n" +
            "====================================================================\n" +
            "Total params: 401\n" +
            "Trainable params: 301\n" +
            "Non-trainable params: 100\n" +
            "____________________________________________________________________\n" +
            "Fused kernels:\n" +
            " dense + batch_normalization + activation    GEMM + BN + relu; inference: BN folded into dense\n" +
            " dense_1                                     GEMM + bias + sigmoid\n";
        Assert.Equal(expected, plan.Summary);
    }

    [Fact]
    public void BatchNormalizationFoldsIntoTheDenseOnTheSideOfTheActivation()
    {
        ModelPlan before = Plan("input 4\ndense 8\nbatch_normalization\nactivation relu\ndense 1 activation=sigmoid\n");
        ModelPlan after = Plan("input 4\ndense 8 activation=relu\nbatch_normalization\ndropout 0.5\ndense 1 activation=sigmoid\n");

        FusionGroup beforeGroup = before.Groups[0];
        Assert.Equal((0, 3, FusionKind.WeightsBatchNormActivation, ActivationKind.Relu, 0), (beforeGroup.First, beforeGroup.Count, beforeGroup.Kind, beforeGroup.Activation, beforeGroup.FoldInto));
        FusionGroup afterGroup = after.Groups[0];
        Assert.Equal((0, 2, FusionKind.WeightsActivationBatchNorm, ActivationKind.Relu, 3), (afterGroup.First, afterGroup.Count, afterGroup.Kind, afterGroup.Activation, afterGroup.FoldInto));
        Assert.Equal(new[] { 0, 0, 1, 2 }, after.Layers.Select(l => l.Group));
    }
}
