using System;
using System.Collections.Generic;

namespace ModelGen.Generator.FrontEnds.ModelFiles;

/// <summary>"Did you mean" suggestions: the known name closest to a misspelling, by edit distance (insertions,
/// deletions, substitutions and swaps of two neighbours, case-insensitive).</summary>
internal static class Suggestions
{
    /// <summary><c> (did you mean 'relu'?)</c>, or an empty string when no name is close to <paramref name="text"/>.</summary>
    public static string DidYouMean(string text, IEnumerable<string> candidates)
    {
        string? closest = Closest(text, candidates);
        return closest is null ? string.Empty : $" (did you mean '{closest}'?)";
    }

    /// <summary>The candidate closest to <paramref name="text"/>, if within about a third of its length; ties go to the
    /// earlier candidate.</summary>
    public static string? Closest(string text, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int limit = Math.Max(1, Math.Min(text.Length, candidate.Length) / 3);

            // The distance is at least the difference in length: this also keeps a huge token from costing anything.
            if (Math.Abs(text.Length - candidate.Length) > limit)
            {
                continue;
            }

            int distance = Distance(text, candidate);
            if (distance <= limit && distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>The optimal-string-alignment distance between two short strings, ignoring case.</summary>
    public static int Distance(string a, string b)
    {
        // Three rows of the classic table: the previous two (for swaps) and the current one.
        var beforePrevious = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = SameLetter(a[i - 1], b[j - 1]) ? 0 : 1;
                int value = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && SameLetter(a[i - 1], b[j - 2]) && SameLetter(a[i - 2], b[j - 1]))
                {
                    value = Math.Min(value, beforePrevious[j - 2] + 1);
                }

                current[j] = value;
            }

            (beforePrevious, previous, current) = (previous, current, beforePrevious);
        }

        return previous[b.Length];
    }

    private static bool SameLetter(char a, char b) => char.ToLowerInvariant(a) == char.ToLowerInvariant(b);
}
