using System.Threading;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;

namespace ModelGen.Generator.Emitters;

/// <summary>
/// Emits the CPU backend of a model: <c>{Namespace}.{Type}.g.cs</c> with the constants and <c>Summary</c> of SPEC §3.
/// The file opens with the summary table as a comment so that a reader sees the model before its code.
/// </summary>
internal static class CpuEmitter
{
    public const string GeneratedCodeAttribute = "[global::System.CodeDom.Compiler.GeneratedCode(\"ModelGen\", \"{0}\")]";

    public static EquatableArray<GeneratedSource> Emit(ModelPlan plan, CancellationToken cancellationToken)
    {
        var writer = new SourceWriter();
        TypeScaffold.Open(writer, plan, "the CPU backend");
        WriteConstants(writer, plan);
        TypeScaffold.Close(writer, plan);
        return EquatableArray.Create(new GeneratedSource(TypeScaffold.HintName(plan.Type, string.Empty), writer.ToString()));
    }

    private static void WriteConstants(SourceWriter writer, ModelPlan plan)
    {
        string generated = string.Format(System.Globalization.CultureInfo.InvariantCulture, GeneratedCodeAttribute, SourceWriter.Version);

        writer.Line($"/// <summary>Values per input sample: the input shape {plan.InputShape} flattened, row-major.</summary>");
        writer.Line(generated);
        writer.Line($"public const int InputSize = {plan.InputSize};");
        writer.Line();
        writer.Line($"/// <summary>Values per output sample: the output shape {plan.OutputShape} flattened.</summary>");
        writer.Line(generated);
        writer.Line($"public const int OutputSize = {plan.OutputSize};");
        writer.Line();
        writer.Line("/// <summary>Parameters that training updates (Keras's \"Trainable params\").</summary>");
        writer.Line(generated);
        writer.Line($"public const int TrainableParameterCount = {SourceWriter.Literal(plan.TrainableParameters)};");
        writer.Line();
        writer.Line("/// <summary>Parameters that gradients do not update: BatchNormalization's moving means and variances.</summary>");
        writer.Line(generated);
        writer.Line($"public const int NonTrainableParameterCount = {SourceWriter.Literal(plan.NonTrainableParameters)};");
        writer.Line();
        writer.Line("/// <summary>The Keras-like summary of the model: layers, output shapes, parameters, and the fused kernels that run them.</summary>");
        writer.Line(generated);
        writer.Line("public static string Summary =>");
        string[] lines = plan.Summary.TrimEnd('\n').Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            writer.Line("    " + SourceWriter.Literal(lines[i] + "\n") + (i == lines.Length - 1 ? ";" : " +"));
        }

        writer.Line();
        writer.Line("int global::ModelGen.IModel.InputSize => InputSize;");
        writer.Line();
        writer.Line("int global::ModelGen.IModel.OutputSize => OutputSize;");
        writer.Line();
        writer.Line("string global::ModelGen.IModel.Summary => Summary;");
    }
}
