using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using KerasImport;
using ModelGen;
using ModelGen.Keras;
using Samples.Shared;

namespace Samples.KerasImport;

/// <summary>
/// "I trained a model in Keras; I want it compiled into my .NET program and to keep training it." Data/circles_keras.h5
/// is a Keras HDF5 full model (trained in TensorFlow.js, see Data/PROVENANCE.md); `modelgen import` turned it into
/// Models/CirclesKeras.model, which the generator compiles into the class <see cref="CirclesKeras"/>. The program loads
/// the Keras weights, compares predictions with Keras's, fine-tunes, saves Keras 3 weights and shows a refused file.
/// </summary>
public static class Program
{
    private const int TrainRows = 500;

    public static int Main()
    {
        string data = Path.Combine(AppContext.BaseDirectory, "Data");

        Heading("1. The import (run once; its output, Models/CirclesKeras.model, is checked in)");
        Console.WriteLine("dotnet run --project tools/ModelGen.Tool -c Release -- import samples/KerasImport/Data/circles_keras.h5 \\");
        Console.WriteLine("    --output samples/KerasImport/Models --class KerasImport.CirclesKeras");
        Console.WriteLine();
        Console.WriteLine(CirclesKeras.Summary);

        Heading("2. Keras's weights, read from the .h5 file: Keras (tfjs) vs ModelGen on test rows 500-504");
        var model = new CirclesKeras();
        model.LoadKerasWeights(Path.Combine(data, "circles_keras.h5"));
        using JsonDocument expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(data, "circles_keras.expected.json")));
        Console.WriteLine($"{"x0",10} {"x1",10} {"Keras",10} {"ModelGen",10} {"difference",11}");
        foreach (var (input, output) in expected.RootElement.GetProperty("inputs").EnumerateArray()
                     .Zip(expected.RootElement.GetProperty("outputs").EnumerateArray()))
        {
            float[] x = input.EnumerateArray().Select(v => v.GetSingle()).ToArray();
            float keras = output[0].GetSingle();
            float[] y = new float[1];
            model.Predict(x, y);
            Console.WriteLine($"{F(x[0])} {F(x[1])} {F(keras)} {F(y[0])} {(y[0] - keras).ToString("0.0E+0", CultureInfo.InvariantCulture),11}");
        }

        Heading("3. Fine-tuning in .NET with the compiled optimizer (SGD lr 0.01 momentum 0.9)");
        Csv circles = Csv.Load("circles.csv");
        float[] trainX = circles.FeatureRows(0, TrainRows), trainY = circles.LabelRows(0, TrainRows);
        float[] testX = circles.FeatureRows(TrainRows, circles.Rows - TrainRows), testY = circles.LabelRows(TrainRows, circles.Rows - TrainRows);
        EvaluationResult before = model.Evaluate(testX, testY);
        model.Fit(trainX, trainY, new FitOptions { Epochs = 5, BatchSize = 32, Seed = 1, Verbose = 0 });
        EvaluationResult after = model.Evaluate(testX, testY);
        Console.WriteLine("Evaluate on the test rows (500-999), before and after Fit for 5 epochs on the training rows (0-499):");
        Console.WriteLine($"  before  loss {F(before.Loss).Trim()}  accuracy {F(before.Accuracy).Trim()}");
        Console.WriteLine($"  after   loss {F(after.Loss).Trim()}  accuracy {F(after.Accuracy).Trim()}");

        Heading("4. Back to Keras");
        string saved = Path.Combine(AppContext.BaseDirectory, "circles_finetuned.weights.h5");
        model.SaveKerasWeights(saved);
        Console.WriteLine($"wrote {Path.GetRelativePath(Environment.CurrentDirectory, saved)} (Keras 3's .weights.h5 layout); in Python:");
        Console.WriteLine("    model = keras.saving.load_model(\"circles_keras.h5\"); model.load_weights(\"circles_finetuned.weights.h5\")");

        Heading("5. A file the tool refuses: Data/refused_model.json (a Lambda layer)");
        string outputDir = Path.Combine(Path.GetTempPath(), "modelgen-refused-" + Guid.NewGuid().ToString("N"));
        var toolOutput = new StringWriter();
        var error = new StringWriter();
        int exitCode = ModelGen.Tool.Cli.Run(["import", Path.Combine(data, "refused_model.json"), "--output", outputDir], toolOutput, error);
        Console.WriteLine($"modelgen import Data/refused_model.json -> exit code {exitCode}, {(Directory.Exists(outputDir) ? "files written" : "nothing written")}");
        Console.Write(error.ToString());
        return 0;
    }

    private static void Heading(string text)
    {
        Console.WriteLine();
        Console.WriteLine($"== {text}");
    }

    private static string F(double value) => value.ToString("0.000000", CultureInfo.InvariantCulture).PadLeft(10);
}
