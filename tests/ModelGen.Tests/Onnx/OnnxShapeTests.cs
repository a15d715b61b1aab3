using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Emitters;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Validation;
using ModelGen.Tests.Infrastructure;
using Xunit;

namespace ModelGen.Tests.Onnx;

/// <summary>ExportOnnx beyond vectors: layers on a sequence input work along its last axis, as in Keras; and a layer
/// that gains a CPU kernel before an ONNX export still gives a class that compiles.</summary>
public class OnnxShapeTests
{
    private static readonly Type[] s_sequenceModels = OnnxTesting.ModelTypes(OnnxTesting.Compile(
        [
            ("/project/Models/SequenceSoftmax.model", "model Extra.SequenceSoftmax\ninput 4x3\nactivation tanh\nactivation softmax\ndropout 0.1\n"),
            ("/project/Models/SequenceBatchNormalization.model", "model Extra.SequenceBatchNormalization\ninput 4x3\nbatch_normalization epsilon=0.5\nactivation relu\n"),
        ],
        [])).ToArray();

    [Fact]
    public void SoftmaxOnASequenceWorksPerTimestepLikePredict()
    {
        IModel model = OnnxTesting.Create(s_sequenceModels.Single(t => t.Name == "SequenceSoftmax"), 0);
        OnnxTesting.AssertOnnxMatchesPredict(model, "SequenceSoftmax");

        OnnxFile file = OnnxFile.Parse(OnnxTesting.Export(model));
        Assert.Equal(new[] { "Tanh", "Reshape", "Softmax", "Reshape" }, file.Nodes.Select(n => n.OpType));
        Assert.Equal(("x", "batch,12"), (file.Input.Name, string.Join(",", file.Input.Shape)));
        Assert.Equal(("y", "batch,12"), (file.Output.Name, string.Join(",", file.Output.Shape)));
    }

    /// <summary>Keras normalizes each of the 3 features over every timestep. The CPU Predict of this model does not run
    /// yet (it reads the input as [batch, 3]), so the expected values are computed here from the weights.</summary>
    [Fact]
    public void BatchNormalizationOnASequenceNormalizesTheLastAxis()
    {
        IModel model = OnnxTesting.Create(s_sequenceModels.Single(t => t.Name == "SequenceBatchNormalization"), 0);
        float[] gamma = { 1.5f, -0.5f, 2f }, beta = { 0.1f, 0.2f, -0.3f }, mean = { 0.5f, -1f, 0f }, variance = { 2f, 0.25f, 1f };
        model.SetWeights(new[] { gamma, beta, mean, variance });
        float[] x = OnnxTesting.Inputs(5, 12, seed: 4);
        var expected = new float[x.Length];
        for (int i = 0; i < x.Length; i++)
        {
            int f = i % 3;
            expected[i] = Math.Max(0f, gamma[f] * (x[i] - mean[f]) / MathF.Sqrt(variance[f] + 0.5f) + beta[f]);
        }

        byte[] onnx = OnnxTesting.Export(model);
        OnnxTesting.AssertClose(expected, OnnxTesting.Run(onnx, x, 12, 12), "SequenceBatchNormalization");
        OnnxFile file = OnnxFile.Parse(onnx);
        Assert.Equal(new[] { "Reshape", "BatchNormalization", "Reshape", "Relu" }, file.Nodes.Select(n => n.OpType));
        Assert.Equal(new[] { 3L }, file.Initializer("batch_normalization/moving_mean").Dims);
    }

    [Fact]
    public void AnLstmActivationWithoutAnOnnxCounterpartGivesAnExportThatThrows()
    {
        // ONNX's LSTM operator has a fixed list of activations: gelu is not in it. The class still compiles, Predict and
        // training work, and ExportOnnx says which layer and why.
        string text = "model Test.Rnn\ninput 6x4\nlstm 3 activation=gelu\ndense 2 activation=softmax\n";
        GeneratorRun run = GeneratorHarness.RunModelFile(text);
        Assert.DoesNotContain(run.ModelGenDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        string source = Assert.Single(run.Sources).Value;
        Assert.Contains("/// <exception cref=\"global::System.NotSupportedException\">Always: layer 'lstm' uses gelu, which ONNX's LSTM operator has no activation for.</exception>", source);
        Assert.Contains("throw new global::System.NotSupportedException(\"Layer 'lstm' (LSTM) uses gelu, which ONNX's LSTM operator has no activation for.\");", source);
        Assert.Contains("public void ExportOnnx(string path) => global::ModelGen.CompilerServices.OnnxGraphBuilder.WriteFile(path, ExportOnnx);", source);
        Assert.DoesNotContain("OnnxGraphBuilder(\"Test.Rnn\"", source);
        Assert.Empty(run.CompilationDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error));
    }
}
