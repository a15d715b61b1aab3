using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.CodeAnalysis;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>Why a value could not be read: the diagnostic to report at its token and the message saying what is wrong
/// and how to fix it.</summary>
internal readonly struct ValueError
{
    public ValueError(DiagnosticDescriptor descriptor, string message)
    {
        Descriptor = descriptor;
        Message = message;
    }

    public DiagnosticDescriptor Descriptor { get; }

    public string Message { get; }

    /// <summary>A malformed value (MG0002).</summary>
    public static ValueError Malformed(string message) => new(DiagnosticDescriptors.SyntaxError, message);

    /// <summary>A well-formed value that names nothing known (MG0003).</summary>
    public static ValueError Unknown(string message) => new(DiagnosticDescriptors.BadArgument, message);
}

/// <summary>The statement and key a value is written for, to say where the problem is in messages.</summary>
internal readonly struct ValueContext
{
    public ValueContext(string statement, string key, string usage)
    {
        Statement = statement;
        Key = key;
        Usage = usage;
    }

    /// <summary>The statement keyword, as <c>dense</c>.</summary>
    public string Statement { get; }

    /// <summary>The key, as <c>units</c>.</summary>
    public string Key { get; }

    /// <summary>A valid way to write the value, shown in messages, as <c>units=64</c>.</summary>
    public string Usage { get; }

    /// <summary><c>dense units</c>, for messages.</summary>
    public string Subject => Statement + " " + Key;
}

/// <summary>Reads one value of a given type from its text.</summary>
internal delegate bool ValueParser<T>(string text, ValueContext context, out T value, out ValueError error);

/// <summary>The value syntaxes of <c>.model</c> files. Numbers are read with the invariant culture and must be written in
/// plain decimal (optional sign, optional fraction, optional exponent), so that <c>0.99</c> in a file is the same double as
/// the C# literal <c>0.99</c>, and <c>NaN</c>, <c>Infinity</c>, hexadecimal or grouped digits are refused on every runtime.
/// No value is range-checked here (units of -5 or a momentum of 1.5 are read as written): the validator does that.</summary>
internal static class ValueParsers
{
    /// <summary>The most dimensions an <c>input</c> shape may have (height x width x channels).</summary>
    public const int MaxInputRank = 3;

    /// <summary>A layer name: ASCII letters, digits and underscores, not starting with a digit (<c>hidden_1</c>), as C#
    /// members are made from it (<c>Hidden1Kernel</c>).</summary>
    public static bool Identifier(string text, ValueContext context, out string value, out ValueError error)
    {
        value = text;
        bool valid = Description.Names.IsIdentifier(text);
        error = valid ? default : ValueError.Malformed($"{context.Subject} must be a name of letters, digits and underscores not starting with a digit, not {Quote(text)}: write for example {context.Usage}");
        return valid;
    }

    /// <summary>A whole number: an optional sign and ASCII digits (<c>64</c>, <c>-1</c>); not <c>2.5</c>, <c>1e3</c> or <c>64.0</c>.</summary>
    public static bool Integer(string text, ValueContext context, out int value, out ValueError error)
    {
        if (TryInteger(text, out value, out bool overflow))
        {
            error = default;
            return true;
        }

        error = ValueError.Malformed(overflow
            ? $"{Quote(text)} is too large for {context.Subject}: a whole number must be at most {int.MaxValue}"
            : $"{context.Subject} must be a whole number, not {Quote(text)}: write for example {context.Usage}");
        return false;
    }

    /// <summary>A finite decimal number: <c>0.99</c>, <c>1e-3</c>, <c>.5</c>, <c>-2</c>.</summary>
    public static bool Number(string text, ValueContext context, out double value, out ValueError error)
    {
        error = default;
        value = 0;
        if (!IsDecimalNumber(text))
        {
            error = ValueError.Malformed(IsNonFiniteName(text)
                ? $"{context.Subject} must be a finite number, not {Quote(text)}: write a decimal number such as {context.Usage}"
                : $"{context.Subject} must be a number, not {Quote(text)}: write a decimal number with '.' such as {context.Usage} (exponents as in 1e-3 are fine)");
            return false;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || IsNotFinite(value))
        {
            error = ValueError.Malformed($"{Quote(text)} is too large for {context.Subject}: write a number below 1e308 such as {context.Usage}");
            return false;
        }

        return true;
    }

    /// <summary><c>true</c> or <c>false</c>, in any case.</summary>
    public static bool Boolean(string text, ValueContext context, out bool value, out ValueError error)
    {
        error = default;
        value = string.Equals(text, "true", StringComparison.OrdinalIgnoreCase);
        if (value || string.Equals(text, "false", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        error = ValueError.Malformed($"{context.Subject} must be true or false, not {Quote(text)}: write for example {context.Key}=false");
        return false;
    }

    /// <summary>A window size: one number for a square (<c>3</c>) or height x width (<c>2x3</c>).</summary>
    public static bool Size(string text, ValueContext context, out (int Height, int Width) value, out ValueError error)
    {
        value = default;
        if (!TryShape(text, context, out int[] sizes, out error))
        {
            return false;
        }

        if (sizes.Length > 2)
        {
            error = ValueError.Malformed(
                $"{context.Subject} takes one size or height x width, not {sizes.Length} sizes in {Quote(text)}: write for example {context.Key}=3 or {context.Key}=3x3");
            return false;
        }

        value = (sizes[0], sizes[sizes.Length - 1]);
        return true;
    }

    /// <summary>A shape <c>28x28x1</c>: whole numbers separated by <c>x</c> (any count; callers check how many they take).</summary>
    public static bool TryShape(string text, ValueContext context, out int[] dimensions, out ValueError error)
    {
        dimensions = Array.Empty<int>();
        error = default;
        var parts = new List<int>(MaxInputRank);
        int start = 0;
        for (int i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] is not ('x' or 'X'))
            {
                continue;
            }

            string part = text.Substring(start, i - start);
            if (!TryInteger(part, out int dimension, out bool overflow))
            {
                error = ValueError.Malformed(overflow
                    ? $"{Quote(part)} in {Quote(text)} is too large for {context.Subject}: a size must be at most {int.MaxValue}"
                    : $"{context.Subject} must be whole numbers separated by 'x', not {Quote(text)}: write for example {context.Usage}");
                return false;
            }

            parts.Add(dimension);
            start = i + 1;
        }

        dimensions = parts.ToArray();
        return true;
    }

    /// <summary>A parser for a name from <paramref name="table"/> (case-insensitive); <paramref name="what"/> says what the
    /// names are (<c>activation</c>) in the "unknown" message, which lists the names and suggests the closest.</summary>
    public static ValueParser<T> Name<T>(string what, IReadOnlyDictionary<string, T> table) =>
        (string text, ValueContext context, out T value, out ValueError error) =>
        {
            error = default;
            if (table.TryGetValue(text, out value!))
            {
                return true;
            }

            string target = context.Key == what ? context.Statement : context.Subject;
            error = ValueError.Unknown(
                $"Unknown {what} {Quote(text)} for {target}: expected one of {string.Join(", ", table.Keys)}{Suggestions.DidYouMean(text, table.Keys)}");
            return false;
        };

    /// <summary>The text as messages show it: quoted, shortened when long, with control characters escaped.</summary>
    public static string Quote(string text)
    {
        const int MaxShown = 40;
        var builder = new System.Text.StringBuilder(Math.Min(text.Length, MaxShown) + 8).Append('\'');
        for (int i = 0; i < text.Length && i < MaxShown; i++)
        {
            char c = text[i];
            if (char.IsControl(c) || char.IsSurrogate(c) || c == '\uFEFF')
            {
                builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.Append(text.Length > MaxShown ? "...'" : "'").ToString();
    }

    /// <summary>An optional sign then ASCII digits; <paramref name="overflow"/> tells a well-formed number too large for an int.</summary>
    private static bool TryInteger(string text, out int value, out bool overflow)
    {
        value = 0;
        int i = text.Length > 0 && text[0] is '+' or '-' ? 1 : 0;
        int digits = CountDigits(text, i);
        bool wellFormed = digits > 0 && i + digits == text.Length;
        overflow = wellFormed && !int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
        return wellFormed && !overflow;
    }

    /// <summary><c>[+-] digits [. digits] [(e|E) [+-] digits]</c> with at least one mantissa digit (<c>.5</c> and <c>5.</c> too).</summary>
    private static bool IsDecimalNumber(string text)
    {
        int i = text.Length > 0 && text[0] is '+' or '-' ? 1 : 0;
        int integerDigits = CountDigits(text, i);
        i += integerDigits;
        int fractionDigits = 0;
        if (i < text.Length && text[i] == '.')
        {
            fractionDigits = CountDigits(text, i + 1);
            i += 1 + fractionDigits;
        }

        if (integerDigits + fractionDigits == 0)
        {
            return false;
        }

        if (i < text.Length && text[i] is 'e' or 'E')
        {
            i++;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            int exponentDigits = CountDigits(text, i);
            if (exponentDigits == 0)
            {
                return false;
            }

            i += exponentDigits;
        }

        return i == text.Length;
    }

    private static int CountDigits(string text, int start)
    {
        int i = start;
        while (i < text.Length && text[i] >= '0' && text[i] <= '9')
        {
            i++;
        }

        return i - start;
    }

    private static bool IsNonFiniteName(string text)
    {
        string unsigned = text.TrimStart('+', '-');
        return unsigned.Equals("nan", StringComparison.OrdinalIgnoreCase)
            || unsigned.Equals("inf", StringComparison.OrdinalIgnoreCase)
            || unsigned.Equals("infinity", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsNotFinite(double value) => double.IsNaN(value) || double.IsInfinity(value);
}
