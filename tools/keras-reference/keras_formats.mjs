// Keras configuration dialects and file writers/readers, written for ModelGen's fixtures.
// Layouts follow Keras's saving code:
//   Keras 3 .keras : keras/src/saving/saving_lib.py (v3.8.0): zip of metadata.json, config.json,
//                    model.weights.h5 with <path>/vars/<i>; containers named by snake_case class + counter.
//   legacy .h5     : keras/saving/legacy/hdf5_format.py + saving_utils.model_metadata (Keras 2.15.0).
import fs from "node:fs";
import { zipSync, unzipSync } from "fflate";
import {
  toSnakeCase, attrStrings, attrBytes, attrStr, ensureGroup, writeF32, withH5File, openH5Bytes,
  attrValue, readStrListAttr, prod, f32,
} from "./lib.mjs";

export const KERAS3_VERSION = "3.8.0";
export const KERAS2_VERSION = "2.15.0";

export const CLASS = {
  dense: "Dense", bn: "BatchNormalization", activation: "Activation", dropout: "Dropout",
  conv2d: "Conv2D", maxpool2d: "MaxPooling2D", flatten: "Flatten", lstm: "LSTM", leaky_relu: "LeakyReLU",
  avgpool2d: "AveragePooling2D", maxpool1d: "MaxPooling1D", avgpool1d: "AveragePooling1D",
  gap1d: "GlobalAveragePooling1D", gmp1d: "GlobalMaxPooling1D", gap2d: "GlobalAveragePooling2D", gmp2d: "GlobalMaxPooling2D",
};

/** Keras's pooling configs (keras/src/layers/pooling/base_pooling.py, base_global_pooling.py; Keras 2's alike):
 * window pools serialize pool_size, padding, strides, data_format (1-D sizes as tuples of one); global pools
 * data_format and keepdims. */
function poolingConfig(spec) {
  switch (spec.kind) {
    case "avgpool2d":
      return { pool_size: spec.pool ?? [2, 2], padding: spec.padding ?? "valid", strides: spec.strides ?? spec.pool ?? [2, 2], data_format: "channels_last" };
    case "maxpool1d":
    case "avgpool1d":
      return { pool_size: [spec.pool ?? 2], padding: spec.padding ?? "valid", strides: [spec.strides ?? spec.pool ?? 2], data_format: "channels_last" };
    case "gap1d":
    case "gmp1d":
    case "gap2d":
    case "gmp2d":
      return { data_format: "channels_last", keepdims: false };
    default:
      return null;
  }
}

const k3Policy = () => ({ module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null });
const k3Init = (cls, config = {}) => ({ module: "keras.initializers", class_name: cls, config, registered_name: null });
const k2Init = (cls, config = {}) => ({ class_name: cls, config });
/** float32 value as Python prints float(np.float32(v)) */
const asF32 = (v) => f32(v);

/** Keras 3 activation name for our activation name. */
const k3Act = (a) => (a === "swish" ? "silu" : a);

// ---------------------------------------------------------------- Keras 3 (.keras) config
export function keras3LayerConfig(spec, inputShape) {
  const base = { name: spec.name, trainable: true, dtype: k3Policy() };
  let config;
  switch (spec.kind) {
    case "dense":
      config = {
        ...base, units: spec.units, activation: k3Act(spec.activation ?? "linear"), use_bias: spec.useBias ?? true,
        kernel_initializer: k3Init("GlorotUniform", { seed: null }), bias_initializer: k3Init("Zeros"),
        kernel_regularizer: null, bias_regularizer: null, kernel_constraint: null, bias_constraint: null,
      };
      break;
    case "bn":
      config = {
        ...base, axis: -1, momentum: spec.momentum ?? 0.99, epsilon: spec.epsilon ?? 0.001,
        center: spec.center ?? true, scale: spec.scale ?? true,
        beta_initializer: k3Init("Zeros"), gamma_initializer: k3Init("Ones"),
        moving_mean_initializer: k3Init("Zeros"), moving_variance_initializer: k3Init("Ones"),
        beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
        synchronized: false,
      };
      break;
    case "activation":
      config = { ...base, activation: k3Act(spec.activation) };
      break;
    case "leaky_relu":
      config = { ...base, negative_slope: spec.alpha ?? 0.3 };
      break;
    case "dropout":
      config = { ...base, rate: spec.rate, seed: null, noise_shape: null };
      break;
    case "conv2d":
      config = {
        ...base, filters: spec.filters, kernel_size: spec.kernel, strides: spec.strides ?? [1, 1],
        padding: spec.padding ?? "valid", data_format: "channels_last", dilation_rate: [1, 1], groups: 1,
        activation: k3Act(spec.activation ?? "linear"), use_bias: spec.useBias ?? true,
        kernel_initializer: k3Init("GlorotUniform", { seed: null }), bias_initializer: k3Init("Zeros"),
        kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, bias_constraint: null,
      };
      break;
    case "maxpool2d":
      config = { ...base, pool_size: spec.pool ?? [2, 2], padding: spec.padding ?? "valid", strides: spec.strides ?? spec.pool ?? [2, 2], data_format: "channels_last" };
      break;
    case "flatten":
      config = { ...base, data_format: "channels_last" };
      break;
    case "lstm":
      config = {
        ...base, return_sequences: spec.returnSequences ?? false, return_state: false, go_backwards: false,
        stateful: false, unroll: false, zero_output_for_mask: false,
        units: spec.units, activation: "tanh", recurrent_activation: "sigmoid", use_bias: true,
        kernel_initializer: k3Init("GlorotUniform", { seed: null }),
        recurrent_initializer: k3Init("OrthogonalInitializer", { gain: 1.0, seed: null }),
        bias_initializer: k3Init("Zeros"), unit_forget_bias: true,
        kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
        dropout: 0.0, recurrent_dropout: 0.0, seed: null,
      };
      break;
    default:
      if (!poolingConfig(spec)) throw new Error(`unknown kind ${spec.kind}`);
      config = { ...base, ...poolingConfig(spec) };
  }
  return {
    module: "keras.layers", class_name: CLASS[spec.kind], config, registered_name: null,
    build_config: { input_shape: inputShape },
  };
}

export function keras3CompileConfig(compile) {
  let optimizer;
  const common = (name, lr) => ({
    name, learning_rate: asF32(lr), weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null,
    use_ema: false, ema_momentum: 0.99, ema_overwrite_frequency: null, loss_scale_factor: null,
    gradient_accumulation_steps: null,
  });
  if (compile.optimizer === "sgd") {
    optimizer = { module: "keras.optimizers", class_name: "SGD", config: { ...common("SGD", compile.learningRate), momentum: compile.momentum ?? 0.0, nesterov: false }, registered_name: null };
  } else {
    optimizer = { module: "keras.optimizers", class_name: "Adam", config: { ...common("adam", compile.learningRate), beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false }, registered_name: null };
  }
  return {
    optimizer, loss: compile.loss, loss_weights: null, metrics: ["accuracy"], weighted_metrics: null,
    run_eagerly: false, steps_per_execution: 1, jit_compile: false,
  };
}

export function keras3ModelConfig(c, layerInputShapes) {
  const batchShape = [null, ...c.inputShape];
  const layers = [{
    module: "keras.layers", class_name: "InputLayer",
    config: { batch_shape: batchShape, dtype: "float32", sparse: false, name: "input_layer" }, registered_name: null,
  }];
  c.layers.forEach((s, i) => layers.push(keras3LayerConfig(s, layerInputShapes[i])));
  const out = {
    module: "keras", class_name: "Sequential",
    config: { name: c.modelName ?? "sequential", trainable: true, dtype: k3Policy(), layers, build_input_shape: batchShape },
    registered_name: null, build_config: { input_shape: batchShape },
  };
  if (c.compile) out.compile_config = keras3CompileConfig(c.compile);
  return out;
}

/**
 * Keras 3 weights file groups for a Sequential model: `layers/<snake_case class>[_n]`.
 * Returns [{group, cellGroup?, spec}] in layer order.
 */
export function keras3Groups(classNames) {
  const used = {};
  return classNames.map((cls) => {
    const base = toSnakeCase(cls);
    let name;
    if (base in used) { used[base] += 1; name = `${base}_${used[base]}`; } else { used[base] = 0; name = base; }
    return `layers/${name}`;
  });
}

const RNN_CELL = { LSTM: "lstm_cell", GRU: "gru_cell", SimpleRNN: "simple_rnn_cell" };

/** Write a Keras 3 .keras zip. layerWeights[i] = [{data, shape}] in Keras's variable order. */
export function writeKeras3(file, c, layerInputShapes, layerWeights, dateSaved) {
  const config = keras3ModelConfig(c, layerInputShapes);
  const metadata = { keras_version: KERAS3_VERSION, date_saved: dateSaved };
  const classes = c.layers.map((s) => CLASS[s.kind]);
  const groups = keras3Groups(classes);
  const h5 = withH5File(null, (f) => {
    // model's own (empty) variables: path "" -> group "vars"
    const root = f.create_group("vars");
    attrStr(root, "name", config.config.name);
    ensureGroup(f, "layers");
    c.layers.forEach((s, i) => {
      const cls = classes[i];
      const g = ensureGroup(f, groups[i]);
      const own = g.create_group("vars");
      attrStr(own, "name", s.name);
      let target = own;
      if (RNN_CELL[cls]) {
        // RNN layers own no variables; the cell (attribute `cell`) holds them.
        const cell = g.create_group("cell").create_group("vars");
        attrStr(cell, "name", RNN_CELL[cls]);
        target = cell;
      }
      layerWeights[i].forEach((w, j) => writeF32(target, String(j), w.data, w.shape));
    });
    if (c.compile) {
      const opt = ensureGroup(f, "optimizer").create_group("vars");
      attrStr(opt, "name", c.compile.optimizer === "sgd" ? "SGD" : "adam");
      // unbuilt optimizer: iteration (int64) and learning_rate (float32)
      opt.create_dataset({ name: "0", data: new BigInt64Array([0n]), shape: [], dtype: "<q" });
      opt.create_dataset({ name: "1", data: new Float32Array([c.compile.learningRate]), shape: [], dtype: "<f" });
    }
  });
  const enc = (s) => new TextEncoder().encode(s);
  const mtime = new Date("2025-01-01T00:00:00Z");
  const zip = zipSync({
    "metadata.json": [enc(JSON.stringify(metadata)), { level: 0, mtime }],
    "config.json": [enc(JSON.stringify(config)), { level: 0, mtime }],
    "model.weights.h5": [h5, { level: 0, mtime }],
  });
  fs.writeFileSync(file, zip);
  return config;
}

// ---------------------------------------------------------------- Keras 2 (legacy .h5) config
export function keras2LayerConfig(spec, rank) {
  const base = { name: spec.name, trainable: true, dtype: "float32" };
  let config;
  switch (spec.kind) {
    case "dense":
      config = {
        ...base, units: spec.units, activation: spec.activation ?? "linear", use_bias: spec.useBias ?? true,
        kernel_initializer: k2Init("GlorotUniform", { seed: null }), bias_initializer: k2Init("Zeros"),
        kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, bias_constraint: null,
      };
      break;
    case "bn":
      config = {
        ...base, axis: [rank - 1], momentum: spec.momentum ?? 0.99, epsilon: spec.epsilon ?? 0.001,
        center: spec.center ?? true, scale: spec.scale ?? true,
        beta_initializer: k2Init("Zeros"), gamma_initializer: k2Init("Ones"),
        moving_mean_initializer: k2Init("Zeros"), moving_variance_initializer: k2Init("Ones"),
        beta_regularizer: null, gamma_regularizer: null, beta_constraint: null, gamma_constraint: null,
      };
      break;
    case "activation":
      config = { ...base, activation: spec.activation };
      break;
    case "leaky_relu":
      config = { ...base, alpha: asF32(spec.alpha ?? 0.3) };
      break;
    case "dropout":
      config = { ...base, rate: spec.rate, noise_shape: null, seed: null };
      break;
    case "conv2d":
      config = {
        ...base, filters: spec.filters, kernel_size: spec.kernel, strides: spec.strides ?? [1, 1],
        padding: spec.padding ?? "valid", data_format: "channels_last", dilation_rate: [1, 1], groups: 1,
        activation: spec.activation ?? "linear", use_bias: spec.useBias ?? true,
        kernel_initializer: k2Init("GlorotUniform", { seed: null }), bias_initializer: k2Init("Zeros"),
        kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, bias_constraint: null,
      };
      break;
    case "maxpool2d":
      config = { ...base, pool_size: spec.pool ?? [2, 2], padding: spec.padding ?? "valid", strides: spec.strides ?? spec.pool ?? [2, 2], data_format: "channels_last" };
      break;
    case "flatten":
      config = { ...base, data_format: "channels_last" };
      break;
    case "lstm":
      config = {
        ...base, return_sequences: spec.returnSequences ?? false, return_state: false, go_backwards: false,
        stateful: false, unroll: false, time_major: false,
        units: spec.units, activation: "tanh", recurrent_activation: spec.recurrentActivation ?? "sigmoid", use_bias: true,
        kernel_initializer: k2Init("GlorotUniform", { seed: null }),
        recurrent_initializer: k2Init("Orthogonal", { gain: 1.0, seed: null }),
        bias_initializer: k2Init("Zeros"), unit_forget_bias: true,
        kernel_regularizer: null, recurrent_regularizer: null, bias_regularizer: null, activity_regularizer: null,
        kernel_constraint: null, recurrent_constraint: null, bias_constraint: null,
        dropout: 0.0, recurrent_dropout: 0.0, implementation: 2,
      };
      break;
    default:
      if (!poolingConfig(spec)) throw new Error(`unknown kind ${spec.kind}`);
      config = { ...base, ...poolingConfig(spec) };
  }
  return { class_name: CLASS[spec.kind], config };
}

/** Keras 2 variable names (w.name) for one layer, in trainable + non-trainable order. */
export function keras2WeightNames(spec) {
  const s = spec.h5Scope ?? spec.name;
  switch (spec.kind) {
    case "dense":
    case "conv2d":
      return (spec.useBias ?? true) ? [`${s}/kernel:0`, `${s}/bias:0`] : [`${s}/kernel:0`];
    case "bn": {
      const n = [];
      if (spec.scale ?? true) n.push(`${s}/gamma:0`);
      if (spec.center ?? true) n.push(`${s}/beta:0`);
      n.push(`${s}/moving_mean:0`, `${s}/moving_variance:0`);
      return n;
    }
    case "lstm": {
      const cell = spec.h5Scope ? s : `${s}/lstm_cell`; // TF2 style puts the cell's scope inside
      return [`${cell}/kernel:0`, `${cell}/recurrent_kernel:0`, `${cell}/bias:0`];
    }
    default:
      return [];
  }
}

export function keras2TrainingConfig(compile) {
  const metricFn = compile.loss === "binary_crossentropy" ? "binary_accuracy" : "categorical_accuracy";
  let optimizer_config;
  if (compile.optimizer === "sgd") {
    // Keras 2.11-2.15 "new" optimizer: registered as Custom>SGD by register_keras_serializable()
    optimizer_config = {
      class_name: "Custom>SGD",
      config: {
        name: "SGD", weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false,
        ema_momentum: 0.99, ema_overwrite_frequency: null, jit_compile: false, is_legacy_optimizer: false,
        learning_rate: asF32(compile.learningRate), momentum: compile.momentum ?? 0.0, nesterov: false,
      },
    };
  } else {
    // tf.keras.optimizers.legacy.Adam (optimizer_v2), as written by Keras 2.x
    optimizer_config = {
      class_name: "Adam",
      config: { name: "Adam", learning_rate: compile.learningRate, decay: 0.0, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, amsgrad: false },
    };
  }
  return {
    loss: compile.loss,
    metrics: [[{ class_name: "MeanMetricWrapper", config: { name: "accuracy", dtype: "float32", fn: metricFn } }]],
    weighted_metrics: null, loss_weights: null, optimizer_config,
  };
}

export function keras2ModelConfig(c, layerRanks) {
  const layers = [{
    class_name: "InputLayer",
    config: { batch_input_shape: [null, ...c.inputShape], dtype: "float32", sparse: false, ragged: false, name: `${c.layers[0].name}_input` },
  }];
  c.layers.forEach((s, i) => layers.push(keras2LayerConfig(s, layerRanks[i])));
  return { class_name: "Sequential", config: { name: c.modelName ?? "sequential", layers } };
}

/** Write a legacy HDF5 full model as Keras 2.15's save_model_to_hdf5 does. */
export function writeLegacyH5(file, c, layerRanks, layerWeights) {
  const modelConfig = keras2ModelConfig(c, layerRanks);
  withH5File(file, (f) => {
    attrStr(f, "keras_version", KERAS2_VERSION);
    attrStr(f, "backend", "tensorflow");
    attrBytes(f, "model_config", JSON.stringify(modelConfig));
    if (c.compile) attrBytes(f, "training_config", JSON.stringify(keras2TrainingConfig(c.compile)));
    const mw = f.create_group("model_weights");
    attrStrings(mw, "layer_names", c.layers.map((s) => s.name));
    attrBytes(mw, "backend", "tensorflow");
    attrBytes(mw, "keras_version", KERAS2_VERSION);
    const order = c.layers.map((s, i) => i).sort((a, b) => (c.layers[a].name < c.layers[b].name ? -1 : 1));
    for (const i of order) {
      const s = c.layers[i];
      const g = mw.create_group(s.name);
      const names = keras2WeightNames(s);
      if (names.length !== layerWeights[i].length) throw new Error(`weight count mismatch for ${s.name}`);
      attrStrings(g, "weight_names", names);
      names.forEach((n, j) => writeF32(g, n, layerWeights[i][j].data, layerWeights[i][j].shape));
    }
    const top = mw.create_group("top_level_model_weights");
    attrStrings(top, "weight_names", []);
  });
  return modelConfig;
}

// ---------------------------------------------------------------- readers (independent of the writers above)
function readDataset(ds) {
  const shape = ds.shape ?? [];
  let v = ds.value;
  if (typeof v === "number") v = [v];
  return { shape, data: Float32Array.from(v, Number) };
}

/** Legacy HDF5 full model: follows layer_names and each layer's weight_names. */
export function readLegacyH5(bytes) {
  const [f, close] = openH5Bytes(bytes);
  try {
    const parse = (k) => { const v = attrValue(f, k); return v == null ? null : JSON.parse(v); };
    const out = {
      kerasVersion: attrValue(f, "keras_version") ?? null,
      backend: attrValue(f, "backend") ?? null,
      modelConfig: parse("model_config"),
      trainingConfig: parse("training_config"),
      layers: [],
    };
    const mw = f.get("model_weights") ?? f; // save_weights files keep the layers at the root
    for (const name of readStrListAttr(mw, "layer_names")) {
      const g = mw.get(name);
      const weightNames = readStrListAttr(g, "weight_names");
      out.layers.push({ name, weightNames, weights: weightNames.map((wn) => ({ name: wn, ...readDataset(g.get(wn)) })) });
    }
    return out;
  } finally {
    close();
  }
}

export function unzipKeras(bytes) {
  const files = unzipSync(bytes);
  const dec = (k) => new TextDecoder().decode(files[k]);
  return {
    names: Object.keys(files),
    config: JSON.parse(dec("config.json")),
    metadata: files["metadata.json"] ? JSON.parse(dec("metadata.json")) : null,
    weightsH5: files["model.weights.h5"],
  };
}

/** Read `<path>/vars/<i>` for i = 0.. from a Keras 3 weights file. */
export function readKeras3Vars(bytes, paths) {
  const [f, close] = openH5Bytes(bytes);
  try {
    return paths.map((p) => {
      const g = f.get(`${p}/vars`);
      if (!g) return null;
      const keys = g.keys().filter((k) => /^\d+$/.test(k)).sort((a, b) => a - b);
      return keys.map((k) => readDataset(g.get(k)));
    });
  } finally {
    close();
  }
}
export { prod };
