using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;
using static ModelGen.Tests.ModelFiles.ModelFileTesting;

namespace ModelGen.Tests.ModelFiles;

/// <summary>
/// Fuzzing of the <c>.model</c> front end: thousands of files mutated from valid seeds (tokens deleted, repeated and
/// swapped, numbers made huge, negative or not finite, names garbled, non-ASCII text and binary bytes inserted, lines
/// shuffled) must give diagnostics, never exceptions, both from the parser alone and through the whole generator. The
/// random generator is seeded: a failure names the iteration and shows the text, and reruns the same way.
/// </summary>
public class ModelFileFuzzTests(ITestOutputHelper output)
{
    /// <summary>Valid models covering every statement and layer; <see cref="ModelFileParserTests"/> checks that they parse cleanly.</summary>
    public static readonly string[] Seeds =
    [
        ModelFileParserTests.SpecExample,
        """
        # 14 features, tanh MLP with batch normalization before each activation
        model Fuzz.Seeds.TanhMlp
        input 14
        dense 64 use_bias=false kernel_initializer=glorot_normal
        batch_normalization
        activation tanh
        dropout 0.2 seed=7
        dense 32 use_bias=false
        batch_normalization momentum=0.9 epsilon=1e-5 center=true scale=true
        activation tanh
        dropout rate=0.1
        dense 3 activation=softmax
        compile loss=categorical_crossentropy optimizer=adam learning_rate=1e-3 beta_1=0.9 beta_2=0.999 epsilon=1e-7 batch_size=64
        """,
        """
        model Fuzz.Seeds.SmallCnn   # 8x8 grey images
        input 8x8x1
        conv2d 4 kernel_size=3x3 padding=same use_bias=false
        batch_normalization
        activation relu
        max_pooling2d 2
        conv2d 8 kernel_size=3 strides=1 activation=relu kernel_initializer=he_normal bias_initializer=zeros
        max_pooling2d pool_size=2x2 strides=1 padding=valid
        flatten
        dense 10 activation=softmax
        compile loss=sparse_categorical_crossentropy optimizer=sgd learning_rate=0.05 momentum=0.9 nesterov=true metrics=accuracy
        """,
        """
        model Fuzz.Seeds.Sequence
        input 10x14
        lstm 16 activation=tanh recurrent_activation=sigmoid return_sequences=false
        batch_normalization center=true scale=false
        dense 1 activation=sigmoid
        compile loss=binary_crossentropy optimizer=adam decay=1e-4 metrics=none
        """,
    ];

    private const int Seed = 20240601;
    private const string MutatedPath = GeneratorHarness.ProjectDirectory + "Models/Mutated.model";
    private const string ValidPath = GeneratorHarness.ProjectDirectory + "Models/Valid.model";

    private static readonly string ValidModel = ModelFileParserTests.SpecExample.Replace("Samples.Circles.BnAfterRelu", "Fuzz.Untouched.Net");

    private static readonly string[] Numbers =
    [
        "0", "-0", "1", "-1", "-5", "2147483647", "2147483648", "-2147483649", "99999999999999999999", "1e400", "-1e400",
        "1e-400", "NaN", "nan", "-nan", "inf", "-inf", "Infinity", "1e", "e5", ".", "-", "+", "1.2.3", "0x1F", "1_000",
        "1,5", "0.0000001", "3x", "x", "3x3x3x3", "0x0", "\u0663", "\uFF11\uFF12", "1e308", "4.9e-324",
    ];

    private static readonly string[] Words =
    [
        "relu", "rleu", "softmax", "tanh", "linear", "he_uniform", "zeros", "same", "valid", "adam", "sgd", "true",
        "false", "yes", "accuracy", "none", "mean_squared_error", "dense", "model", "input", "compile", "flatten",
        "lstm", "conv2d", "units", "rate", "activation", "class", "3abc", "Ns..Name", "a.b.c", "@", "=", "==", "#", "x",
    ];

    private static readonly string[] Strange =
    [
        "\u00E9", "\u65E5\u672C\u8A9E", "\u00A0", "\uFEFF", "\uD83D\uDE00", "\uD800", "\uDC00", "\u200B", "\0", "\u00DF",
        "\u0130", "\u2028", "\u0085", "\r", "\n", "\r\n", "\t", "\u202E", "\uFFFD", "\uFFFF", "\u0301",
    ];

    [Fact]
    public void Parse_NeverThrows_OnThousandsOfMutatedFiles()
    {
        var random = new Random(Seed);
        int withErrors = 0;
        for (int iteration = 0; iteration < 3000; iteration++)
        {
            string text = Mutate(random, Seeds[random.Next(Seeds.Length)]);
            ModelDefinition model = ParseChecked(text, iteration);
            withErrors += model.Diagnostics.IsEmpty ? 0 : 1;
        }

        // The mutations must actually break most files, or the fuzzing tests little.
        output.WriteLine($"{withErrors} of 3000 mutated files had errors");
        Assert.InRange(withErrors, 2000, 2990);
    }

    [Fact]
    public void Parse_NeverThrows_OnDegenerateFiles()
    {
        var random = new Random(Seed);
        string[] files =
        [
            string.Empty,
            " ",
            "\uFEFF",
            "\0\0\0\0",
            "#",
            "=",
            "==== = =",
            "model",
            "model M =",
            "model M\n" + new string('\n', 10_000),
            "model M\ninput " + new string('9', 10_000),
            "model M\ndense 1 " + string.Concat(Enumerable.Repeat("x=1 ", 1000)),
            RandomBinary(random, 4096),
            RandomText(random, 4096),
        ];
        for (int i = 0; i < files.Length; i++)
        {
            ParseChecked(files[i], i);
        }
    }

    [Fact]
    public void Parse_HandlesFiveMegabyteFiles()
    {
        var random = new Random(Seed);
        const int Size = 5 * 1024 * 1024;
        var valid = new StringBuilder("model Big.Net\ninput 64\n", Size + 100);
        while (valid.Length < Size)
        {
            valid.Append("dense 64 activation=relu kernel_initializer=he_uniform   # a comment\nbatch_normalization momentum=0.9\n");
        }

        (string Name, string Text)[] files =
        [
            ("valid layers", valid.ToString()),
            ("errors on every line", valid.ToString().Replace("dense", "dens")),
            ("one line of values", "model M\ndense " + string.Concat(Enumerable.Repeat("1 ", Size / 2))),
            ("one huge token", "model M\ndense 1 activation=" + new string('a', Size)),
            ("random bytes", RandomBinary(random, Size)),
            ("random text", RandomText(random, Size)),
        ];

        foreach ((string name, string text) in files)
        {
            // Speed is for benchmarks, not unit tests: this checks that huge files end in a bounded list of diagnostics.
            ModelDefinition model = Parse(text);
            output.WriteLine($"{name}: {text.Length:N0} chars, {model.Spec.Layers.Count:N0} layers, {model.Diagnostics.Count} diagnostics");
            Assert.True(model.Diagnostics.Count <= ModelFileReader.MaxDiagnostics + 1);
        }
    }

    [Fact]
    public void Generator_NeverThrows_AndReportsEveryBrokenFile()
    {
        var random = new Random(Seed + 1);
        for (int iteration = 0; iteration < 200; iteration++)
        {
            string text = Mutate(random, Seeds[random.Next(Seeds.Length)]);
            GeneratorRun run = RunBesideValidModel(text);
            string context = $"iteration {iteration}:\n{text}";

            GeneratorRunResult result = Assert.Single(run.Result.Results);
            Assert.True(result.Exception is null, $"{result.Exception}\n{context}");
            Assert.DoesNotContain(run.GeneratorDiagnostics, d => d.Id == "CS8785");

            // Whatever the parser finds is reported in the mutated file ...
            if (ModelFileParser.Parse(MutatedPath, SourceText.From(text), ParserOptions, CancellationToken.None).Diagnostics.Any(d => d.IsError))
            {
                Assert.True(HasErrorIn(run, MutatedPath), $"No error reported in the mutated file, {context}");
            }

            // ... and nothing in the untouched one.
            Assert.False(HasErrorIn(run, ValidPath), $"An error was reported in the untouched file, {context}");
        }
    }

    /// <summary>Needs the emitter: until it generates code, <see cref="EmitterHasLanded"/> is false and this checks nothing.</summary>
    [Fact]
    public void Generator_GeneratesTheUntouchedModel_AndReportsEveryMutatedFileItDoesNotGenerate()
    {
        if (!EmitterHasLanded())
        {
            return;
        }

        var random = new Random(Seed + 2);
        for (int iteration = 0; iteration < 200; iteration++)
        {
            string text = Mutate(random, Seeds[random.Next(Seeds.Length)]);
            GeneratorRun run = RunBesideValidModel(text);
            string context = $"iteration {iteration}:\n{text}";

            Assert.True(run.Sources.ContainsKey("Fuzz.Untouched.Net.g.cs"), $"The untouched model was not generated, {context}");
            string mutatedType = ModelFileParser.Parse(MutatedPath, SourceText.From(text), ParserOptions, CancellationToken.None).Type.FullName;
            if (!run.Sources.ContainsKey(mutatedType + ".g.cs"))
            {
                Assert.True(HasErrorIn(run, MutatedPath), $"'{mutatedType}' was not generated and no error says why, {context}");
            }
        }
    }

    /// <summary>Whether the emitter generates code yet: the SPEC §1 example, alone, gives a source file.</summary>
    private static bool EmitterHasLanded() =>
        GeneratorHarness.Run(modelFiles: [(ValidPath, ValidModel)]).Sources.ContainsKey("Fuzz.Untouched.Net.g.cs");

    private static readonly ProjectOptions ParserOptions = new("TestProject", GeneratorHarness.ProjectDirectory);

    private static GeneratorRun RunBesideValidModel(string mutated) =>
        GeneratorHarness.Run(modelFiles: [(MutatedPath, mutated), (ValidPath, ValidModel)]);

    private static bool HasErrorIn(GeneratorRun run, string path) =>
        run.GeneratorDiagnostics.Any(d =>
            d.Id.StartsWith("MG", StringComparison.Ordinal)
            && d.Severity == DiagnosticSeverity.Error
            && d.Location.GetLineSpan().Path == path);

    /// <summary>Parses <paramref name="text"/> and checks what holds for any input: no exception, at most the capped
    /// number of diagnostics, each an MG0002-MG0004 error located on one line of this file with consistent character and
    /// line spans, a source map aligned with the layers, and the same result when parsed again.</summary>
    private static ModelDefinition ParseChecked(string text, int iteration)
    {
        ModelDefinition model;
        try
        {
            model = Parse(text);
        }
        catch (Exception exception)
        {
            throw new Xunit.Sdk.XunitException($"Parse threw on iteration {iteration}: {exception}\n--- text ---\n{text}");
        }

        string context = $"iteration {iteration}:\n{text}";
        Assert.True(model.Diagnostics.Count <= ModelFileReader.MaxDiagnostics + 1, context);
        Assert.Equal(model.Spec.Layers.Count, model.Map.Layers.Count);
        SourceText source = SourceText.From(text);
        foreach (DiagnosticInfo diagnostic in model.Diagnostics)
        {
            Assert.True(diagnostic.IsError, context);
            Assert.Contains(diagnostic.Descriptor.Id, new[] { "MG0002", "MG0003", "MG0004" });
            Assert.False(string.IsNullOrWhiteSpace(MessageOf(diagnostic)), context);
            Assert.NotNull(diagnostic.Location);
            Assert.Equal(FilePath, diagnostic.Location.FilePath);
            Assert.InRange(diagnostic.Location.Span.End, 0, text.Length);
            Assert.Equal(source.Lines.GetLinePositionSpan(diagnostic.Location.Span), diagnostic.Location.LineSpan);
            Assert.Equal(diagnostic.Location.LineSpan.Start.Line, diagnostic.Location.LineSpan.End.Line);
        }

        if (iteration % 10 == 0)
        {
            Assert.Equal(model, Parse(text));
        }

        return model;
    }

    // ---- Mutations --------------------------------------------------------------------------------------------------

    /// <summary>Applies one to four random mutations to <paramref name="seed"/>.</summary>
    private static string Mutate(Random random, string seed)
    {
        // Tokens with the white space, '=' and '#' between them kept as pieces of their own, so that joining gives the text.
        var pieces = Regex.Split(seed, @"(\s+|=|#)").Where(p => p.Length > 0).ToList();
        int mutations = random.Next(1, 5);
        for (int m = 0; m < mutations; m++)
        {
            MutateOnce(random, pieces);
        }

        return string.Concat(pieces);
    }

    private static void MutateOnce(Random random, List<string> pieces)
    {
        if (pieces.Count == 0)
        {
            pieces.Add(Pick(random, Words));
            return;
        }

        int at = random.Next(pieces.Count);
        switch (random.Next(14))
        {
            case 0: // delete a token
                pieces.RemoveAt(TokenIndex(random, pieces));
                break;
            case 1: // repeat a token
                int repeated = TokenIndex(random, pieces);
                pieces.Insert(repeated, pieces[repeated] + (random.Next(2) == 0 ? " " : string.Empty));
                break;
            case 2: // swap two tokens
                int first = TokenIndex(random, pieces), second = TokenIndex(random, pieces);
                (pieces[first], pieces[second]) = (pieces[second], pieces[first]);
                break;
            case 3: // a strange number where a number was, or anywhere
                int number = pieces.FindIndex(random.Next(pieces.Count), p => p.Length > 0 && char.IsDigit(p[0]));
                pieces[number >= 0 ? number : at] = Pick(random, Numbers);
                break;
            case 4: // another name or keyword
                pieces[TokenIndex(random, pieces)] = Pick(random, Words);
                break;
            case 5: // non-ASCII or control text inside a token
                pieces[at] = InsertAt(random, pieces[at], Pick(random, Strange));
                break;
            case 6: // random binary bytes
                pieces[at] = InsertAt(random, pieces[at], RandomBinary(random, random.Next(1, 20)));
                break;
            case 7: // delete, repeat or swap whole lines
                MutateLines(random, pieces);
                break;
            case 8: // truncate
                pieces.RemoveRange(at, pieces.Count - at);
                break;
            case 9: // change the case
                pieces[at] = random.Next(2) == 0 ? pieces[at].ToUpperInvariant() : pieces[at].ToLowerInvariant();
                break;
            case 10: // a stray '=', '#', 'x' or space
                pieces[at] = InsertAt(random, pieces[at], Pick(random, ["=", "#", "x", " ", ".", "-"]));
                break;
            case 11: // join two lines
                int newLine = pieces.FindIndex(at, p => p.Contains('\n'));
                if (newLine >= 0)
                {
                    pieces[newLine] = " ";
                }

                break;
            case 12: // a token from a line of another kind
                pieces.Insert(at, Pick(random, Words) + "=" + Pick(random, random.Next(2) == 0 ? Numbers : Words));
                break;
            default: // the model several times over
                pieces.AddRange(pieces.ToArray());
                break;
        }
    }

    private static void MutateLines(Random random, List<string> pieces)
    {
        var lines = string.Concat(pieces).Split('\n').ToList();
        int line = random.Next(lines.Count);
        switch (random.Next(3))
        {
            case 0:
                lines.RemoveAt(line);
                break;
            case 1:
                lines.Insert(line, lines[line]);
                break;
            default:
                int other = random.Next(lines.Count);
                (lines[line], lines[other]) = (lines[other], lines[line]);
                break;
        }

        pieces.Clear();
        pieces.Add(string.Join("\n", lines));
    }

    /// <summary>The index of a random piece that is not white space (or any piece when all are).</summary>
    private static int TokenIndex(Random random, List<string> pieces)
    {
        int start = random.Next(pieces.Count);
        int found = pieces.FindIndex(start, p => !string.IsNullOrWhiteSpace(p));
        return found >= 0 ? found : start;
    }

    private static string InsertAt(Random random, string text, string inserted) => text.Insert(random.Next(text.Length + 1), inserted);

    private static string Pick(Random random, string[] choices) => choices[random.Next(choices.Length)];

    /// <summary>Random bytes 0-255 as characters, as a binary file read as Latin-1 would give.</summary>
    private static string RandomBinary(Random random, int length)
    {
        var chars = new char[length];
        for (int i = 0; i < length; i++)
        {
            chars[i] = (char)random.Next(256);
        }

        return new string(chars);
    }

    /// <summary>Random model-like text: keywords, keys, numbers and names with random separators.</summary>
    private static string RandomText(Random random, int length)
    {
        var builder = new StringBuilder(length + 64);
        string[] separators = [" ", " ", " ", "=", "\n", "\n", "x", "#", "\r\n", "\t"];
        while (builder.Length < length)
        {
            builder.Append(random.Next(3) == 0 ? Pick(random, Numbers) : Pick(random, Words)).Append(Pick(random, separators));
        }

        return builder.ToString();
    }
}
