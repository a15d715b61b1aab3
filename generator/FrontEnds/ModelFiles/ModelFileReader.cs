using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>
/// Reads one <c>.model</c> file, statement by statement (one per line), into a <see cref="ModelDefinition"/>.
/// <list type="bullet">
/// <item>A statement is a keyword, then values written alone (the positional value, as <c>dense 64</c>) or as
/// <c>key=value</c> with no spaces around the <c>=</c>. Keywords, keys and names are case-insensitive.</item>
/// <item>Order: <c>model</c> once, anywhere in the file (a file without it is an error); <c>input</c> once, before the
/// layers; the layers in order; <c>compile</c> at most once, anywhere.</item>
/// <item>Every error is reported at its token and reading goes on, so that one build shows every mistake in the file
/// (at most <see cref="MaxDiagnostics"/>). A key whose value is wrong keeps its Keras default; a layer or
/// <c>compile</c> whose required value is missing or wrong, an unknown statement, and a second <c>model</c>,
/// <c>input</c> or <c>compile</c> are left out of the description.</item>
/// <item>Numbers are not range-checked here (<c>dense -5</c> is read as written): the validator checks them, at the
/// locations this records in the <see cref="ModelSourceMap"/>.</item>
/// </list>
/// </summary>
internal sealed class ModelFileReader
{
    /// <summary>The most diagnostics reported for one file; one more says that reading stopped there.</summary>
    public const int MaxDiagnostics = 100;

    private readonly string _path;
    private readonly string _text;
    private readonly ProjectOptions _options;
    private readonly ModelFileLexer _lexer = new();
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private readonly List<LayerSpec> _layers = new();
    private readonly List<SourceEntry> _layerEntries = new();

    private bool _stopped;
    private bool _modelSeen;
    private TypeIdentity? _type;
    private LocationInfo? _modelLocation;
    private bool _inputSeen;
    private InputSpec? _input;
    private LocationInfo? _inputLocation;
    private Token? _firstLayer;
    private bool _compileSeen;
    private CompileSpec? _compile;
    private SourceEntry? _compileEntry;

    private ModelFileReader(string path, string text, ProjectOptions options)
    {
        _path = path;
        _text = text;
        _options = options;
    }

    /// <summary>Reads the file at <paramref name="path"/>; <paramref name="text"/> is null when it could not be read.</summary>
    public static ModelDefinition Read(string path, SourceText? text, ProjectOptions options, CancellationToken cancellationToken)
    {
        var reader = new ModelFileReader(path, text?.ToString() ?? string.Empty, options);
        if (text is null)
        {
            reader.Report(
                DiagnosticDescriptors.BadStructure,
                reader.StartOfFile(),
                $"The model file '{ModelFileParser.SourceNameOf(path, options)}' could not be read: check that it exists and is readable");
        }
        else
        {
            reader.ReadLines(text, cancellationToken);
        }

        return reader.ToDefinition();
    }

    private void ReadLines(SourceText text, CancellationToken cancellationToken)
    {
        foreach (TextLine line in text.Lines)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _lexer.Reset(_text, line.Start, line.End, line.LineNumber);
            if (_lexer.Peek() is { } keyword)
            {
                _lexer.Advance(1);
                ReadStatement(keyword);
            }

            if (_stopped)
            {
                return;
            }
        }

        if (!_modelSeen)
        {
            Report(
                DiagnosticDescriptors.BadStructure,
                StartOfFile(),
                "This file has no model statement: start it with 'model Namespace.ClassName' to name the class to generate");
        }
    }

    private ModelDefinition ToDefinition()
    {
        _modelLocation ??= StartOfFile();
        TypeIdentity type = _type ?? new TypeIdentity(_options.RootNamespace, FallbackClassName(_path), EquatableArray<string>.Empty, "public");
        return new ModelDefinition(
            ModelOrigin.ModelFile,
            type,
            ModelFileParser.SourceNameOf(_path, _options),
            new ModelSpec(_input, _layers.ToEquatableArray(), _compile),
            new ModelSourceMap(_modelLocation, _inputLocation, _layerEntries.ToEquatableArray(), _compileEntry),
            _diagnostics.ToEquatableArray());
    }

    // ---- Statements -------------------------------------------------------------------------------------------

    /// <summary>Reads the statement that starts with <paramref name="keyword"/>; its arguments follow in <see cref="_lexer"/>.</summary>
    private void ReadStatement(Token keyword)
    {
        if (keyword.Kind != TokenKind.Word)
        {
            ReportBadStatementStart(keyword);
            return;
        }

        string word = TextOf(keyword);
        if (Names.Layers.TryGetValue(word, out LayerKind kind))
        {
            ReadLayer(keyword, Statements.Layer(kind));
        }
        else if (Is(word, "model"))
        {
            ReadModel(keyword);
        }
        else if (Is(word, "input"))
        {
            ReadInput(keyword);
        }
        else if (Is(word, "compile"))
        {
            ReadCompile(keyword);
        }
        else
        {
            // The rest of the line is not read: its tokens mean nothing without a statement.
            string[] keywords = StatementKeywords();
            Report(
                DiagnosticDescriptors.SyntaxError,
                keyword,
                $"Unknown statement {ValueParsers.Quote(word)}: a line starts with one of {string.Join(", ", keywords)}{Suggestions.DidYouMean(word, keywords)}");
        }
    }

    /// <summary><c>model [Namespace.]ClassName</c>: the class to generate, in the project's root namespace when no
    /// namespace is written.</summary>
    private void ReadModel(Token keyword)
    {
        if (_modelSeen)
        {
            Report(
                DiagnosticDescriptors.BadStructure,
                keyword,
                "A .model file defines one model, but this is a second model statement: move this model into a file of its own");
            return;
        }

        _modelSeen = true;
        _modelLocation = Location(keyword);
        Token? name = null;
        bool reported = false;
        while (NextArgument(out Argument argument))
        {
            if (argument.Key is { } key)
            {
                Report(DiagnosticDescriptors.BadArgument, key, $"model takes only the class name, not {ValueParsers.Quote(TextOf(key))}=...: write 'model Namespace.ClassName'");
                reported = true;
            }
            else if (name is not null)
            {
                Report(DiagnosticDescriptors.BadArgument, argument.Value, $"model takes one class name, but {ValueParsers.Quote(TextOf(argument.Value))} is a second one: write 'model Namespace.ClassName' without spaces");
                reported = true;
            }
            else
            {
                name = argument.Value;
            }
        }

        if (name is not { } nameToken)
        {
            if (!reported)
            {
                Report(DiagnosticDescriptors.BadArgument, keyword, "model needs the name of the class to generate: write 'model Namespace.ClassName'");
            }

            return;
        }

        _modelLocation = Location(nameToken);
        if (nameToken.Kind == TokenKind.Invalid)
        {
            ReportInvalidCharacters(nameToken);
            return;
        }

        _type = ReadTypeName(nameToken);
    }

    /// <summary><c>input 2</c>, <c>input 10x14</c>, <c>input 28x28x1</c> (or the sizes separated by spaces).</summary>
    private void ReadInput(Token keyword)
    {
        if (_inputSeen)
        {
            Report(DiagnosticDescriptors.BadStructure, keyword, "input is given twice: a model has one input, so remove this statement");
            return;
        }

        _inputSeen = true;
        if (_firstLayer is { } firstLayer)
        {
            Report(
                DiagnosticDescriptors.BadStructure,
                keyword,
                $"input must come before the layers, but the layer on line {firstLayer.Line + 1} comes first: move this statement above it");
        }

        if (TryReadShape(keyword, out InputSpec? input, out Token shape))
        {
            _input = input;
            _inputLocation = Location(shape);
        }
    }

    /// <summary>The sizes after <c>input</c>: one to three whole numbers, written as one shape (<c>28x28x1</c>) or
    /// separated by spaces; <paramref name="shape"/> spans them.</summary>
    private bool TryReadShape(Token keyword, [NotNullWhen(true)] out InputSpec? input, out Token shape)
    {
        const string Forms = "write 'input 2' (features), 'input 10x14' (timesteps x features) or 'input 28x28x1' (height x width x channels)";
        var context = new ValueContext("input", "shape", "input 28x28x1");
        var dimensions = new List<int>(ValueParsers.MaxInputRank);
        int rank = 0;
        Token? first = null;
        Token last = keyword;
        bool failed = false;
        while (NextArgument(out Argument argument))
        {
            first ??= argument.Key ?? argument.Value;
            last = argument.Value;
            if (argument.Key is { } key)
            {
                Report(DiagnosticDescriptors.BadArgument, key, $"input takes no keys, only its shape: {Forms}");
                failed = true;
            }
            else if (argument.Value.Kind == TokenKind.Invalid)
            {
                ReportInvalidCharacters(argument.Value);
                failed = true;
            }
            else if (ValueParsers.TryShape(TextOf(argument.Value), context, out int[] sizes, out ValueError error))
            {
                rank += sizes.Length;
                dimensions.AddRange(rank <= ValueParsers.MaxInputRank ? sizes : []);
            }
            else
            {
                Report(error.Descriptor, argument.Value, error.Message);
                failed = true;
            }
        }

        input = null;
        shape = first is { } firstToken ? Token.Cover(firstToken, last) : keyword;
        if (first is null)
        {
            Report(DiagnosticDescriptors.BadArgument, keyword, $"input needs the shape of one sample: {Forms}");
        }
        else if (!failed && rank > ValueParsers.MaxInputRank)
        {
            Report(
                DiagnosticDescriptors.BadArgument,
                shape,
                $"input takes 1 to 3 sizes (features, timesteps x features, or height x width x channels), not {rank}: write for example 'input 28x28x1'");
        }
        else if (!failed)
        {
            input = new InputSpec(dimensions.ToEquatableArray());
        }

        return input is not null;
    }

    /// <summary>A layer statement, as its <see cref="StatementSyntax{TSpec}"/> describes it.</summary>
    private void ReadLayer(Token keyword, StatementSyntax<LayerSpec> syntax)
    {
        _firstLayer ??= keyword;
        StatementArguments values = ReadArguments(syntax, keyword);
        if (CanBuild(syntax, values))
        {
            _layers.Add(syntax.Build(values));
            _layerEntries.Add(new SourceEntry(Location(keyword), values.Locations));
        }
    }

    /// <summary><c>compile loss=... [key=value ...]</c>.</summary>
    private void ReadCompile(Token keyword)
    {
        if (_compileSeen)
        {
            Report(DiagnosticDescriptors.BadStructure, keyword, "compile is given twice: a model is compiled once, so merge the two statements into one");
            return;
        }

        _compileSeen = true;
        StatementArguments values = ReadArguments(Statements.Compile, keyword);
        if (CanBuild(Statements.Compile, values))
        {
            _compile = Statements.Compile.Build(values);
            _compileEntry = new SourceEntry(Location(keyword), values.Locations);
        }
    }

    // ---- Arguments --------------------------------------------------------------------------------------------

    /// <summary>A value written alone (positional) or as <c>key=value</c>.</summary>
    private readonly struct Argument
    {
        public Argument(Token? key, Token value)
        {
            Key = key;
            Value = value;
        }

        public Token? Key { get; }

        public Token Value { get; }
    }

    /// <summary>Reads the next argument of the statement from <see cref="_lexer"/>: a <c>key=value</c> pair or a value
    /// written alone; false at the end of the line or once reading has stopped. Reports a <c>=</c> without a key right
    /// before it or without a value after it, and spaces around a <c>=</c> (<c>key = value</c> is then still read as a
    /// pair). Tokens with invalid characters are returned, and reported where they are read.</summary>
    private bool NextArgument(out Argument argument)
    {
        while (!_stopped && _lexer.Peek() is { } token)
        {
            if (token.Kind == TokenKind.EqualsSign)
            {
                Report(DiagnosticDescriptors.SyntaxError, token, "'=' needs a key right before it: write key=value, as in activation=relu");
                _lexer.Advance(_lexer.AreAttached(0, 1) ? 2 : 1); // its value goes with it
                continue;
            }

            // "key=value" and "key = value" are pairs; in "50 =relu" the '=' belongs to "relu" and has no key.
            bool keyAttached = _lexer.AreAttached(0, 1);
            bool valueAttached = _lexer.AreAttached(1, 2);
            if (!_lexer.IsAt(1, TokenKind.EqualsSign) || (!keyAttached && valueAttached))
            {
                argument = new Argument(null, token);
                _lexer.Advance(1);
                return true;
            }

            // In "activation= use_bias=false", "use_bias" is the next key, not the value.
            Token equalsSign = _lexer.Peek(1)!.Value;
            if (_lexer.Peek(2) is not { Kind: not TokenKind.EqualsSign } value || (!valueAttached && _lexer.IsAt(3, TokenKind.EqualsSign)))
            {
                Report(
                    DiagnosticDescriptors.SyntaxError,
                    equalsSign,
                    $"{ValueParsers.Quote(TextOf(token) + "=")} has no value: write the value right after '=', as in activation=relu");
                _lexer.Advance(2);
                continue;
            }

            if (!keyAttached || !valueAttached)
            {
                Report(
                    DiagnosticDescriptors.SyntaxError,
                    equalsSign,
                    $"Spaces around '=': write {ValueParsers.Quote(TextOf(token) + "=" + TextOf(value))} as one word, with no spaces");
            }

            argument = new Argument(token, value);
            _lexer.Advance(3);
            return true;
        }

        argument = default;
        return false;
    }

    /// <summary>Reads the arguments of a statement described by <paramref name="syntax"/>: each must name a key of it
    /// (or be its positional value) at most once, with a value of the key's type.</summary>
    private StatementArguments ReadArguments<TSpec>(StatementSyntax<TSpec> syntax, Token keyword)
    {
        var values = new StatementArguments(syntax.Keys);
        while (NextArgument(out Argument argument))
        {
            if (argument.Key is null && argument.Value.Kind == TokenKind.Invalid)
            {
                // Counts as the positional value, so that "dense 5$0" is not also reported as missing its units.
                ReportInvalidCharacters(argument.Value);
                if (syntax.Positional is not null)
                {
                    values.MarkWritten(syntax.Positional, Location(argument.Value));
                }

                continue;
            }

            KeySyntax? key = ResolveKey(syntax, argument);
            if (key is null)
            {
                continue;
            }

            if (!values.MarkWritten(key, Location(argument.Value)))
            {
                ReportRepeated(syntax, key, argument);
                continue;
            }

            ReadValue(syntax.Keyword, key, argument.Value, values);
        }

        if (syntax.IsPositionalRequired && syntax.Positional is { } positional && !values.IsWritten(positional))
        {
            Report(
                DiagnosticDescriptors.BadArgument,
                keyword,
                $"{syntax.Keyword} needs a value for {positional.Name}: write for example '{syntax.Usage}'");
        }

        return values;
    }

    /// <summary>The key an argument is written for, or null (after reporting why) when it fits no key of the statement.</summary>
    private KeySyntax? ResolveKey<TSpec>(StatementSyntax<TSpec> syntax, Argument argument)
    {
        if (argument.Key is not { } keyToken)
        {
            if (syntax.Positional is null)
            {
                Report(
                    DiagnosticDescriptors.BadArgument,
                    argument.Value,
                    syntax.Keys.Count == 0
                        ? $"{syntax.Keyword} takes no values: remove {ValueParsers.Quote(TextOf(argument.Value))}"
                        : $"{syntax.Keyword} takes only key=value arguments, not {ValueParsers.Quote(TextOf(argument.Value))} alone: use one of its keys ({string.Join(", ", syntax.KeyNames)}), as in '{syntax.Usage}'");
            }

            return syntax.Positional;
        }

        if (keyToken.Kind == TokenKind.Invalid)
        {
            ReportInvalidCharacters(keyToken);
            return null;
        }

        string name = TextOf(keyToken);
        KeySyntax? key = syntax.FindKey(name);
        if (key is null)
        {
            Report(
                DiagnosticDescriptors.BadArgument,
                keyToken,
                syntax.Keys.Count == 0
                    ? $"{syntax.Keyword} takes no keys: remove {ValueParsers.Quote(name)}=..."
                    : $"Unknown key {ValueParsers.Quote(name)} for {syntax.Keyword}: expected one of {string.Join(", ", syntax.KeyNames)}{Suggestions.DidYouMean(name, syntax.KeyNames)}");
        }

        return key;
    }

    private void ReportRepeated<TSpec>(StatementSyntax<TSpec> syntax, KeySyntax key, Argument argument)
    {
        if (argument.Key is { } keyToken)
        {
            Report(DiagnosticDescriptors.BadArgument, keyToken, $"{syntax.Keyword} {key.Name} is given twice: remove one of them");
        }
        else
        {
            Report(
                DiagnosticDescriptors.BadArgument,
                argument.Value,
                $"{syntax.Keyword} takes one value without a key ({key.Name}), but {ValueParsers.Quote(TextOf(argument.Value))} is another one: remove it, or write it as key=value");
        }
    }

    private void ReadValue(string statement, KeySyntax key, Token valueToken, StatementArguments values)
    {
        if (valueToken.Kind == TokenKind.Invalid)
        {
            ReportInvalidCharacters(valueToken);
        }
        else if (key.TryRead(TextOf(valueToken), statement, out object? value, out ValueError error))
        {
            values.Set(key, value);
        }
        else
        {
            Report(error.Descriptor, valueToken, error.Message);
        }
    }

    private static bool CanBuild<TSpec>(StatementSyntax<TSpec> syntax, StatementArguments values) =>
        !syntax.IsPositionalRequired || syntax.Positional is null || values.Has(syntax.Positional);

    // ---- Names ------------------------------------------------------------------------------------------------

    /// <summary>The type named by <c>model</c>'s argument: dotted C# identifiers, the last one the class.</summary>
    private TypeIdentity? ReadTypeName(Token nameToken)
    {
        string name = TextOf(nameToken);
        string[] parts = name.Split('.');
        foreach (string part in parts)
        {
            string? problem =
                part.Length == 0 ? $"has an empty part: separate the namespace and class names with single dots, as in 'model Samples.Circles.Net'"
                : SyntaxFacts.GetKeywordKind(part) != SyntaxKind.None ? $"uses the C# keyword {ValueParsers.Quote(part)}: choose another name"
                : !SyntaxFacts.IsValidIdentifier(part) ? $"is not a C# name: {ValueParsers.Quote(part)} must start with a letter or '_' and contain only letters, digits and '_'"
                : null;
            if (problem is not null)
            {
                Report(DiagnosticDescriptors.SyntaxError, nameToken, $"The model name {ValueParsers.Quote(name)} {problem}");
                return null;
            }
        }

        string className = parts[parts.Length - 1];
        string ns = parts.Length == 1 ? _options.RootNamespace : name.Substring(0, name.Length - className.Length - 1);
        return new TypeIdentity(ns, className, EquatableArray<string>.Empty, "public");
    }

    /// <summary>The class name used when the file names none (an error is reported): the file's name made an identifier.</summary>
    private static string FallbackClassName(string path)
    {
        int slash = Math.Max(path.LastIndexOf('/'), path.LastIndexOf('\\'));
        string fileName = path.Substring(slash + 1);
        int dot = fileName.IndexOf('.');
        string stem = dot < 0 ? fileName : fileName.Substring(0, dot);
        var builder = new System.Text.StringBuilder(stem.Length + 1);
        foreach (char c in stem)
        {
            builder.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        }

        if (builder.Length == 0 || char.IsDigit(builder[0]) || SyntaxFacts.GetKeywordKind(builder.ToString()) != SyntaxKind.None)
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    private static string[] StatementKeywords()
    {
        var keywords = new List<string> { "model", "input" };
        keywords.AddRange(Names.Layers.Keys);
        keywords.Add("compile");
        return keywords.ToArray();
    }

    // ---- Diagnostics ------------------------------------------------------------------------------------------

    private void ReportBadStatementStart(Token token)
    {
        if (token.Kind == TokenKind.EqualsSign)
        {
            Report(DiagnosticDescriptors.SyntaxError, token, "A line cannot start with '=': start it with a statement keyword such as dense, then write key=value");
        }
        else
        {
            ReportInvalidCharacters(token);
        }
    }

    private void ReportInvalidCharacters(Token token)
    {
        string text = TextOf(token);
        char bad = text[0];
        foreach (char c in text)
        {
            if (!ModelFileLexer.IsWordCharacter(c))
            {
                bad = c;
                break;
            }
        }

        string shown = bad > ' ' && bad < 127 ? $"'{bad}'" : string.Format(CultureInfo.InvariantCulture, "U+{0:X4}", (int)bad);
        Report(
            DiagnosticDescriptors.SyntaxError,
            token,
            $"Unexpected character {shown} in {ValueParsers.Quote(text)}: keywords, keys and values are made of letters, digits, '_', '.', '+' and '-' ('#' starts a comment)");
    }

    private void Report(DiagnosticDescriptor descriptor, Token token, string message) => Report(descriptor, Location(token), message);

    private void Report(DiagnosticDescriptor descriptor, LocationInfo location, string message)
    {
        if (_stopped)
        {
            return;
        }

        if (_diagnostics.Count == MaxDiagnostics)
        {
            _stopped = true;
            descriptor = DiagnosticDescriptors.SyntaxError;
            message = $"Too many errors in this file (more than {MaxDiagnostics}); stopped reading here: fix the errors above and build again";
        }

        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, message));
    }

    private LocationInfo Location(Token token) => new(_path, token.Span, token.LineSpan);

    private LocationInfo StartOfFile() => new(_path, new TextSpan(0, 0), new LinePositionSpan(default, default));

    private string TextOf(Token token) => _text.Substring(token.Start, token.Length);

    private static bool Is(string word, string keyword) => string.Equals(word, keyword, StringComparison.OrdinalIgnoreCase);
}
