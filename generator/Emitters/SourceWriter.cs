using System;
using System.Globalization;
using System.Text;

namespace ModelGen.Generator.Emitters;

/// <summary>An indented text writer for generated C#: four spaces per level, <c>\n</c> line endings on every machine.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line() => _text.Append('\n');

    public void Line(string line)
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4).Append(line);
        }

        _text.Append('\n');
    }

    /// <summary>Writes <c>{</c> and indents.</summary>
    public void Open(string? header = null)
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        _indent++;
    }

    /// <summary>Outdents and writes <c>}</c> (with an optional suffix such as <c>;</c>).</summary>
    public void Close(string suffix = "")
    {
        _indent--;
        Line("}" + suffix);
    }

    /// <summary>A new writer at this one's indentation, for a section written before the text that precedes it (see
    /// <see cref="Append"/>).</summary>
    public SourceWriter Fork() => new() { _indent = _indent };

    /// <summary>Appends what a <see cref="Fork"/> of this writer wrote.</summary>
    public void Append(SourceWriter section) => _text.Append(section._text);

    /// <summary>Each line of <paramref name="text"/> prefixed with <paramref name="prefix"/> (for comments).</summary>
    public void Lines(string prefix, string text)
    {
        foreach (string line in text.TrimEnd('\n').Split('\n'))
        {
            Line((prefix + line).TrimEnd());
        }
    }

    public override string ToString() => _text.ToString();

    /// <summary>A C# string literal for <paramref name="value"/>.</summary>
    public static string Literal(string value)
    {
        var builder = new StringBuilder(value.Length + 2);
        builder.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                default:
                    if (c < ' ')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    /// <summary>A round-trip <see cref="float"/> literal that reads the same in every culture: <c>1E-05f</c>.</summary>
    public static string Literal(float value) =>
        float.IsNaN(value) ? "float.NaN"
        : float.IsPositiveInfinity(value) ? "float.PositiveInfinity"
        : float.IsNegativeInfinity(value) ? "float.NegativeInfinity"
        : value.ToString("R", CultureInfo.InvariantCulture) + "f";

    /// <summary>A round-trip <see cref="double"/> literal: <c>0.99d</c>.</summary>
    public static string Literal(double value) =>
        double.IsNaN(value) ? "double.NaN"
        : double.IsInfinity(value) ? (value > 0 ? "double.PositiveInfinity" : "double.NegativeInfinity")
        : value.ToString("R", CultureInfo.InvariantCulture) + "d";

    public static string Literal(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Literal(bool value) => value ? "true" : "false";

    /// <summary>Text for an XML doc comment.</summary>
    public static string Xml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

    public static string Version { get; } =
        (typeof(SourceWriter).Assembly.GetName().Version ?? new Version(0, 0, 0)).ToString(3);
}
