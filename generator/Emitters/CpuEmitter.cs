using System.Globalization;
using System.Threading;
using ModelGen.Generator.Common;
using ModelGen.Generator.Description;
using ModelGen.Generator.Planning;

namespace ModelGen.Generator.Emitters;

/// <summary>
/// Emits the CPU backend of a model, <c>{Namespace}.{Type}.g.cs</c>: the constants and <c>Summary</c> of SPEC §3 for
/// every model; for models whose layers all have CPU kernels, storage and initialization (<c>.Storage</c>),
/// <c>Predict</c> (<c>.Inference</c>), and with <c>compile</c>, training (<c>.Training</c>). The file opens with the
/// summary table as a comment so that a reader sees the model before its code.
/// </summary>
internal static partial class CpuEmitter
{
    public const string GeneratedCodeAttribute = "[global::System.CodeDom.Compiler.GeneratedCode(\"ModelGen\", \"{0}\")]";

    private static string Generated => string.Format(CultureInfo.InvariantCulture, GeneratedCodeAttribute, SourceWriter.Version);

    public static EquatableArray<GeneratedSource> Emit(ModelPlan plan, CancellationToken cancellationToken)
    {
        var writer = new SourceWriter();
        string interfaces = plan.Compile is null ? " : global::ModelGen.IModel" : " : global::ModelGen.ITrainableModel, global::ModelGen.CompilerServices.ITrainingStep";
        TypeScaffold.Open(writer, plan, "the CPU backend", plan.Summary, interfaces);
        WriteConstants(writer, plan);
        var layout = new CpuLayout(plan);
        cancellationToken.ThrowIfCancellationRequested();
        WriteStorage(writer, plan, layout);
        WriteWeightsApi(writer, plan);
        WriteFolding(writer, plan, layout);
        WriteOnnxExport(writer, plan, layout);
        cancellationToken.ThrowIfCancellationRequested();
        WriteInference(writer, plan, layout);
        if (plan.Compile is not null)
        {
            cancellationToken.ThrowIfCancellationRequested();
            WriteTraining(writer, plan, layout);
        }

        TypeScaffold.Close(writer, plan);
        return EquatableArray.Create(new GeneratedSource(TypeScaffold.HintName(plan.Type, string.Empty), writer.ToString()));
    }

    private static void WriteConstants(SourceWriter writer, ModelPlan plan)
    {
        Member(writer, $"Values per input sample: the input shape {plan.InputShape} flattened, row-major.", $"public const int InputSize = {plan.InputSize};");
        Member(writer, $"Values per output sample: the output shape {plan.OutputShape} flattened.", $"public const int OutputSize = {plan.OutputSize};");
        Member(writer, "Parameters that training updates (Keras's \"Trainable params\").", $"public const int TrainableParameterCount = {SourceWriter.Literal(plan.TrainableParameters)};");
        Member(writer, "Parameters that gradients do not update: BatchNormalization's moving means and variances.", $"public const int NonTrainableParameterCount = {SourceWriter.Literal(plan.NonTrainableParameters)};");

        writer.Line("/// <summary>The Keras-like summary of the model: layers, output shapes, parameters, and the fused kernels that run them.</summary>");
        writer.Line(Generated);
        writer.Line("public static string Summary =>");
        string[] lines = plan.Summary.TrimEnd('\n').Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            writer.Line("    " + SourceWriter.Literal(lines[i] + "\n") + (i == lines.Length - 1 ? ";" : " +"));
        }

        writer.Line();
        WriteLayers(writer, plan);
        writer.Line("int global::ModelGen.IModel.InputSize => InputSize;");
        writer.Line();
        writer.Line("int global::ModelGen.IModel.OutputSize => OutputSize;");
        writer.Line();
        writer.Line("string global::ModelGen.IModel.Summary => Summary;");
        writer.Line();
        writer.Line("global::System.Collections.Generic.IReadOnlyList<global::ModelGen.LayerInfo> global::ModelGen.IModel.Layers => Layers;");
        writer.Line();
    }

    /// <summary>The static <c>Layers</c> list: each layer's name, Keras class and weight tensors with their shapes.</summary>
    private static void WriteLayers(SourceWriter writer, ModelPlan plan)
    {
        writer.Line("/// <summary>The layers in order, as Keras's <c>model.layers</c>: names, Keras classes and weight tensors with their shapes.</summary>");
        writer.Line(Generated);
        writer.Line("public static global::System.Collections.Generic.IReadOnlyList<global::ModelGen.LayerInfo> Layers { get; } = global::System.Array.AsReadOnly(new global::ModelGen.LayerInfo[]");
        writer.Line("{");
        foreach (LayerPlan layer in plan.Layers)
        {
            var line = new System.Text.StringBuilder();
            line.Append("    new global::ModelGen.LayerInfo(").Append(SourceWriter.Literal(layer.Name)).Append(", ")
                .Append(SourceWriter.Literal(Names.KerasClassOf(layer.Spec.Kind)));
            foreach (TensorPlan tensor in plan.Tensors)
            {
                if (tensor.Layer != layer.Index)
                {
                    continue;
                }

                string variable = tensor.KerasName.Substring(tensor.KerasName.LastIndexOf('/') + 1);
                line.Append(", new global::ModelGen.WeightInfo(").Append(SourceWriter.Literal(variable)).Append(", ")
                    .Append(tensor.Trainable ? "true" : "false");
                foreach (int dimension in tensor.Shape)
                {
                    line.Append(", ").Append(Int(dimension));
                }

                line.Append(')');
            }

            writer.Line(line.Append("),").ToString());
        }

        writer.Line("});");
        writer.Line();
    }

    /// <summary>A documented, attributed member followed by a blank line.</summary>
    private static void Member(SourceWriter writer, string summary, params string[] lines)
    {
        writer.Line($"/// <summary>{SourceWriter.Xml(summary)}</summary>");
        writer.Line(Generated);
        foreach (string line in lines)
        {
            writer.Line(line);
        }

        writer.Line();
    }

    private static string F(double value) => SourceWriter.Literal((float)value);

    private static string Int(long value) => CpuLayout.Int(value);

    private static string ActivationName(ActivationKind kind) => "global::ModelGen.Activation." + kind;
}
