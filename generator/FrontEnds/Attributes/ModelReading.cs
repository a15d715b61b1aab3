using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Generator.FrontEnds.Attributes;

/// <summary>The model being read by <see cref="AttributeReader"/>: attributes are added in the order written, and at
/// the end <see cref="Spec"/>, <see cref="Map"/> and <see cref="Diagnostics"/> hold what they defined.</summary>
internal sealed class ModelReading(LocationInfo? modelLocation)
{
    private readonly List<LayerSpec> _layers = new();
    private readonly List<SourceEntry> _layerEntries = new();
    private readonly List<DiagnosticInfo> _diagnostics = new();
    private InputSpec? _input;
    private LocationInfo? _inputLocation;
    private bool _inputSeen;
    private CompileSpec? _compile;
    private SourceEntry? _compileEntry;
    private bool _compileSeen;

    public ModelSpec Spec() => new(_input, _layers.ToEquatableArray(), _compile);

    public ModelSourceMap Map() => new(modelLocation, _inputLocation, _layerEntries.ToEquatableArray(), _compileEntry);

    public EquatableArray<DiagnosticInfo> Diagnostics() => _diagnostics.ToEquatableArray();

    public void Report(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, location, arguments));

    /// <summary>Adds one of the model's attributes. <paramref name="checkOrder"/> is false when the attributes are split
    /// over several declarations (MG0012 already), where "written after" means nothing.</summary>
    public void Add(AppliedAttribute attribute, bool checkOrder, CancellationToken cancellationToken)
    {
        switch (attribute.ClassName)
        {
            case AttributeTable.Model:
                return;
            case AttributeTable.Input:
                AddInput(attribute, checkOrder, cancellationToken);
                return;
            case AttributeTable.Compile:
                AddCompile(attribute, cancellationToken);
                return;
            default:
                if (AttributeTable.Layers.TryGetValue(attribute.ClassName, out LayerMapping? layer))
                {
                    AddLayer(attribute, layer, cancellationToken);
                }

                return;
        }
    }

    private void AddInput(AppliedAttribute attribute, bool checkOrder, CancellationToken cancellationToken)
    {
        LocationInfo location = attribute.Location;
        if (_inputSeen)
        {
            Report(DiagnosticDescriptors.BadStructure, location, "[Input] is written more than once: a model has one input shape");
            return;
        }

        _inputSeen = true;
        _inputLocation = location;
        if (checkOrder && _layers.Count > 0)
        {
            Report(DiagnosticDescriptors.BadStructure, location, "[Input] must be written before the first layer attribute");
        }

        AttributeArguments arguments = ArgumentsOf(attribute, cancellationToken);
        InputSpec input = AttributeTable.ReadInput(arguments);
        if (IsReadable(arguments, location))
        {
            _input = input;
        }
    }

    private void AddCompile(AppliedAttribute attribute, CancellationToken cancellationToken)
    {
        LocationInfo location = attribute.Location;
        if (_compileSeen)
        {
            Report(DiagnosticDescriptors.BadStructure, location, "[Compile] is written more than once: a model is compiled once");
            return;
        }

        _compileSeen = true;
        AttributeArguments arguments = ArgumentsOf(attribute, cancellationToken);
        CompileSpec compile = AttributeTable.ReadCompile(arguments);
        if (IsReadable(arguments, location))
        {
            _compile = compile;
            _compileEntry = EntryOf(location, arguments);
        }
    }

    private void AddLayer(AppliedAttribute attribute, LayerMapping mapping, CancellationToken cancellationToken)
    {
        LocationInfo location = attribute.Location;
        AttributeArguments arguments = ArgumentsOf(attribute, cancellationToken);
        LayerSpec layer = mapping.Read(arguments) with { Name = arguments.String("Name", null) };
        if (IsReadable(arguments, location))
        {
            _layers.Add(layer);
            _layerEntries.Add(EntryOf(location, arguments));
        }
    }

    private static AttributeArguments ArgumentsOf(AppliedAttribute attribute, CancellationToken cancellationToken) =>
        AttributeArguments.From(attribute.Data, attribute.ShortName, attribute.Reference.GetSyntax(cancellationToken) as AttributeSyntax);

    /// <summary>Reports what is wrong with the arguments (MG0003) and tells whether the attribute could be read at all.
    /// An unreadable attribute is left out of the model; the C# compiler has already said why, and the MG0003 here keeps
    /// the model from being generated. A value that was read but names nothing leaves the layer in, with the default.</summary>
    private bool IsReadable(AttributeArguments arguments, LocationInfo location)
    {
        if (arguments.IsUnreadable)
        {
            Report(
                DiagnosticDescriptors.BadArgument,
                location,
                $"Cannot read the arguments of [{arguments.ShortName}]: fix the C# errors on this attribute");
            return false;
        }

        foreach (string problem in arguments.Problems)
        {
            Report(DiagnosticDescriptors.BadArgument, location, problem);
        }

        return true;
    }

    /// <summary>Where each written argument is, by its snake_case key. Attribute diagnostics point at the whole
    /// attribute, so every key has the attribute's location.</summary>
    private static SourceEntry EntryOf(LocationInfo location, AttributeArguments arguments) =>
        new(location, arguments.WrittenNames.Select(name => new KeyLocation(AttributeTable.KeyOf(name), location)).ToEquatableArray());
}
