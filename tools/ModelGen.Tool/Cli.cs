using System;
using System.CommandLine;
using System.IO;
using System.Linq;
using System.Text;
using ModelGen.Keras;

namespace ModelGen.Tool;

/// <summary>
/// The <c>modelgen</c> command (SPEC §7). <c>modelgen import &lt;file&gt; [--output &lt;dir&gt;] [--class &lt;[Namespace.]Name&gt;]
/// [--input-shape &lt;shape&gt;]</c> reads a Keras model file (a <c>.keras</c> zip, or a JSON configuration: <c>model.to_json()</c>,
/// <c>config.json</c>, a TensorFlow.js <c>model.json</c>), told by its content, and writes <c>&lt;dir&gt;/&lt;Name&gt;.model</c>.
/// A model the DSL cannot express is refused with exit code 1 and one line per problem on stderr; nothing is written.
/// Not yet: HDF5 files, the weights (<c>.weights</c>), <c>export</c>.
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
        var root = new RootCommand("ModelGen: Keras model files into compiled .NET models.") { import };
        return root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    private static int Import(FileInfo file, DirectoryInfo directory, string? className, string? inputShape, TextWriter output, TextWriter error)
    {
        string name = className ?? ClassNameOf(file.Name);
        string config;
        bool hasWeights;
        try
        {
            config = KerasFile.ReadConfig(file.FullName);
            using FileStream stream = file.OpenRead();
            Span<byte> head = stackalloc byte[8];
            hasWeights = KerasFile.Detect(head[..stream.Read(head)]) == KerasFileFormat.KerasZip;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException or InvalidDataException)
        {
            error.WriteLine($"modelgen: {file.Name}: {exception.Message}");
            return 1;
        }

        KerasTranslation translation;
        try
        {
            translation = KerasConfig.ToModelFile(config, name, inputShape);
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
            error.WriteLine($"modelgen: {file.Name}: {exception.Message}");
            return 1;
        }

        foreach (string warning in translation.Warnings)
        {
            error.WriteLine($"modelgen: warning: {warning}");
        }

        directory.Create();
        string simpleName = name[(name.LastIndexOf('.') + 1)..];
        string path = Path.Combine(directory.FullName, simpleName + ".model");
        File.WriteAllText(path, translation.ModelFile, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        output.WriteLine($"wrote {path}");
        if (hasWeights)
        {
            error.WriteLine("modelgen: warning: the file's weights are not imported yet (HDF5 is not read yet): the model starts from its initializers");
        }

        return 0;
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
