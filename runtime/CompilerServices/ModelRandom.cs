using System;
using System.ComponentModel;
using System.Numerics;

namespace ModelGen.CompilerServices;

/// <summary>
/// A small, fast, seedable random number generator whose stream is the same on every machine and runtime:
/// <b>xoshiro128**</b> (Blackman and Vigna, 2018; 128-bit state, 32-bit outputs) seeded by <b>SplitMix64</b>.
/// Only integer arithmetic produces the bits; <see cref="NextNormal"/> uses the Marsaglia polar method with a
/// logarithm computed by plain double arithmetic (no platform math library), so it is reproducible too.
/// A mutable struct: pass it by <see langword="ref"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public struct ModelRandom
{
    private uint _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpareNormal;

    /// <summary>Creates a generator for a seed and an independent stream number (e.g. one stream per layer).</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="stream">A stream number; different streams of one seed are unrelated sequences.</param>
    public ModelRandom(long seed, long stream = 0)
    {
        ulong state = (ulong)seed;
        ulong a = SplitMix64(ref state);
        state ^= (ulong)stream * 0xD1B54A32D192ED03UL;
        ulong b = SplitMix64(ref state) ^ a;
        ulong c = SplitMix64(ref state);
        _s0 = (uint)b;
        _s1 = (uint)(b >> 32);
        _s2 = (uint)c;
        _s3 = (uint)(c >> 32);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
        {
            _s0 = 1; // the all-zero state is the one state xoshiro must avoid
        }

        _spareNormal = 0;
        _hasSpareNormal = false;
    }

    /// <summary>The next 32 random bits.</summary>
    /// <returns>A uniformly distributed <see cref="uint"/>.</returns>
    public uint NextUInt32()
    {
        uint result = BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = BitOperations.RotateLeft(_s3, 11);
        return result;
    }

    /// <summary>A float uniformly distributed in <c>[0, 1)</c> (24 random bits).</summary>
    /// <returns>The value.</returns>
    public float NextFloat() => (NextUInt32() >> 8) * (1f / 16777216f);

    /// <summary>A double uniformly distributed in <c>[0, 1)</c> (53 random bits).</summary>
    /// <returns>The value.</returns>
    public double NextDouble()
    {
        ulong hi = NextUInt32() >> 5, lo = NextUInt32() >> 6;
        return (hi * 67108864.0 + lo) * (1.0 / 9007199254740992.0);
    }

    /// <summary>An integer uniformly distributed in <c>[0, maxExclusive)</c>, without modulo bias (Lemire's method).</summary>
    /// <param name="maxExclusive">The exclusive upper bound; positive.</param>
    /// <returns>The value.</returns>
    public int NextInt32(int maxExclusive)
    {
        if (maxExclusive <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "The bound must be positive.");
        }

        uint bound = (uint)maxExclusive;
        ulong m = (ulong)NextUInt32() * bound;
        if ((uint)m < bound)
        {
            uint threshold = (0u - bound) % bound;
            while ((uint)m < threshold)
            {
                m = (ulong)NextUInt32() * bound;
            }
        }

        return (int)(m >> 32);
    }

    /// <summary>A standard normal deviate (mean 0, standard deviation 1), Marsaglia's polar method.</summary>
    /// <returns>The value.</returns>
    public double NextNormal()
    {
        if (_hasSpareNormal)
        {
            _hasSpareNormal = false;
            return _spareNormal;
        }

        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        }
        while (s >= 1 || s == 0);

        double factor = Math.Sqrt(-2 * PortableLog(s) / s);
        _spareNormal = v * factor;
        _hasSpareNormal = true;
        return u * factor;
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher–Yates, from the end).</summary>
    /// <param name="values">The values, e.g. row indices.</param>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt32(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>ln(x) for x in (0, 1], from +, ×, ÷ only: x = m·2^e with m in [√½, √2), ln m = 2 atanh((m-1)/(m+1)).</summary>
    internal static double PortableLog(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int exponent = (int)((bits >> 52) & 0x7FF);
        if (exponent == 0)
        {
            // Subnormal: scale into the normal range first.
            return PortableLog(x * 18014398509481984.0) - 54 * 0.69314718055994530942;
        }

        exponent -= 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000FFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (m > 1.4142135623730951)
        {
            m *= 0.5;
            exponent++;
        }

        double t = (m - 1) / (m + 1), t2 = t * t;
        // |t| < 0.1716, so 12 terms of the atanh series reach double precision.
        double sum = 0, power = t;
        for (int k = 1; k <= 25; k += 2)
        {
            sum += power / k;
            power *= t2;
        }

        return 2 * sum + exponent * 0.69314718055994530942;
    }
}
