using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using System.Collections.Generic;
using ModelGen.Keras;
using ModelGen.Tool.Export;

namespace ModelGen.Tool;

/// <summary>
/// The <c>modelgen</c> command (SPEC §7). <c>modelgen import &lt;file&gt; [--output &lt;dir&gt;] [--class &lt;[Namespace.]Name&gt;]
/// [--input-shape &lt;shape&gt;]</c> reads a Keras model file (a <c>.keras</c> zip, or a JSON configuration: <c>model.to_json()</c>,
/// <c>config.json</c>, a TensorFlow.js <c>model.json</c>), told by its content, and writes <c>&lt;dir&gt;/&lt;Name&gt;.model</c>.
/// A model the DSL cannot express is refused with exit code 1 and one line per problem on stderr; nothing is written.
/// When the file has weights they are checked against the architecture and written to <c>&lt;dir&gt;/&lt;Name&gt;.weights</c>,
/// which the generated class's <c>LoadWeights</c> reads.
/// </summary>
public static class Cli
{
    /// <summary>Runs the command line; returns the exit code (0 written, 1 refused or unreadable, 2 usage).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var file = new Argument<FileInfo>("file") { Description = "The Keras model file: .keras, or JSON (model.to_json(), config.json, model.json)." };
        var outputDirectory = new Option<DirectoryInfo>("--output") { Description = "The folder to write the .model file to (default: the current folder)." };
        var className = new Option<string>("--class") { Description = "[Namespace.]ClassName of the generated model (default: from the file name)." };
        var inputShape = new Option<string>("--input-shape") { Description = "Fills the input dimensions the file leaves open: 28x28x1, 10x8, ..." };
        var import = new Command("import", "Writes a .model file from a Keras model file.") { file, outputDirectory, className, inputShape };
        import.SetAction(parse => Import(
            parse.GetValue(file)!, parse.GetValue(outputDirectory) ?? new DirectoryInfo(Directory.GetCurrentDirectory()),
            parse.GetValue(className), parse.GetValue(inputShape), output, error));
        var modelFile = new Argument<FileInfo>("model") { Description = "The .model file." };
        var weights = new Option<FileInfo>("--weights") { Description = "The model's .weights file (SaveWeights); without it the .keras file has the initial weights of a new model." };
        var destination = new Option<FileInfo>("--output") { Description = "The .keras file to write.", Required = true };
        var export = new Command("export", "Writes a Keras 3 .keras file (config, metadata, weights) from a .model file and its weights.") { modelFile, weights, destination };
        export.SetAction(parse => Export(parse.GetValue(modelFile)!, parse.GetValue(weights), parse.GetValue(destination)!, output, error));
        var root = new RootCommand("ModelGen: Keras model files into compiled .NET models, and back.") { import, export };
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static int Import(FileInfo file, DirectoryInfo directory, string? className, string? inputShape, TextWriter output, TextWriter error)
    {
        string name = className ?? ClassNameOf(file.Name);
        int Fail(string message)
        {
            error.WriteLine($"modelgen: {file.Name}: {message}");
            return 1;
        }

        // The file is read once: its architecture, training configuration and weights (none for a bare JSON configuration).
        KerasModelSource source;
        try
        {
            source = KerasModelSource.Read(file.FullName);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException or InvalidDataException)
        {
            return Fail(exception.Message);
        }

        KerasTranslation translation;
        float[][]? weights = null;
        try
        {
            translation = KerasConfig.ToModelFile(source.Config, name, inputShape, source.Weights?.TrainingConfig);
            if (source.Weights is { } stored)
            {
                weights = KerasWeightMatcher.Match(translation.Layers, stored, file.Name);
            }
        }
        catch (KerasImportException exception)
        {
            foreach (KerasProblem problem in exception.Problems)
            {
                error.WriteLine($"modelgen: {file.Name}: {problem}");
            }

            return 1;
        }
        catch (ArgumentException exception)
        {
            return Fail(exception.Message);
        }
        catch (InvalidDataException exception)
        {
            error.WriteLine($"modelgen: {exception.Message}");
            return 1;
        }

        foreach (string warning in translation.Warnings)
        {
            error.WriteLine($"modelgen: warning: {warning}");
        }

        // Everything is checked: only now is anything written.
        directory.Create();
        string simpleName = name[(name.LastIndexOf('.') + 1)..];
        string path = Path.Combine(directory.FullName, simpleName + ".model");
        File.WriteAllText(path, translation.ModelFile, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        output.WriteLine($"wrote {path}");
        if (weights is not null)
        {
            string weightsPath = Path.Combine(directory.FullName, simpleName + ".weights");
            string[] tensorNames = translation.Layers.SelectMany(l => l.Weights.Select(w => l.Name + "/" + w.Name)).ToArray();
            ModelGen.CompilerServices.WeightsFile.Write(weightsPath, name, tensorNames, weights);
            output.WriteLine($"wrote {weightsPath}");
        }
        else
        {
            error.WriteLine("modelgen: warning: the file holds no weights (an architecture only): the model starts from its initializers");
        }

        return 0;
    }

    private static int Export(FileInfo modelFile, FileInfo? weightsFile, FileInfo destination, TextWriter output, TextWriter error)
    {
        try
        {
            ModelFileModel model = ModelFileModel.Read(modelFile.FullName);
            IReadOnlyList<LayerInfo> layers = model.Layers;
            string[] names = layers.SelectMany(l => l.Weights.Select(w => l.Name + "/" + w.Name)).ToArray();
            int[] lengths = layers.SelectMany(l => l.Weights.Select(w => w.Length)).ToArray();
            float[][] values;
            if (weightsFile is not null)
            {
                values = ModelGen.CompilerServices.WeightsFile.Read(weightsFile.FullName, model.Plan.Type.FullName, names, lengths);
            }
            else
            {
                error.WriteLine("modelgen: warning: no --weights: the .keras file holds zeros for every weight (a layout to fill with load_weights)");
                values = lengths.Select(n => new float[n]).ToArray();
            }

            string config = KerasConfigWriter.Write(model.Plan);
            KerasWeightsFile.WriteKerasZip(destination.FullName, config, KerasModelExtensions.ToKeras3(layers, values));
            output.WriteLine($"wrote {destination.FullName}");
            return 0;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException)
        {
            error.WriteLine($"modelgen: {modelFile.Name}: {exception.Message}");
            return 1;
        }
    }

    /// <summary><c>my-model_v2.keras</c> → <c>MyModelV2</c>.</summary>
    private static string ClassNameOf(string fileName)
    {
        string stem = fileName.Split('.')[0];
        string pascal = string.Concat(stem.Split('_', '-', ' ').Where(p => p.Length > 0).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
        pascal = new string(pascal.Where(char.IsLetterOrDigit).ToArray());
        return pascal.Length == 0 || char.IsDigit(pascal[0]) ? "Imported" + pascal : pascal;
    }
}
