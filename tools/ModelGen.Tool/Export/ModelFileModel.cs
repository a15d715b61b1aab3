using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Diagnostics;
using ModelGen.Generator.FrontEnds.ModelFiles;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Validation;

namespace ModelGen.Tool.Export;

/// <summary>A <c>.model</c> file read by the generator's own front end, validator and planner, so that <c>export</c> sees
/// exactly the model the generated class computes (resolved names, shapes, Keras defaults).</summary>
internal sealed class ModelFileModel
{
    private ModelFileModel(ModelPlan plan) => Plan = plan;

    /// <summary>The plan the generator would emit the class from.</summary>
    public ModelPlan Plan { get; }

    /// <summary>The layers as the generated class's <c>Layers</c> lists them (the emitter's rule: each layer's Keras class
    /// and its planned tensors).</summary>
    public IReadOnlyList<LayerInfo> Layers => Plan.Layers.Select(layer => new LayerInfo(
        layer.Name,
        Names.KerasClassOf(layer.Spec.Kind),
        Plan.Tensors.Where(t => t.Layer == layer.Index)
            .Select(t => new WeightInfo(t.KerasName[(t.KerasName.LastIndexOf('/') + 1)..], t.Trainable, t.Shape.ToArray()))
            .ToArray())).ToArray();

    /// <summary>Reads and plans <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file has errors; the message lists them as the build would.</exception>
    public static ModelFileModel Read(string path)
    {
        string text = File.ReadAllText(path);
        var options = new ProjectOptions(string.Empty, Path.GetDirectoryName(Path.GetFullPath(path)) ?? string.Empty);
        ModelDefinition definition = ModelFileParser.Parse(path, SourceText.From(text), options, CancellationToken.None);
        EquatableArray<DiagnosticInfo> diagnostics = ModelValidator.Validate(definition, EquatableArray<ModelTypeEntry>.Empty);
        DiagnosticInfo[] errors = diagnostics.Where(d => d.IsError).ToArray();
        if (errors.Length > 0)
        {
            throw new InvalidDataException(string.Join(Environment.NewLine, errors.Select(e => e.ToDiagnostic().ToString())));
        }

        return new ModelFileModel(ModelPlanner.Plan(definition, referencesIlgpu: false, CancellationToken.None));
    }
}
