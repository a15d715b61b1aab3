using System.Collections.Generic;
using System.Globalization;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>Splits one line of a <c>.model</c> file into tokens: words, <c>=</c> signs and invalid runs, separated by
/// white space; <c>#</c> ends the line (a comment). Linear in the line's length; allocates nothing but the tokens.</summary>
internal static class ModelFileLexer
{
    /// <summary>Appends the tokens of <c>text[start..end)</c>, which is line <paramref name="line"/>, to <paramref name="tokens"/>.</summary>
    public static void Tokenize(string text, int start, int end, int line, List<Token> tokens)
    {
        int position = start;
        while (position < end)
        {
            char c = text[position];
            if (IsWhiteSpace(c))
            {
                position++;
                continue;
            }

            if (c == '#')
            {
                return;
            }

            if (c == '=')
            {
                tokens.Add(new Token(TokenKind.EqualsSign, position, 1, line, position - start));
                position++;
                continue;
            }

            int tokenStart = position;
            bool valid = true;
            while (position < end && !IsSeparator(text[position]))
            {
                valid &= IsWordCharacter(text[position]);
                position++;
            }

            TokenKind kind = valid ? TokenKind.Word : TokenKind.Invalid;
            tokens.Add(new Token(kind, tokenStart, position - tokenStart, line, tokenStart - start));
        }
    }

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

    /// <summary>White space, including the byte-order mark that an editor may leave at the start of the file.</summary>
    private static bool IsWhiteSpace(char c) => c == ' ' || c == '\t' || c == '\uFEFF' || (c > 127 && char.IsWhiteSpace(c)) || c is '\v' or '\f';

    private static bool IsSeparator(char c) => c == '=' || c == '#' || IsWhiteSpace(c);
}
