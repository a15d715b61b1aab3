using Microsoft.CodeAnalysis.Text;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>What a <see cref="Token"/> is.</summary>
internal enum TokenKind
{
    /// <summary>A keyword, key or value: letters, digits, marks and <c>_ . + -</c> (see <see cref="ModelFileLexer.IsWordCharacter"/>).</summary>
    Word,

    /// <summary>The <c>=</c> between a key and its value.</summary>
    EqualsSign,

    /// <summary>A run of characters with at least one that no word may contain (punctuation, control or binary bytes).</summary>
    Invalid,
}

/// <summary>One token of a <c>.model</c> line, as a span of the file's text (the text itself is only copied out
/// when a statement needs it). Tokens never cross a line.</summary>
internal readonly struct Token
{
    public Token(TokenKind kind, int start, int length, int line, int column)
    {
        Kind = kind;
        Start = start;
        Length = length;
        Line = line;
        Column = column;
    }

    public TokenKind Kind { get; }

    /// <summary>The offset of the first character in the file.</summary>
    public int Start { get; }

    public int Length { get; }

    /// <summary>The 0-based line number.</summary>
    public int Line { get; }

    /// <summary>The 0-based column of the first character.</summary>
    public int Column { get; }

    public int End => Start + Length;

    public TextSpan Span => new(Start, Length);

    public LinePositionSpan LineSpan => new(new LinePosition(Line, Column), new LinePosition(Line, Column + Length));

    /// <summary>The span from the start of <paramref name="first"/> to the end of <paramref name="last"/> (same line).</summary>
    public static Token Cover(Token first, Token last) =>
        new(first.Kind, first.Start, last.End - first.Start, first.Line, first.Column);
}
