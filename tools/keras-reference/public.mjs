// For every Keras file in tests/ModelGen.Tests/Keras/Fixtures/Public/ (legacy HDF5 full model or
// weights-only file with a sibling <stem>.json, Keras 3 .keras zip, Keras 2.13 .keras zip), read
// architecture and weights independently (h5wasm + fflate), rebuild the model in TensorFlow.js Layers,
// predict on a fixed seeded batch and write <file>.expected.json beside it.
// Run: node public.mjs [dir]
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tf, init, fmtArr, prng, uniform, prod, writeJson, openH5Bytes } from "./lib.mjs";
import { readLegacyH5, unzipKeras, keras3Groups } from "./keras_formats.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIR = path.resolve(process.argv[2] ?? path.join(HERE, "../../tests/ModelGen.Tests/Keras/Fixtures/Public"));
const BATCH = 4, SEED = 20240607, NONE_DIM = 4, MAX_WEIGHTS = 20000;

class Unsupported extends Error {}

// ---------------------------------------------------------------- config normalisation
const KEEP = {
  Dense: ["units", "activation", "use_bias"],
  BatchNormalization: ["axis", "momentum", "epsilon", "center", "scale"],
  Activation: ["activation"],
  Dropout: ["rate"],
  SpatialDropout1D: ["rate"], SpatialDropout2D: ["rate"],
  Conv1D: ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias"],
  Conv2D: ["filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "use_bias"],
  MaxPooling1D: ["pool_size", "strides", "padding"], AveragePooling1D: ["pool_size", "strides", "padding"],
  MaxPooling2D: ["pool_size", "strides", "padding", "data_format"], AveragePooling2D: ["pool_size", "strides", "padding", "data_format"],
  GlobalAveragePooling1D: [], GlobalMaxPooling1D: [], GlobalAveragePooling2D: ["data_format"], GlobalMaxPooling2D: ["data_format"],
  Flatten: [],
  Reshape: ["target_shape"],
  LSTM: ["units", "activation", "recurrent_activation", "use_bias", "return_sequences", "go_backwards", "unroll"],
  GRU: ["units", "activation", "recurrent_activation", "use_bias", "return_sequences", "go_backwards", "unroll", "reset_after"],
  SimpleRNN: ["units", "activation", "use_bias", "return_sequences", "go_backwards", "unroll"],
  LeakyReLU: ["alpha"], ReLU: ["max_value"], ELU: ["alpha"], Softmax: ["axis"],
  Embedding: ["input_dim", "output_dim"],
};
const ALIASES = { Convolution2D: "Conv2D", Convolution1D: "Conv1D", MaxPool2D: "MaxPooling2D", AvgPool2D: "AveragePooling2D" };

function activationName(a, keras3) {
  if (a && typeof a === "object") a = a.config?.name ?? a.class_name; // serialized function
  if (a === "silu" || a === "swish") return "swish";
  if (a === "hard_sigmoid" && keras3) throw new Unsupported("activation hard_sigmoid of Keras 3 (relu6(x+3)/6) differs from tfjs's Keras 2 hard_sigmoid");
  const known = ["linear", "relu", "relu6", "tanh", "sigmoid", "softmax", "elu", "selu", "softplus", "softsign", "hard_sigmoid", "gelu", "mish"];
  if (!known.includes(a)) throw new Unsupported(`activation '${a}' not available in tfjs-layers`);
  return a;
}

/** Layers of a Sequential model or of a single-chain functional model, in order, InputLayer separated. */
function chainLayers(modelConfig) {
  const cls = modelConfig.class_name;
  let cfg = modelConfig.config;
  if (cls === "Sequential") {
    const layers = Array.isArray(cfg) ? cfg : cfg.layers; // Keras <= 2.2 wrote the list directly
    return { layers, name: cfg.name ?? "sequential", buildShape: cfg.build_input_shape ?? null };
  }
  if (cls === "Model" || cls === "Functional") {
    const layers = cfg.layers;
    const inboundOf = (l) => {
      const nodes = l.inbound_nodes ?? [];
      if (nodes.length === 0) return [];
      if (nodes.length > 1) throw new Unsupported(`layer ${l.name ?? l.config.name} is called more than once`);
      const n = nodes[0];
      if (Array.isArray(n)) return n.map((e) => e[0]); // Keras 2: [[name, node, tensor, kwargs], ...]
      const args = n.args ?? [];
      const hist = [];
      const walk = (a) => { if (a && typeof a === "object") { if (a.class_name === "__keras_tensor__") hist.push(a.config.keras_history[0]); else Object.values(a).forEach(walk); } };
      walk(args);
      return hist;
    };
    for (let i = 1; i < layers.length; i++) {
      const inb = inboundOf(layers[i]);
      const prev = layers[i - 1].name ?? layers[i - 1].config.name;
      if (inb.length !== 1 || inb[0] !== prev) throw new Unsupported(`functional graph is not a single chain at layer ${layers[i].name ?? layers[i].config.name}`);
    }
    if ((cfg.input_layers ?? []).length > 1 || (cfg.output_layers ?? []).length > 1) throw new Unsupported("more than one input or output");
    return { layers, name: cfg.name ?? "model", buildShape: null };
  }
  throw new Unsupported(`model class ${cls}`);
}

function toTfjsConfig(modelConfig, keras3) {
  const { layers, name } = chainLayers(modelConfig);
  let batchShape = null;
  const out = [];
  const srcLayers = [];
  for (const l of layers) {
    const c = l.config;
    if (l.class_name === "InputLayer") { batchShape = c.batch_shape ?? c.batch_input_shape ?? c.batchInputShape; continue; }
    const cls = ALIASES[l.class_name] ?? l.class_name;
    if (!(cls in KEEP)) throw new Unsupported(`layer class ${l.class_name} (${c.name})`);
    if (!batchShape && out.length === 0) batchShape = c.batch_input_shape ?? c.batch_shape ?? (c.input_shape ? [null, ...c.input_shape] : null) ?? (c.input_dim ? [null, c.input_dim] : null);
    const nc = { name: c.name ?? l.name };
    for (const k of KEEP[cls]) if (c[k] !== undefined && c[k] !== null) nc[k] = c[k];
    // renamed / changed arguments across Keras versions
    if (cls === "LeakyReLU" && c.negative_slope !== undefined) nc.alpha = c.negative_slope;
    if (cls === "Dense" && c.output_dim !== undefined && nc.units === undefined) nc.units = c.output_dim; // Keras 1
    if (cls === "Dropout" && c.p !== undefined) nc.rate = c.p;
    if (cls === "ReLU" && (c.negative_slope || c.threshold)) throw new Unsupported(`ReLU ${c.name} with negative_slope/threshold`);
    for (const k of ["activation", "recurrent_activation"]) if (nc[k] !== undefined) nc[k] = activationName(nc[k], keras3);
    if (c.data_format && c.data_format !== "channels_last") throw new Unsupported(`${c.name}: data_format ${c.data_format}`);
    if (cls === "GRU" && nc.reset_after) throw new Unsupported(`GRU ${c.name}: reset_after=true has no tfjs implementation`);
    if ((c.dropout ?? 0) > 0 || (c.recurrent_dropout ?? 0) > 0) { /* inference: no effect */ }
    if (cls === "BatchNormalization") {
      let ax = Array.isArray(nc.axis) ? (nc.axis.length === 1 ? nc.axis[0] : null) : nc.axis;
      if (ax === null) throw new Unsupported(`${c.name}: BN over several axes`);
      nc.axis = ax; // positive axes are checked after shape inference below
    }
    out.push({ class_name: cls, config: nc });
    srcLayers.push(l);
  }
  if (!batchShape) throw new Unsupported("no input shape in the config");
  batchShape = batchShape.map((d, i) => (i === 0 ? null : d ?? NONE_DIM));
  out[0].config.batch_input_shape = batchShape;
  return { topology: { class_name: "Sequential", config: { name, layers: out } }, batchShape, srcLayers };
}

// ---------------------------------------------------------------- weights
function isHdf5(b) { return b[0] === 0x89 && b[1] === 0x48 && b[2] === 0x44 && b[3] === 0x46; }
function isZip(b) { return b[0] === 0x50 && b[1] === 0x4b; }

/** Returns {modelConfig, keras3, kerasVersion, format, weightsFor(layerIndex, layerName, className, nExpected)} */
function readSource(file) {
  const bytes = new Uint8Array(fs.readFileSync(file));
  if (isHdf5(bytes)) {
    const h5 = readLegacyH5(bytes);
    let modelConfig = h5.modelConfig, format = "legacy-hdf5-full-model";
    if (!modelConfig) {
      const side = file.replace(/\.[^.]+$/, ".json");
      if (!fs.existsSync(side)) throw new Unsupported("HDF5 file without model_config and no sibling .json config");
      modelConfig = JSON.parse(fs.readFileSync(side, "utf8"));
      format = "legacy-hdf5-weights + json config";
    }
    const withW = h5.layers.filter((l) => l.weightNames.length);
    const byName = new Map(withW.map((l) => [l.name, l]));
    let next = 0;
    return {
      modelConfig, keras3: false, kerasVersion: h5.kerasVersion, format,
      weightsFor: (i, name, cls, n) => {
        if (!n) return byName.has(name) ? byName.get(name).weights : [];
        const l = byName.get(name) ?? withW[next]; // by layer name, else by order (Keras's topological loading)
        next++;
        return l ? l.weights : null;
      },
    };
  }
  if (isZip(bytes)) {
    const kz = unzipKeras(bytes);
    const keras3 = !String(kz.metadata?.keras_version ?? "3").startsWith("2.");
    const [f, close] = openH5Bytes(kz.weightsH5);
    const readVars = (p) => {
      const g = f.get(`${p}/vars`);
      if (!g) return null;
      return g.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => a - b).map((k) => { const d = g.get(k); return { name: `${p}/vars/${k}`, shape: d.shape, data: Float32Array.from(d.value, Number) }; });
    };
    let weightsFor;
    if (f.get("layers")) {
      const { layers } = chainLayers(kz.config);
      const real = layers.filter((l) => l.class_name !== "InputLayer");
      const groups = keras3Groups(real.map((l) => l.class_name));
      weightsFor = (i) => readVars(`${groups[i]}/cell`) ?? readVars(groups[i]);
      weightsFor.format = "keras3-zip (layers/<snake_case class>[_n]/vars)";
    } else if (f.get("_layer_checkpoint_dependencies")) {
      // Keras 2.13 .keras: groups named after tracked layers; take the ones with variables in name order
      const root = f.get("_layer_checkpoint_dependencies");
      const natural = (a, b) => { const s = (x) => { const m = x.match(/^(.*?)(?:_(\d+))?$/); return [m[1], Number(m[2] ?? 0)]; }; const [pa, na] = s(a), [pb, nb] = s(b); return pa < pb ? -1 : pa > pb ? 1 : na - nb; };
      const names = root.keys().sort(natural);
      const withVars = names.map((n) => readVars(`_layer_checkpoint_dependencies/${n}`)).filter((v) => v && v.length);
      let next = 0;
      weightsFor = (i, name, cls, n) => (n ? withVars[next++] ?? null : []);
      weightsFor.format = "keras-2.13-zip (_layer_checkpoint_dependencies, matched by order)";
    } else throw new Unsupported("zip without layers/ or _layer_checkpoint_dependencies/ in model.weights.h5");
    return { modelConfig: kz.config, keras3, kerasVersion: kz.metadata?.keras_version ?? null, format: weightsFor.format, weightsFor, close };
  }
  throw new Unsupported("neither HDF5 nor zip");
}

async function processFile(file) {
  const src = readSource(file);
  try {
    const { topology, batchShape, srcLayers } = toTfjsConfig(src.modelConfig, src.keras3);
    const model = await tf.models.modelFromJSON({ modelTopology: topology });
    const names = [], shapes = [], values = [];
    model.layers.forEach((layer, i) => {
      const n = layer.weights.length;
      let ws = src.weightsFor(i, layer.name, srcLayers[i].class_name, n) ?? [];
      if (n === 0) { if (ws.length) throw new Unsupported(`${layer.name}: file has weights for a weightless layer`); return; }
      if (ws.length !== n) throw new Unsupported(`${layer.name}: expected ${n} weights, file has ${ws.length}`);
      const tensors = ws.map((w, j) => {
        const want = layer.weights[j].shape;
        if (prod(want) !== w.data.length || want.length !== w.shape.length || want.some((d, k) => d !== w.shape[k])) throw new Unsupported(`${layer.name}: weight ${j} shape ${JSON.stringify(w.shape)} vs expected ${JSON.stringify(want)}`);
        names.push(w.name); shapes.push(w.shape); values.push(fmtArr(w.data));
        return tf.tensor(w.data, want, "float32");
      });
      layer.setWeights(tensors);
    });
    const inShape = batchShape.slice(1);
    const rng = prng(SEED);
    const x = uniform(rng, BATCH * prod(inShape), -2, 2);
    const yT = model.predict(tf.tensor(x, [BATCH, ...inShape]));
    const y = yT.dataSync();
    if (![...y].every(Number.isFinite)) throw new Error("non-finite outputs");
    const out = {
      file: path.basename(file), format: src.format, keras_version: src.kerasVersion,
      input_shape: inShape, batch: BATCH, output_shape: yT.shape.slice(1),
      x: fmtArr(x), y: fmtArr(y),
      layer_names: model.layers.map((l) => l.name),
      layer_classes: srcLayers.map((l) => l.class_name),
      weight_names: names, weight_shapes: shapes,
      // large models: the weights stay in the Keras file only (keeps the fixture folder small)
      weights: values.reduce((a, v) => a + v.length, 0) <= MAX_WEIGHTS ? values : null,
    };
    writeJson(`${file}.expected.json`, out);
    model.dispose();
    return `${model.layers.length} layers, ${values.reduce((a, v) => a + v.length, 0)} weights, output ${JSON.stringify(out.output_shape)}`;
  } finally {
    src.close?.();
  }
}

await init();
if (!fs.existsSync(DIR)) { console.log(`no folder ${DIR}`); process.exit(0); }
const files = fs.readdirSync(DIR).filter((f) => /\.(h5|hdf5|keras)$/i.test(f)).sort();
let ok = 0;
for (const f of files) {
  const p = path.join(DIR, f);
  try {
    console.log(`OK    ${f}: ${await processFile(p)}`);
    ok++;
  } catch (e) {
    const stale = `${p}.expected.json`;
    if (fs.existsSync(stale)) fs.unlinkSync(stale);
    console.log(`SKIP  ${f}: ${e instanceof Unsupported ? "" : "error: "}${e.message}`);
  }
}
console.log(`${ok}/${files.length} files handled in ${DIR}`);
