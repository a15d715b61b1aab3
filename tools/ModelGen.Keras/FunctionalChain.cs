using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using static ModelGen.Keras.KerasJson;

namespace ModelGen.Keras;

/// <summary>
/// A functional model's layers in the order data flows through them, when its graph is a single chain: one input,
/// one output, every layer called once on the previous layer's output, and every layer on the path. Reads the
/// <c>inbound_nodes</c> of Keras 1/2 and TensorFlow.js (<c>[[["dense", 0, 0, {}]]]</c>) and of Keras 3
/// (<c>[{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": ["dense", 0, 0]}}]}]</c>).
/// </summary>
internal static class FunctionalChain
{
    /// <summary>The layers in chain order, or none with a problem added for each way the graph is not a chain.</summary>
    public static IReadOnlyList<JsonElement> Order(JsonElement config, JsonElement layers, string model, string modelClass, List<KerasProblem> problems)
    {
        var byName = new Dictionary<string, JsonElement>();
        var inbound = new Dictionary<string, List<string>>();
        foreach (JsonElement layer in layers.EnumerateArray())
        {
            string className = Text(layer, "class_name") ?? "?";
            string? name = Text(layer, "name") ?? (layer.TryGetProperty("config", out JsonElement c) ? Text(c, "name") : null);
            if (name is null || !byName.TryAdd(name, layer))
            {
                problems.Add(new KerasProblem(name ?? "?", className, name is null ? "a layer without a name" : "two layers with this name"));
                continue;
            }

            JsonElement nodes = layer.TryGetProperty("inbound_nodes", out JsonElement n) ? n : default;
            int calls = nodes.ValueKind == JsonValueKind.Array ? nodes.GetArrayLength() : 0;
            if (calls > 1)
            {
                problems.Add(new KerasProblem(name, className, $"the layer is called {calls} times (shared weights); ModelGen imports a single chain"));
                continue;
            }

            List<string> sources = calls == 0 ? new() : Sources(nodes[0]);
            if (sources.Count > 1)
            {
                problems.Add(new KerasProblem(name, className, $"the layer merges {sources.Count} inputs ({string.Join(", ", sources)}); ModelGen imports a single chain (graphs: SPEC §8)"));
            }

            inbound[name] = sources;
        }

        List<string> inputs = Endpoints(config, "input_layers");
        List<string> outputs = Endpoints(config, "output_layers");
        if (inputs.Count != 1 || outputs.Count != 1)
        {
            problems.Add(new KerasProblem(model, modelClass, $"the model has {inputs.Count} inputs and {outputs.Count} outputs; ModelGen imports one input and one output"));
        }

        if (problems.Count > 0)
        {
            return [];
        }

        var consumers = inbound.SelectMany(p => p.Value.Select(source => (Source: source, Layer: p.Key))).ToLookup(p => p.Source, p => p.Layer);
        var chain = new List<JsonElement>();
        string current = inputs[0];
        while (true)
        {
            if (!byName.TryGetValue(current, out JsonElement layer))
            {
                problems.Add(new KerasProblem(model, modelClass, $"the graph names a layer '{current}' it does not define"));
                return [];
            }

            chain.Add(layer);
            if (current == outputs[0])
            {
                break;
            }

            string[] next = consumers[current].ToArray();
            if (next.Length != 1)
            {
                problems.Add(new KerasProblem(current, Text(layer, "class_name") ?? "?", next.Length == 0
                    ? "the chain ends here, before the model's output"
                    : $"the layer's output feeds {next.Length} layers ({string.Join(", ", next)}): a branch; ModelGen imports a single chain (graphs: SPEC §8)"));
                return [];
            }

            if (chain.Count > byName.Count)
            {
                problems.Add(new KerasProblem(model, modelClass, "the graph has a cycle"));
                return [];
            }

            current = next[0];
        }

        if (chain.Count != byName.Count)
        {
            string unused = string.Join(", ", byName.Keys.Except(chain.Select(l => Text(l, "name") ?? Text(l.GetProperty("config"), "name") ?? "?")));
            problems.Add(new KerasProblem(model, modelClass, $"layers off the input-to-output chain ({unused}): ModelGen imports a single chain"));
            return [];
        }

        return chain;
    }

    /// <summary>The layers a node reads: Keras 1/2 <c>[["dense", 0, 0, {}], …]</c>, Keras 3 <c>{"args": [tensor, …]}</c>.</summary>
    private static List<string> Sources(JsonElement node)
    {
        var sources = new List<string>();
        if (node.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement tensor in node.EnumerateArray())
            {
                if (tensor.ValueKind == JsonValueKind.Array && tensor.GetArrayLength() > 0 && tensor[0].ValueKind == JsonValueKind.String)
                {
                    sources.Add(tensor[0].GetString()!);
                }
            }
        }
        else if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty("args", out JsonElement args))
        {
            Collect(args, sources);
        }

        return sources;
    }

    /// <summary>Every <c>keras_history</c> below an element (Keras 3 nests tensors in lists for layers such as Add).</summary>
    private static void Collect(JsonElement element, List<string> sources)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    Collect(item, sources);
                }

                break;
            case JsonValueKind.Object:
                if (element.TryGetProperty("config", out JsonElement config) && config.ValueKind == JsonValueKind.Object
                    && config.TryGetProperty("keras_history", out JsonElement history) && history.ValueKind == JsonValueKind.Array
                    && history.GetArrayLength() > 0 && history[0].ValueKind == JsonValueKind.String)
                {
                    sources.Add(history[0].GetString()!);
                }

                break;
        }
    }

    /// <summary><c>input_layers</c>/<c>output_layers</c>: <c>[["name", 0, 0], …]</c>, or Keras 3's <c>["name", 0, 0]</c> for one.</summary>
    private static List<string> Endpoints(JsonElement config, string key)
    {
        var names = new List<string>();
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty(key, out JsonElement list) || list.ValueKind != JsonValueKind.Array)
        {
            return names;
        }

        if (list.GetArrayLength() > 0 && list[0].ValueKind == JsonValueKind.String)
        {
            names.Add(list[0].GetString()!);
            return names;
        }

        foreach (JsonElement item in list.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() > 0 && item[0].ValueKind == JsonValueKind.String)
            {
                names.Add(item[0].GetString()!);
            }
        }

        return names;
    }
}
