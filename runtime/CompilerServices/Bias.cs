using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics;

namespace ModelGen.CompilerServices;

/// <summary>A per-feature bias on <c>[rows, features]</c> rows: added in the forward pass, summed over rows for its gradient. For generated code.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Bias
{
    /// <summary><c>z[r, f] += bias[f]</c> for every row.</summary>
    /// <param name="z">The values, <c>rows × features</c>.</param>
    /// <param name="bias">The bias, <c>features</c> values.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="features">Features.</param>
    internal static void Add(Span<float> z, ReadOnlySpan<float> bias, int rows, int features)
    {
        Check.Length(z.Length, rows * features, nameof(z), "[rows, features]");
        Check.Length(bias.Length, features, nameof(bias), "[features]");
        for (int r = 0; r < rows; r++)
        {
            AddRow(z.Slice(r * features, features), bias);
        }
    }

    /// <summary><c>gradient[f] = Σ_r dz[r, f]</c>, summed in row order (deterministic).</summary>
    /// <param name="dz">dL/dz, <c>rows × features</c>.</param>
    /// <param name="gradient">Receives dL/dbias, <c>features</c> values.</param>
    /// <param name="rows">Rows.</param>
    /// <param name="features">Features.</param>
    public static void Gradient(ReadOnlySpan<float> dz, Span<float> gradient, int rows, int features)
    {
        Check.Length(dz.Length, rows * features, nameof(dz), "[rows, features]");
        Check.Length(gradient.Length, features, nameof(gradient), "[features]");
        gradient.Clear();
        for (int r = 0; r < rows; r++)
        {
            AddRow(gradient, dz.Slice(r * features, features));
        }
    }

    /// <summary><c>target += source</c>, element by element.</summary>
    private static void AddRow(Span<float> target, ReadOnlySpan<float> source)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && target.Length >= Vector<float>.Count)
        {
            ref float t = ref MemoryMarshal.GetReference(target);
            ref float s = ref MemoryMarshal.GetReference(source);
            for (; i <= target.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                ref float ti = ref Unsafe.Add(ref t, i);
                Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref ti),
                    Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref ti))
                    + Unsafe.ReadUnaligned<Vector<float>>(ref Unsafe.As<float, byte>(ref Unsafe.Add(ref s, i))));
            }
        }

        for (; i < target.Length; i++)
        {
            target[i] += source[i];
        }
    }
}
