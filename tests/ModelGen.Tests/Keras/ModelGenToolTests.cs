using System;
using System.IO;
using ModelGen.Tool;
using Xunit;

namespace ModelGen.Tests.Keras;

/// <summary>The <c>modelgen import</c> command: a Keras configuration in, a <c>.model</c> file out; a refused model exits 1
/// with one line per problem and writes nothing; a weights-only HDF5 file says where the architecture comes from.</summary>
public sealed class ModelGenToolTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("modelgen-tool-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = Cli.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private string Write(string name, string content)
    {
        string path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void ImportWritesTheModelFileNamedAfterTheKerasFile()
    {
        string config = Write("circles_bn.json", """
            {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
              {"class_name": "Dense", "config": {"name": "dense", "batch_input_shape": [null, 2], "units": 4, "activation": "relu"}},
              {"class_name": "Dense", "config": {"name": "dense_1", "units": 1, "activation": "sigmoid"}}]}}
            """);
        string output = Path.Combine(_folder, "out");

        (int code, string stdout, string stderr) = Run("import", config, "--output", output);

        Assert.Equal(0, code);
        Assert.Equal("modelgen: warning: the file holds no weights (an architecture only): the model starts from its initializers", stderr.Trim());
        string written = Path.Combine(output, "CirclesBn.model");
        Assert.Equal($"wrote {written}", stdout.Trim());
        Assert.Contains("model CirclesBn\ninput 2\ndense 4 activation=relu name=dense\n", File.ReadAllText(written));
    }

    [Fact]
    public void ARefusedModelExitsOneWithEveryProblemAndWritesNothing()
    {
        string config = Write("bad.json", """
            {"class_name": "Sequential", "config": {"name": "s", "layers": [
              {"class_name": "Lambda", "config": {"name": "lambda", "batch_input_shape": [null, 2]}},
              {"class_name": "SimpleRNN", "config": {"name": "simple_rnn", "units": 2}}]}}
            """);

        (int code, string stdout, string stderr) = Run("import", config, "--output", _folder, "--class", "My.Bad");

        Assert.Equal(1, code);
        Assert.Equal(string.Empty, stdout);
        Assert.Equal(
            [
                "modelgen: bad.json: layer 'lambda' (Lambda): a Lambda layer holds Python bytecode, which is never read or run; rewrite it as layers ModelGen has",
                "modelgen: bad.json: layer 'simple_rnn' (SimpleRNN): ModelGen has no such layer (dense, batch_normalization, activation, dropout, conv2d, max_pooling2d, flatten, lstm, gru)",
            ],
            stderr.Trim().Split(Environment.NewLine));
        Assert.False(File.Exists(Path.Combine(_folder, "Bad.model")));
    }

    [Fact]
    public void AWeightsOnlyHdf5FileSaysWhereTheArchitectureComesFrom()
    {
        string path = Path.Combine(_folder, "model.h5");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Keras", "Fixtures", "Formats", "dl4j_causal_conv1d_keras2_3_weights.h5"), path);

        (int code, _, string stderr) = Run("import", path);

        Assert.Equal(1, code);
        Assert.Contains("model.h5 holds only weights (no model configuration): import the architecture from the model's .keras/.json file, then read these weights with model.LoadKerasWeights(path)", stderr);
    }
}
