using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace ModelGen.Tests.Infrastructure;

/// <summary>Assertions on diagnostics with exact IDs, severities, files and spans.</summary>
public static class DiagnosticAssert
{
    /// <summary>
    /// Asserts that exactly one diagnostic with <paramref name="id"/> was reported, with <paramref name="severity"/>, in
    /// <paramref name="path"/>, spanning the <paramref name="occurrence"/>-th occurrence of <paramref name="token"/> on
    /// 1-based line <paramref name="line"/> of <paramref name="text"/> (the text of that file). Returns it.
    /// </summary>
    public static Diagnostic At(
        IEnumerable<Diagnostic> diagnostics,
        string id,
        DiagnosticSeverity severity,
        string path,
        string text,
        int line,
        string token,
        int occurrence = 1)
    {
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        int column = -1;
        for (int i = 0; i < occurrence; i++)
        {
            column = lines[line - 1].IndexOf(token, column + 1, StringComparison.Ordinal);
            Assert.True(column >= 0, $"test error: '{token}' is not on line {line}: {lines[line - 1]}");
        }

        List<Diagnostic> matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got {matching.Count}:\n{Describe(diagnostics)}");
        Diagnostic diagnostic = matching[0];
        FileLinePositionSpan span = diagnostic.Location.GetLineSpan();
        Assert.Equal(severity, diagnostic.Severity);
        Assert.Equal(path, span.Path);
        Assert.Equal((line - 1, column), (span.StartLinePosition.Line, span.StartLinePosition.Character));
        Assert.Equal((line - 1, column + token.Length), (span.EndLinePosition.Line, span.EndLinePosition.Character));
        return diagnostic;
    }

    /// <summary>The diagnostics, one per line, for failure messages.</summary>
    public static string Describe(IEnumerable<Diagnostic> diagnostics) => string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));

    /// <summary>Asserts that no ModelGen or compiler error was reported, and that the only warnings are the given IDs.</summary>
    public static void NoErrors(IEnumerable<Diagnostic> diagnostics, params string[] allowedWarnings)
    {
        List<Diagnostic> unexpected = diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error || (d.Severity == DiagnosticSeverity.Warning && !allowedWarnings.Contains(d.Id)))
            .ToList();
        Assert.True(unexpected.Count == 0, "unexpected diagnostics:\n" + Describe(unexpected));
    }
}
