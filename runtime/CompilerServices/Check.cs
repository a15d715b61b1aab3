using System;
using System.Diagnostics.CodeAnalysis;

namespace ModelGen.CompilerServices;

/// <summary>Cheap argument checks with messages that name the expected sizes.</summary>
internal static class Check
{
    public static void SameLength(int actual, int expected, string name, string otherName)
    {
        if (actual != expected)
        {
            Throw($"{name} has {actual} values but {otherName} has {expected}; they must have the same length.", name);
        }
    }

    public static void Length(int actual, int expected, string name, string shape)
    {
        if (actual != expected)
        {
            Throw($"{name} has {actual} values, expected {expected} ({shape}).", name);
        }
    }

    public static void AtLeast(int actual, int expected, string name, string shape)
    {
        if (actual < expected)
        {
            Throw($"{name} has {actual} values, expected at least {expected} ({shape}).", name);
        }
    }

    public static void LengthOrEmpty(int actual, int expected, string name, string shape)
    {
        if (actual != 0 && actual != expected)
        {
            Throw($"{name} has {actual} values, expected {expected} ({shape}) or none.", name);
        }
    }

    public static void NonNegative(int value, string name)
    {
        if (value < 0)
        {
            Throw($"{name} must not be negative (got {value}).", name);
        }
    }

    public static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            Throw($"{name} must be positive (got {value}).", name);
        }
    }

    public static int Rows(int length, int features, string name)
    {
        Positive(features, "features");
        if (length % features != 0)
        {
            Throw($"{name} has {length} values, which is not a whole number of rows of {features} features.", name);
        }

        return length / features;
    }

    [DoesNotReturn]
    public static void Throw(string message, string paramName) => throw new ArgumentException(message, paramName);
}
