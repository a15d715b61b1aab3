using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ModelGen.Generator.FrontEnds.Attributes;

/// <summary>
/// Typed, never-throwing access to the arguments a user wrote on one attribute. The compiler only shows the written
/// arguments (constructor arguments and named properties), so every accessor takes the Keras default to use when the
/// argument is absent. Arguments are looked up by C# name, case-insensitively, so that the constructor parameter
/// <c>units</c> and the property <c>Units</c> are the same argument.
/// </summary>
/// <remarks>
/// Two kinds of problem are collected instead of thrown: <see cref="IsUnreadable"/> (the attribute or an argument did
/// not bind; the C# compiler reports why) and <see cref="Problems"/> (a value that bound but means nothing, such as
/// <c>(Activation)42</c>). The reader turns both into MG0003.
/// </remarks>
internal sealed class AttributeArguments
{
    private readonly Dictionary<string, TypedConstant> _written;
    private readonly List<string> _constructorParameters;
    private readonly List<string> _problems = new();

    private AttributeArguments(string shortName, Dictionary<string, TypedConstant> written, List<string> constructorParameters, bool isUnreadable)
    {
        ShortName = shortName;
        _written = written;
        _constructorParameters = constructorParameters;
        IsUnreadable = isUnreadable;
    }

    /// <summary>The attribute's name as written without the <c>Attribute</c> suffix, such as <c>Dense</c>.</summary>
    public string ShortName { get; }

    /// <summary>Whether the attribute or one of its arguments did not bind (a C# error), so its values are unknown.</summary>
    public bool IsUnreadable { get; private set; }

    /// <summary>Values that bound but are not valid, as messages ready for MG0003.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>The C# names of the written arguments (constructor parameters and properties).</summary>
    public IEnumerable<string> WrittenNames => _written.Keys;

    /// <summary>Collects the written arguments of <paramref name="attribute"/>; <paramref name="syntax"/>, when known, tells
    /// which optional constructor parameters were written rather than filled in with their default.</summary>
    public static AttributeArguments From(AttributeData attribute, string shortName, AttributeSyntax? syntax)
    {
        var written = new Dictionary<string, TypedConstant>(StringComparer.OrdinalIgnoreCase);
        var constructorParameters = new List<string>();
        IMethodSymbol? constructor = attribute.AttributeConstructor;
        if (constructor is null || constructor.Parameters.Length != attribute.ConstructorArguments.Length)
        {
            return new AttributeArguments(shortName, written, constructorParameters, isUnreadable: true);
        }

        for (int i = 0; i < constructor.Parameters.Length; i++)
        {
            IParameterSymbol parameter = constructor.Parameters[i];
            constructorParameters.Add(parameter.Name);
            if (!parameter.IsOptional || IsWritten(parameter, syntax))
            {
                written[parameter.Name] = attribute.ConstructorArguments[i];
            }
        }

        foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
        {
            written[named.Key] = named.Value;
        }

        bool hasErrors = written.Values.Any(static value => value.Kind == TypedConstantKind.Error);
        return new AttributeArguments(shortName, written, constructorParameters, hasErrors);
    }

    /// <summary>The constructor arguments, in order, as integers (for <c>[Input]</c>'s shape).</summary>
    public int[] ConstructorInts() => _constructorParameters.Select(name => Int(name, 0)).ToArray();

    /// <summary>The <see cref="int"/> written for <paramref name="name"/>, or <paramref name="fallback"/> when not written.</summary>
    public int Int(string name, int fallback) => Convert(name, AsInt) ?? fallback;

    /// <summary>The value written for <paramref name="name"/>, or <see langword="null"/> when it was not written.</summary>
    public int? OptionalInt(string name) => Convert(name, AsInt);

    /// <summary>The number written for <paramref name="name"/> (an integer literal too), or <paramref name="fallback"/>.</summary>
    public double Double(string name, double fallback) => Convert(name, AsDouble) ?? fallback;

    /// <summary>The <see cref="bool"/> written for <paramref name="name"/>, or <paramref name="fallback"/> when not written.</summary>
    public bool Bool(string name, bool fallback) => Convert(name, AsBool) ?? fallback;

    /// <summary>The value written for <paramref name="name"/>; <paramref name="fallback"/> when it was not written, is
    /// <see langword="null"/>, or did not bind.</summary>
    public string? String(string name, string? fallback)
    {
        if (!_written.TryGetValue(name, out TypedConstant constant))
        {
            return fallback;
        }

        if (constant.IsNull)
        {
            return null;
        }

        return ValueOf(constant) is string text ? text : Unreadable(fallback);
    }

    /// <summary>An enum argument, which the compiler hands over as its underlying integer. The generator's enums
    /// (<typeparamref name="TKind"/>) have the same numbers as the runtime's; a number that names no member is a
    /// problem, and <paramref name="fallback"/> is used.</summary>
    public TKind Enum<TKind>(string name, TKind fallback)
        where TKind : struct, Enum
    {
        int? number = Convert(name, AsInt);
        if (number is null)
        {
            return fallback;
        }

        if (!System.Enum.IsDefined(typeof(TKind), number.Value))
        {
            string type = typeof(TKind).Name.Replace("Kind", string.Empty);
            _problems.Add(string.Format(
                CultureInfo.InvariantCulture,
                "[{0}] {1} = {2} is not a defined {3} value; expected one of {4}",
                ShortName,
                name,
                number.Value,
                type,
                string.Join(", ", System.Enum.GetNames(typeof(TKind)))));
            return fallback;
        }

        return (TKind)System.Enum.ToObject(typeof(TKind), number.Value);
    }

    /// <summary>Records a problem with a value that bound, for MG0003.</summary>
    public void AddProblem(string message) => _problems.Add(message);

    /// <summary>The written value of <paramref name="name"/> converted by <paramref name="convert"/>; null when it was not
    /// written or does not convert (then the attribute is <see cref="IsUnreadable"/>).</summary>
    private T? Convert<T>(string name, Func<object?, T?> convert)
        where T : struct
    {
        if (!_written.TryGetValue(name, out TypedConstant constant))
        {
            return null;
        }

        T? value = convert(ValueOf(constant));
        IsUnreadable |= value is null;
        return value;
    }

    private T Unreadable<T>(T fallback)
    {
        IsUnreadable = true;
        return fallback;
    }

    private static int? AsInt(object? value) => value is int i ? i : null;

    private static bool? AsBool(object? value) => value is bool b ? b : null;

    private static double? AsDouble(object? value) => value switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        _ => null,
    };

    /// <summary>The constant's value, or <see langword="null"/> for arrays, types and errors, whose <c>Value</c> is
    /// not a scalar (reading <c>Value</c> of an array throws).</summary>
    private static object? ValueOf(TypedConstant constant) =>
        constant.Kind is TypedConstantKind.Primitive or TypedConstantKind.Enum ? constant.Value : null;

    /// <summary>Whether an optional constructor parameter was written: positionally, or by name (<c>poolSize: 3</c>).
    /// Without syntax, it is taken as written.</summary>
    private static bool IsWritten(IParameterSymbol parameter, AttributeSyntax? syntax)
    {
        if (syntax is null)
        {
            return true;
        }

        int positional = 0;
        foreach (AttributeArgumentSyntax argument in syntax.ArgumentList?.Arguments ?? default)
        {
            if (argument.NameEquals is not null)
            {
                continue;
            }

            if (argument.NameColon is { } nameColon)
            {
                if (nameColon.Name.Identifier.ValueText == parameter.Name)
                {
                    return true;
                }
            }
            else
            {
                positional++;
            }
        }

        return positional > parameter.Ordinal;
    }
}
