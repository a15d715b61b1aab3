using System.Threading;
using ModelGen.Generator;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Emitters;
using ModelGen.Generator.Planning;
using ModelGen.Generator.Validation;
using Xunit;
using ModelGen.Generator.Diagnostics;

namespace ModelGen.Tests;

public class ScratchTests
{
    [Fact]
    public void Scratch()
    {
        var spec = new ModelSpec(
            new InputSpec(EquatableArray.Create(2)),
            EquatableArray.Create<LayerSpec>(
                new DenseSpec(50, ActivationKind.Relu, true, InitializerKind.HeUniform, InitializerKind.Zeros),
                new BatchNormalizationSpec(0.99, 1e-3, true, true),
                new DenseSpec(1, ActivationKind.Sigmoid, true, InitializerKind.GlorotUniform, InitializerKind.Zeros)),
            null);
        var def = new ModelDefinition(ModelOrigin.ModelFile, new TypeIdentity("Samples.Circles", "BnAfterRelu", EquatableArray<string>.Empty, "public"), "Models/BnAfterRelu.model", spec,
            new ModelSourceMap(null, null, EquatableArray<SourceEntry>.Empty, null), EquatableArray<DiagnosticInfo>.Empty);
        var diags = ModelValidator.Validate(def, EquatableArray<ModelTypeEntry>.Empty);
        var plan = ModelPlanner.Plan(def, false, CancellationToken.None);
        var src = CpuEmitter.Emit(plan, CancellationToken.None);
        System.IO.File.WriteAllText("/tmp/scratch/out.cs", string.Join("\n", diags) + "\n" + src[0].Text);
    }
}
