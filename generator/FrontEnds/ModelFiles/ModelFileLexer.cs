using System.Collections.Generic;
using System.Globalization;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>
/// The tokens of one line of a <c>.model</c> file: words, <c>=</c> signs and invalid runs, separated by white space;
/// <c>#</c> ends the line (a comment). Tokens are read on demand, with a few tokens of look-ahead, so that a statement
/// that stops early (an unknown keyword, too many errors) never pays for the rest of a huge line. One instance is reused
/// for every line of a file.
/// </summary>
internal sealed class ModelFileLexer
{
    private readonly List<Token> _lookahead = new(4);
    private string _text = string.Empty;
    private int _position;
    private int _end;
    private int _lineStart;
    private int _line;

    /// <summary>Starts reading <c>text[start..end)</c>, which is line <paramref name="line"/> (0-based).</summary>
    public void Reset(string text, int start, int end, int line)
    {
        _lookahead.Clear();
        _text = text;
        _position = start;
        _end = end;
        _lineStart = start;
        _line = line;
    }

    /// <summary>The token <paramref name="offset"/> places ahead of the current one, or null past the end of the line.</summary>
    public Token? Peek(int offset = 0)
    {
        while (_lookahead.Count <= offset)
        {
            if (!TryLex(out Token token))
            {
                return null;
            }

            _lookahead.Add(token);
        }

        return _lookahead[offset];
    }

    /// <summary>Moves past <paramref name="count"/> tokens (those already peeked at).</summary>
    public void Advance(int count) => _lookahead.RemoveRange(0, count);

    /// <summary>Whether the tokens at <paramref name="left"/> and <paramref name="right"/> exist and touch (no space between).</summary>
    public bool AreAttached(int left, int right) => Peek(right) is { } second && Peek(left)!.Value.End == second.Start;

    /// <summary>Whether the token at <paramref name="offset"/> exists and is of <paramref name="kind"/>.</summary>
    public bool IsAt(int offset, TokenKind kind) => Peek(offset)?.Kind == kind;

    /// <summary>Whether <paramref name="c"/> may appear in a word: a letter, mark, decimal digit or connector
    /// (so names in any script lex as words and get a "did you mean" message), or one of <c>. + -</c>.</summary>
    public static bool IsWordCharacter(char c)
    {
        if (c < 128)
        {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c is '_' or '.' or '-' or '+';
        }

        switch (char.GetUnicodeCategory(c))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.LowercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.ConnectorPunctuation:
                return true;
            default:
                return false;
        }
    }

    private bool TryLex(out Token token)
    {
        while (_position < _end && IsWhiteSpace(_text[_position]))
        {
            _position++;
        }

        if (_position == _end || _text[_position] == '#')
        {
            _position = _end;
            token = default;
            return false;
        }

        int start = _position;
        if (_text[_position] == '=')
        {
            _position++;
            token = new Token(TokenKind.EqualsSign, start, 1, _line, start - _lineStart);
            return true;
        }

        bool valid = true;
        while (_position < _end && !IsSeparator(_text[_position]))
        {
            valid &= IsWordCharacter(_text[_position]);
            _position++;
        }

        token = new Token(valid ? TokenKind.Word : TokenKind.Invalid, start, _position - start, _line, start - _lineStart);
        return true;
    }

    /// <summary>White space, including the byte-order mark that an editor may leave at the start of the file.</summary>
    private static bool IsWhiteSpace(char c) => c is ' ' or '\t' or '\v' or '\f' or '\uFEFF' || (c > 127 && char.IsWhiteSpace(c));

    private static bool IsSeparator(char c) => c == '=' || c == '#' || IsWhiteSpace(c);
}
