namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>A key that a statement accepts (<c>activation</c>, <c>momentum</c>, ...), or the name of its positional value
/// (<c>units</c>): its snake_case name, how its value is read, and an example value for messages.</summary>
internal abstract class KeySyntax
{
    protected KeySyntax(string name, string example)
    {
        Name = name;
        Usage = name + "=" + example;
    }

    /// <summary>The lowercase snake_case name, as written in files and recorded in the source map.</summary>
    public string Name { get; }

    /// <summary>The key with a valid value (<c>units=64</c>), shown in messages.</summary>
    public string Usage { get; }

    /// <summary>Reads the value written for this key in <paramref name="statement"/>; boxed, because the values of
    /// one statement are kept together (<see cref="StatementArguments"/>) and read back typed through
    /// <see cref="KeySyntax{T}"/>.</summary>
    public abstract bool TryRead(string text, string statement, out object? value, out ValueError error);

    public override string ToString() => Name;
}

/// <summary>A key whose value is a <typeparamref name="T"/>.</summary>
internal sealed class KeySyntax<T> : KeySyntax
{
    private readonly ValueParser<T> _parser;

    public KeySyntax(string name, string example, ValueParser<T> parser)
        : base(name, example) => _parser = parser;

    public override bool TryRead(string text, string statement, out object? value, out ValueError error)
    {
        bool read = _parser(text, new ValueContext(statement, Name, Usage), out T typed, out error);
        value = typed;
        return read;
    }
}
