using System;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Tests.Infrastructure;
using Xunit;
using static ModelGen.Tests.ModelFiles.ModelFileTesting;

namespace ModelGen.Tests.ModelFiles;

/// <summary>The parser's diagnostics (MG0002 syntax, MG0003 bad argument, MG0004 structure): each at the exact span of
/// the offending token, with a message that says what is wrong and how to fix it.</summary>
public class ModelFileDiagnosticsTests
{
    private const string Header = "model M\ninput 2\n";

    // ---- MG0002: syntax -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData("[|dens|] 50", "Unknown statement 'dens'", "did you mean 'dense'?")]
    [InlineData("[|batchnormalization|]", "Unknown statement", "did you mean 'batch_normalization'?")]
    [InlineData("[|layer|] 5", "Unknown statement 'layer'", "dense, batch_normalization")]
    [InlineData("dense [|2.5|]", "dense units must be a whole number, not '2.5'", "units=64")]
    [InlineData("dense [|99999999999999999999|]", "too large for dense units")]
    [InlineData("dropout [|0.5.1|]", "dropout rate must be a number, not '0.5.1'", "rate=0.5")]
    [InlineData("dropout [|nan|]", "must be a finite number, not 'nan'")]
    [InlineData("batch_normalization epsilon=[|inf|]", "batch_normalization epsilon must be a finite number")]
    [InlineData("batch_normalization momentum=[|-Infinity|]", "must be a finite number")]
    [InlineData("batch_normalization momentum=[|NaN|]", "must be a finite number")]
    [InlineData("batch_normalization epsilon=[|1e400|]", "too large for batch_normalization epsilon")]
    [InlineData("batch_normalization epsilon=[|1,5|]", "Unexpected character ','")]
    [InlineData("batch_normalization epsilon=[|0x10|]", "must be a number, not '0x10'")]
    [InlineData("dense 50 use_bias=[|yes|]", "dense use_bias must be true or false, not 'yes'")]
    [InlineData("dense 50 activation[|=|]", "'activation=' has no value", "activation=relu")]
    [InlineData("dense 50 activation[|=|] use_bias=false", "has no value")]
    [InlineData("dense 50 [|=|]relu", "'=' needs a key right before it")]
    [InlineData("dense 50 activation=relu [|=|]tanh", "'=' needs a key right before it")]
    [InlineData("dense 50 activation [|=|] relu", "Spaces around '=': write 'activation=relu' as one word")]
    [InlineData("dense 50 activation[|=|] relu", "Spaces around '='")]
    [InlineData("dense 50 [|@|]", "Unexpected character '@'")]
    [InlineData("dense [|5$0|] activation=relu", "Unexpected character '$'")]
    [InlineData("flatten [|%|]", "Unexpected character '%'")]
    [InlineData("dense 50 [|act!vation|]=relu", "Unexpected character '!'")]
    [InlineData("dense 50 activation=[|re$lu|]", "Unexpected character '$'")]
    [InlineData("dense [|5\u00010|]", "Unexpected character U+0001", "'5\\u00010'")]
    [InlineData("[|=|] dense", "cannot start with '='")]
    [InlineData("[|5|] dense", "Unknown statement '5'")]
    [InlineData("[|dens|] 50 activation= @ =", "Unknown statement 'dens'")]
    [InlineData("conv2d 8 kernel_size=[|3x3x3|]", "conv2d kernel_size takes one size or height x width, not 3 sizes")]
    [InlineData("conv2d 8 strides=[|2x|]", "conv2d strides must be whole numbers separated by 'x', not '2x'")]
    [InlineData("max_pooling2d [|x2|]", "max_pooling2d pool_size must be whole numbers separated by 'x'")]
    [InlineData("lstm 8 return_sequences=[|1|]", "lstm return_sequences must be true or false")]
    public void SyntaxErrors_AreReportedAtTheToken(string line, params string[] message)
    {
        AssertSingle(Header + line, DiagnosticDescriptors.SyntaxError, message);
    }

    [Theory]
    [InlineData("input [|28x|]", "input shape must be whole numbers separated by 'x', not '28x'", "input 28x28x1")]
    [InlineData("input [|x28|]", "must be whole numbers separated by 'x'")]
    [InlineData("input [|28xx1|]", "must be whole numbers separated by 'x'")]
    [InlineData("input [|two|]", "must be whole numbers separated by 'x'")]
    [InlineData("input [|9999999999x2|]", "'9999999999' in '9999999999x2' is too large")]
    public void InputShapeErrors_AreReportedAtTheShape(string line, params string[] message)
    {
        AssertSingle("model M\n" + line, DiagnosticDescriptors.SyntaxError, message);
    }

    [Theory]
    [InlineData("model [|3abc|]", "'3abc' is not a C# name")]
    [InlineData("model [|Ns.class|]", "uses the C# keyword 'class'")]
    [InlineData("model [|Ns..Name|]", "has an empty part")]
    [InlineData("model [|Name.|]", "has an empty part")]
    [InlineData("model [|my-model|]", "'my-model' is not a C# name")]
    public void InvalidModelNames_AreSyntaxErrorsAtTheName(string line, params string[] message)
    {
        AssertSingle(line + "\ninput 2", DiagnosticDescriptors.SyntaxError, message);
    }

    [Fact]
    public void TooManyErrors_StopReadingAfterOneHundred()
    {
        string text = "model M\n" + string.Concat(Enumerable.Repeat("dens 1\n", 500));
        ModelDefinition model = Parse(text);
        Assert.Equal(ModelFileReader.MaxDiagnostics + 1, model.Diagnostics.Count);
        DiagnosticInfo last = model.Diagnostics[model.Diagnostics.Count - 1];
        Assert.Equal("MG0002", last.Descriptor.Id);
        Assert.Contains("Too many errors", MessageOf(last));
        Assert.Equal(ModelFileReader.MaxDiagnostics + 1, last.Location!.LineSpan.Start.Line);
    }

    // ---- MG0003: bad argument -----------------------------------------------------------------------------------

    [Theory]
    [InlineData("dense 50 [|activaton|]=relu", "Unknown key 'activaton' for dense: expected one of units, activation, use_bias, kernel_initializer, bias_initializer", "did you mean 'activation'?")]
    [InlineData("dense 50 [|padding|]=same", "Unknown key 'padding' for dense")]
    [InlineData("dense 50 activation=[|rleu|]", "Unknown activation 'rleu' for dense: expected one of linear, relu, tanh, sigmoid, softmax", "(did you mean 'relu'?)")]
    [InlineData("lstm 5 recurrent_activation=[|sigmod|]", "Unknown activation 'sigmod' for lstm recurrent_activation", "did you mean 'sigmoid'?")]
    [InlineData("activation [|softmx|]", "Unknown activation 'softmx' for activation", "did you mean 'softmax'?")]
    [InlineData("dense 50 kernel_initializer=[|xavier|]", "Unknown initializer 'xavier' for dense kernel_initializer: expected one of zeros, ones, uniform, glorot_uniform")]
    [InlineData("conv2d 8 padding=[|full|]", "Unknown padding 'full' for conv2d: expected one of valid, same")]
    [InlineData("dense 50 [|60|]", "dense takes one value without a key (units), but '60' is another one")]
    [InlineData("dense 50 [|units|]=60", "dense units is given twice")]
    [InlineData("dense 50 activation=relu [|activation|]=tanh", "dense activation is given twice")]
    [InlineData("[|dense|]", "dense needs a value for units", "'dense 64 activation=relu'")]
    [InlineData("[|dropout|] seed=1", "dropout needs a value for rate")]
    [InlineData("flatten [|2|]", "flatten takes only key=value arguments, not '2' alone: use one of its keys (name)")]
    [InlineData("flatten [|x|]=1", "Unknown key 'x' for flatten: expected one of name")]
    [InlineData("batch_normalization [|0.9|]", "batch_normalization takes only key=value arguments", "momentum")]
    public void BadArguments_AreReportedAtTheToken(string line, params string[] message)
    {
        AssertSingle(Header + line, DiagnosticDescriptors.BadArgument, message);
    }

    [Theory]
    [InlineData("[|compile|] optimizer=adam", "compile needs a value for loss", "compile loss=binary_crossentropy")]
    [InlineData("compile loss=[|crossentropy|]", "Unknown loss 'crossentropy' for compile: expected one of binary_crossentropy, categorical_crossentropy")]
    [InlineData("compile loss=binary_crossentropy optimizer=[|adamw|]", "Unknown optimizer 'adamw' for compile: expected one of sgd, adam", "did you mean 'adam'?")]
    [InlineData("compile loss=binary_crossentropy metrics=[|mse|]", "Unknown metric 'mse' for compile metrics: expected one of accuracy, none")]
    [InlineData("compile loss=binary_crossentropy [|lr|]=0.1", "Unknown key 'lr' for compile")]
    [InlineData("compile loss=binary_crossentropy learning_rate=0.1 [|learning_rate|]=0.2", "compile learning_rate is given twice")]
    public void CompileErrors_AreReportedAtTheToken(string line, params string[] message)
    {
        AssertSingle(Header + line, DiagnosticDescriptors.BadArgument, message);
    }

    [Theory]
    [InlineData("model M\ninput [|1x2x3x4|]", "input takes 1 to 3 sizes")]
    [InlineData("model M\ninput 2 [|shape|]=3", "input takes no keys")]
    [InlineData("model M\n[|input|]", "input needs the shape of one sample")]
    [InlineData("[|model|]\ninput 2", "model needs the name of the class")]
    [InlineData("model A [|B|]\ninput 2", "model takes one class name")]
    public void StatementArgumentErrors_AreReportedAtTheToken(string text, params string[] message)
    {
        AssertSingle(text, DiagnosticDescriptors.BadArgument, message);
    }

    [Fact]
    public void BadValues_KeepTheLayerWithTheDefault()
    {
        ModelDefinition model = Parse(Header + "dense 3 activation=rleu use_bias=maybe kernel_initializer=he_uniform");
        Assert.Equal(2, model.Diagnostics.Count);
        Assert.Equal(new DenseSpec(3, ActivationKind.Linear, true, InitializerKind.HeUniform, InitializerKind.Zeros), Assert.Single(model.Spec.Layers));
    }

    // ---- MG0004: structure --------------------------------------------------------------------------------------

    [Fact]
    public void LayerBeforeInput_IsReportedAtTheInput()
    {
        ModelDefinition model = AssertSingle("model M\ndense 4\n[|input|] 2\n", DiagnosticDescriptors.BadStructure, "input must come before the layers", "line 2");
        Assert.NotNull(model.Spec.Input); // kept, so that the validator does not also report a missing input
    }

    [Fact]
    public void SecondInput_IsReportedAtTheSecond()
    {
        ModelDefinition model = AssertSingle("model M\ninput 2\n[|input|] 3\n", DiagnosticDescriptors.BadStructure, "input is given twice");
        Assert.Equal(EquatableArray.Create(2), model.Spec.Input!.Shape);
    }

    [Fact]
    public void SecondModel_IsReportedAtTheSecond()
    {
        ModelDefinition model = AssertSingle("model A\ninput 2\n  [|model|] B\n", DiagnosticDescriptors.BadStructure, "defines one model", "file of its own");
        Assert.Equal("A", model.Type.Name);
    }

    [Fact]
    public void SecondCompile_IsReportedAtTheSecond()
    {
        ModelDefinition model = AssertSingle(
            Header + "compile loss=binary_crossentropy\n[|compile|] loss=mean_squared_error\n", DiagnosticDescriptors.BadStructure, "compile is given twice");
        Assert.Equal(LossKind.BinaryCrossentropy, model.Spec.Compile!.Loss);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n\n")]
    [InlineData("input 2\ndense 1\n")]
    public void MissingModelStatement_IsReportedAtTheStartOfTheFile(string text)
    {
        ModelDefinition model = Parse(text, path: "/project/Models/Fallback.model");
        DiagnosticInfo diagnostic = Assert.Single(model.Diagnostics);
        Assert.Equal("MG0004", diagnostic.Descriptor.Id);
        Assert.Equal(new TextSpan(0, 0), diagnostic.Location!.Span);
        Assert.Equal(new LinePositionSpan(new(0, 0), new(0, 0)), diagnostic.Location.LineSpan);
        Assert.Contains("no model statement", MessageOf(diagnostic));
        Assert.Contains("model Namespace.ClassName", MessageOf(diagnostic));
        Assert.Equal("Root.Space.Fallback", model.Type.FullName); // named after the file, for the rest of the pipeline
        Assert.Equal(diagnostic.Location, model.Map.Model);
    }

    [Fact]
    public void UnreadableFile_IsReported()
    {
        ModelDefinition model = ModelFileParser.Parse("/project/Models/Gone.model", null, Options, CancellationToken.None);
        DiagnosticInfo diagnostic = Assert.Single(model.Diagnostics);
        Assert.Equal("MG0004", diagnostic.Descriptor.Id);
        Assert.Contains("'Models/Gone.model' could not be read", MessageOf(diagnostic));
    }

    [Fact]
    public void MissingInputOrLayers_AreLeftToTheValidator()
    {
        ModelDefinition model = ParseValid("model M\n");
        Assert.Null(model.Spec.Input);
        Assert.Empty(model.Spec.Layers);
    }

    // ---- Reporting ----------------------------------------------------------------------------------------------

    [Fact]
    public void EveryError_IsReported_NotOnlyTheFirst()
    {
        ModelDefinition model = Parse("model M\ndense 4\ninput 2\ndens 3\ndense 2 activation=rleu\n@\ncompile\n");
        Assert.Equal(
            ["MG0004@2", "MG0002@3", "MG0003@4", "MG0002@5", "MG0003@6"],
            model.Diagnostics.Select(d => d.Descriptor.Id + "@" + d.Location!.LineSpan.Start.Line));
        Assert.Equal(2, model.Spec.Layers.Count);
    }

    [Fact]
    public void ThroughTheGenerator_DiagnosticsPointIntoTheModelFile()
    {
        GeneratorRun run = GeneratorHarness.RunModelFile("model M\ninput 2\ndense 50 activation=rleu\n", "Broken.model");
        Diagnostic diagnostic = Assert.Single(run.GeneratorDiagnostics, d => d.Id == "MG0003");
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal(GeneratorHarness.ProjectDirectory + "Models/Broken.model", span.Path);
        Assert.Equal(new LinePositionSpan(new(2, 20), new(2, 24)), span.Span);
        Assert.Equal(new TextSpan(36, 4), diagnostic.Location.SourceSpan);
        Assert.StartsWith("Unknown activation 'rleu' for dense", diagnostic.GetMessage());
    }

    /// <summary>Parses <paramref name="markedText"/> without its <c>[|</c> <c>|]</c> markers and asserts that it has
    /// exactly one diagnostic: an error of <paramref name="descriptor"/> whose span is the marked text and whose message
    /// contains each of <paramref name="message"/>.</summary>
    private static ModelDefinition AssertSingle(string markedText, DiagnosticDescriptor descriptor, params string[] message)
    {
        int start = markedText.IndexOf("[|", StringComparison.Ordinal);
        int end = markedText.IndexOf("|]", StringComparison.Ordinal) - 2;
        string text = markedText.Replace("[|", string.Empty).Replace("|]", string.Empty);
        LinePositionSpan expected = SourceText.From(text).Lines.GetLinePositionSpan(TextSpan.FromBounds(start, end));

        ModelDefinition model = Parse(text);
        DiagnosticInfo diagnostic = Assert.Single(model.Diagnostics);
        Assert.Equal(descriptor.Id, diagnostic.Descriptor.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Descriptor.DefaultSeverity);
        Assert.Equal(FilePath, diagnostic.Location!.FilePath);
        Assert.Equal(TextSpan.FromBounds(start, end), diagnostic.Location.Span);
        Assert.Equal(expected.Start.Line, expected.End.Line);
        Assert.Equal(expected, diagnostic.Location.LineSpan);

        string actual = MessageOf(diagnostic);
        foreach (string part in message)
        {
            Assert.Contains(part, actual);
        }

        return model;
    }
}
