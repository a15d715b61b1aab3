// Generates tests/ModelGen.Tests/Keras/Fixtures/Reference/<case>/ with TensorFlow.js Layers
// (an independent Keras implementation).  Run: npm ci && node generate.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tf, init, f32, fmt, fmtArr, prng, uniform, prod, writeJson, writeTfjs, kerasFirstStep } from "./lib.mjs";
import {
  writeKeras3, writeLegacyH5, readLegacyH5, unzipKeras, readKeras3Vars, keras3Groups, CLASS,
  keras2WeightNames, KERAS2_VERSION, KERAS3_VERSION,
} from "./keras_formats.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, "../../tests/ModelGen.Tests/Keras/Fixtures/Reference");
const DATE_SAVED = "2025-01-01@00:00:00";

// ---------------------------------------------------------------- cases
const CASES = [
  {
    name: "mlp_bn_after_relu", seed: 101, inputShape: [3], batch: 8,
    layers: [
      { kind: "dense", name: "dense", units: 6, activation: "relu" },
      { kind: "bn", name: "batch_normalization" },
      { kind: "dense", name: "dense_1", units: 1, activation: "sigmoid" },
    ],
    compile: { loss: "binary_crossentropy", optimizer: "sgd", learningRate: 0.01, momentum: 0.9 },
    train: { batch: 8 },
  },
  {
    name: "mlp_bn_before_relu", seed: 202, inputShape: [4], batch: 6,
    layers: [
      { kind: "dense", name: "dense", units: 5, activation: "linear", useBias: false },
      { kind: "bn", name: "batch_normalization", momentum: 0.9, epsilon: 0.001 },
      { kind: "activation", name: "activation", activation: "relu" },
      { kind: "dense", name: "dense_1", units: 3, activation: "softmax" },
    ],
    compile: { loss: "categorical_crossentropy", optimizer: "adam", learningRate: 0.001 },
    train: { batch: 6 },
  },
  {
    name: "bn_center_scale_off", seed: 303, inputShape: [4], batch: 5,
    layers: [
      { kind: "dense", name: "dense", units: 5, activation: "tanh" },
      { kind: "bn", name: "batch_normalization", center: false, momentum: 0.95, epsilon: 0.01 },
      { kind: "dense", name: "dense_1", units: 4, activation: "linear" },
      { kind: "bn", name: "batch_normalization_1", scale: false },
      { kind: "dense", name: "dense_2", units: 2, activation: "sigmoid" },
    ],
  },
  {
    name: "cnn_bn_pool", seed: 404, inputShape: [8, 8, 2], batch: 4,
    layers: [
      { kind: "conv2d", name: "conv2d", filters: 3, kernel: [3, 3], padding: "same" },
      { kind: "bn", name: "batch_normalization" },
      { kind: "activation", name: "activation", activation: "relu" },
      { kind: "maxpool2d", name: "max_pooling2d", pool: [2, 2], strides: [2, 2], padding: "valid" },
      { kind: "conv2d", name: "conv2d_1", filters: 4, kernel: [2, 2], strides: [2, 2], padding: "valid", activation: "elu" },
      { kind: "flatten", name: "flatten" },
      { kind: "dense", name: "dense", units: 3, activation: "softmax" },
    ],
  },
  {
    name: "lstm_seq", seed: 505, inputShape: [5, 3], batch: 4,
    layers: [
      { kind: "lstm", name: "lstm", units: 4, returnSequences: true },
      // weight scope differs from the layer name in the .h5, as in real files
      { kind: "lstm", name: "lstm_1", units: 3, returnSequences: false, h5Scope: "lstm_1_4" },
      { kind: "dense", name: "dense", units: 2, activation: "linear" },
    ],
  },
  {
    // custom layer names: Keras 3 weight groups are still dense, dense_1, ... by class
    name: "activations", seed: 606, inputShape: [6], batch: 6,
    layers: [
      { kind: "dense", name: "hidden_tanh", units: 8, activation: "tanh" },
      { kind: "dense", name: "hidden_elu", units: 8, activation: "elu" },
      { kind: "dense", name: "hidden_linear", units: 6, activation: "linear" },
      // slope 0.2: ModelGen's leaky_relu (Keras 3's keras.activations.leaky_relu); Keras 2's default 0.3 is refused on import
      { kind: "leaky_relu", name: "leaky", alpha: 0.2 },
      { kind: "dropout", name: "drop", rate: 0.25 },
      { kind: "dense", name: "hidden_sigmoid", units: 5, activation: "sigmoid" },
      { kind: "dense", name: "logits", units: 4, activation: "linear" },
      { kind: "activation", name: "probs", activation: "softmax" },
    ],
  },
  {
    name: "activations_extra", seed: 707, inputShape: [5], batch: 5,
    layers: [
      { kind: "dense", name: "dense", units: 6, activation: "gelu" },
      { kind: "dense", name: "dense_1", units: 6, activation: "swish" },
      { kind: "dense", name: "dense_2", units: 5, activation: "selu" },
      { kind: "dense", name: "dense_3", units: 4, activation: "softplus" },
      { kind: "activation", name: "activation", activation: "tanh" },
      { kind: "dense", name: "dense_4", units: 3, activation: "relu" },
    ],
  },
  {
    // Keras 2's hard_sigmoid clip(0.2x + 0.5, 0, 1) (tfjs's, and Keras <= 2.2 LSTMs' default recurrent activation):
    // model.json and model.h5 only, since Keras 3 has no such function (its hard_sigmoid is relu6(x + 3) / 6).
    name: "hard_sigmoid_keras2", seed: 909, inputShape: [4, 3], batch: 5, noKeras3: true,
    layers: [
      { kind: "lstm", name: "lstm", units: 3, returnSequences: false, recurrentActivation: "hard_sigmoid" },
      { kind: "dense", name: "dense", units: 4, activation: "hard_sigmoid" },
      { kind: "dense", name: "dense_1", units: 2, activation: "linear" },
    ],
  },
  {
    name: "cnn_nobias_bn", seed: 808, inputShape: [6, 6, 1], batch: 4,
    layers: [
      { kind: "conv2d", name: "conv2d", filters: 2, kernel: [3, 3], strides: [2, 2], padding: "same", useBias: false },
      { kind: "bn", name: "batch_normalization", momentum: 0.9, epsilon: 0.0001 },
      { kind: "activation", name: "activation", activation: "tanh" },
      { kind: "flatten", name: "flatten" },
      { kind: "dropout", name: "dropout", rate: 0.5 },
      { kind: "dense", name: "dense", units: 2, activation: "sigmoid" },
    ],
  },
  {
    // the usual CNN head: conv2d -> BN -> relu blocks into global average pooling, after an overlapping average pooling
    // (strides 1). Training case: SGD with momentum; BN's batch statistics over every position of the batch.
    name: "cnn_global_avg_pool", seed: 909, inputShape: [6, 5, 2], batch: 4,
    layers: [
      { kind: "conv2d", name: "conv2d", filters: 4, kernel: [3, 3], padding: "same", useBias: false },
      { kind: "bn", name: "batch_normalization", momentum: 0.9 },
      { kind: "activation", name: "activation", activation: "relu" },
      { kind: "avgpool2d", name: "average_pooling2d", pool: [2, 2], strides: [1, 1], padding: "valid" },
      { kind: "conv2d", name: "conv2d_1", filters: 3, kernel: [2, 2], activation: "tanh" },
      { kind: "gap2d", name: "global_average_pooling2d" },
      { kind: "dense", name: "dense", units: 3, activation: "softmax" },
    ],
    compile: { loss: "categorical_crossentropy", optimizer: "sgd", learningRate: 0.01, momentum: 0.9 },
    train: { batch: 6 },
  },
  {
    // average pooling (valid, non-square, strides 2x1) and max pooling with same padding (uneven pads), global max
    // pooling head. Training case: Adam.
    name: "cnn_global_max_pool", seed: 1010, inputShape: [7, 6, 2], batch: 4,
    layers: [
      { kind: "conv2d", name: "conv2d", filters: 3, kernel: [2, 2], activation: "tanh" },
      { kind: "avgpool2d", name: "average_pooling2d", pool: [3, 2], strides: [2, 1], padding: "valid" },
      { kind: "maxpool2d", name: "max_pooling2d", pool: [2, 2], strides: [2, 2], padding: "same" },
      { kind: "gmp2d", name: "global_max_pooling2d" },
      { kind: "dense", name: "dense", units: 1, activation: "sigmoid" },
    ],
    compile: { loss: "binary_crossentropy", optimizer: "adam", learningRate: 0.001 },
    train: { batch: 5 },
  },
  {
    // average pooling with same padding whose border windows hold fewer positions (pads 0/1 rows, 1/1 columns): they
    // average only the positions inside. Inference only: tfjs 4.22's avgPool gradient divides a border window's
    // gradient by the whole window instead (not its own forward's derivative; TensorFlow's AvgPoolGrad does not).
    name: "cnn_avg_pool_same", seed: 1313, inputShape: [7, 6, 2], batch: 4,
    layers: [
      { kind: "conv2d", name: "conv2d", filters: 3, kernel: [2, 2], activation: "relu" },
      { kind: "avgpool2d", name: "average_pooling2d", pool: [3, 3], strides: [2, 2], padding: "same" },
      { kind: "gap2d", name: "global_average_pooling2d" },
      { kind: "dense", name: "dense", units: 2, activation: "linear" },
    ],
  },
  {
    // pooling over the timesteps of an lstm's sequence: max_pooling1d, overlapping average_pooling1d, global average
    // pooling. Training case: SGD with momentum.
    name: "seq_avg_pool", seed: 1111, inputShape: [9, 3], batch: 4,
    layers: [
      { kind: "lstm", name: "lstm", units: 4, returnSequences: true },
      { kind: "maxpool1d", name: "max_pooling1d", pool: 2 },
      { kind: "avgpool1d", name: "average_pooling1d", pool: 3, strides: 1 },
      { kind: "gap1d", name: "global_average_pooling1d" },
      { kind: "dense", name: "dense", units: 3, activation: "softmax" },
    ],
    compile: { loss: "categorical_crossentropy", optimizer: "sgd", learningRate: 0.01, momentum: 0.9 },
    train: { batch: 5 },
  },
  {
    // max_pooling1d with same padding and overlapping windows (pads 1/1), average_pooling1d with strides 1, global max.
    // Training case: Adam.
    name: "seq_global_max_pool", seed: 1212, inputShape: [7, 2], batch: 4,
    layers: [
      { kind: "lstm", name: "lstm", units: 5, returnSequences: true },
      { kind: "maxpool1d", name: "max_pooling1d", pool: 3, strides: 2, padding: "same" },
      { kind: "avgpool1d", name: "average_pooling1d", pool: 2, strides: 1 },
      { kind: "gmp1d", name: "global_max_pooling1d" },
      { kind: "dense", name: "dense", units: 2, activation: "softmax" },
    ],
    compile: { loss: "categorical_crossentropy", optimizer: "adam", learningRate: 0.001 },
    train: { batch: 4 },
  },
  {
    // average_pooling1d with same padding (a border window of 2 of its 3 timesteps); inference only (see cnn_avg_pool_same).
    name: "seq_avg_pool_same", seed: 1414, inputShape: [8, 3], batch: 4,
    layers: [
      { kind: "lstm", name: "lstm", units: 3, returnSequences: true },
      { kind: "avgpool1d", name: "average_pooling1d", pool: 3, strides: 2, padding: "same" },
      { kind: "gmp1d", name: "global_max_pooling1d" },
      { kind: "dense", name: "dense", units: 2, activation: "tanh" },
    ],
  },
];

// ---------------------------------------------------------------- tfjs model
/** tfjs's identifier of a Keras activation name (hard_sigmoid → hardSigmoid: tfjs's is Keras 2's clip(0.2x + 0.5, 0, 1)). */
const camel = (name) => name.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

function tfjsLayer(s, first, inputShape) {
  const extra = first ? { inputShape } : {};
  const name = s.name;
  switch (s.kind) {
    case "dense": return tf.layers.dense({ name, units: s.units, activation: camel(s.activation ?? "linear"), useBias: s.useBias ?? true, ...extra });
    case "bn": return tf.layers.batchNormalization({ name, axis: -1, momentum: s.momentum ?? 0.99, epsilon: s.epsilon ?? 0.001, center: s.center ?? true, scale: s.scale ?? true, ...extra });
    case "activation": return tf.layers.activation({ name, activation: s.activation, ...extra });
    case "leaky_relu": return tf.layers.leakyReLU({ name, alpha: s.alpha ?? 0.3, ...extra });
    case "dropout": return tf.layers.dropout({ name, rate: s.rate, ...extra });
    case "conv2d": return tf.layers.conv2d({ name, filters: s.filters, kernelSize: s.kernel, strides: s.strides ?? [1, 1], padding: s.padding ?? "valid", dataFormat: "channelsLast", activation: s.activation ?? "linear", useBias: s.useBias ?? true, ...extra });
    case "maxpool2d": return tf.layers.maxPooling2d({ name, poolSize: s.pool ?? [2, 2], strides: s.strides ?? s.pool ?? [2, 2], padding: s.padding ?? "valid", dataFormat: "channelsLast", ...extra });
    case "flatten": return tf.layers.flatten({ name, ...extra });
    case "lstm": return tf.layers.lstm({ name, units: s.units, activation: "tanh", recurrentActivation: camel(s.recurrentActivation ?? "sigmoid"), returnSequences: s.returnSequences ?? false, ...extra });
    case "avgpool2d": return tf.layers.averagePooling2d({ name, poolSize: s.pool ?? [2, 2], strides: s.strides ?? s.pool ?? [2, 2], padding: s.padding ?? "valid", dataFormat: "channelsLast", ...extra });
    case "maxpool1d": return tf.layers.maxPooling1d({ name, poolSize: s.pool ?? 2, strides: s.strides ?? s.pool ?? 2, padding: s.padding ?? "valid", ...extra });
    case "avgpool1d": return tf.layers.averagePooling1d({ name, poolSize: s.pool ?? 2, strides: s.strides ?? s.pool ?? 2, padding: s.padding ?? "valid", ...extra });
    case "gap1d": return tf.layers.globalAveragePooling1d({ name, ...extra });
    case "gmp1d": return tf.layers.globalMaxPooling1d({ name, ...extra });
    case "gap2d": return tf.layers.globalAveragePooling2d({ name, dataFormat: "channelsLast", ...extra });
    case "gmp2d": return tf.layers.globalMaxPooling2d({ name, dataFormat: "channelsLast", ...extra });
    default: throw new Error(s.kind);
  }
}

function buildModel(c) {
  const model = tf.sequential({ name: "sequential" });
  c.layers.forEach((s, i) => model.add(tfjsLayer(s, i === 0, c.inputShape)));
  if (c.compile) {
    const optimizer = c.compile.optimizer === "sgd"
      ? tf.train.momentum(c.compile.learningRate, c.compile.momentum ?? 0)
      : tf.train.adam(c.compile.learningRate, 0.9, 0.999, 1e-7);
    const loss = c.compile.loss === "binary_crossentropy" ? "binaryCrossentropy" : "categoricalCrossentropy";
    model.compile({ optimizer, loss, metrics: ["accuracy"] });
  }
  return model;
}

/** Deterministic, non-trivial weights in Keras's per-layer order. */
function makeWeights(model, rng) {
  return model.layers.map((layer) => layer.weights.map((w) => {
    const shape = w.shape;
    const n = prod(shape);
    const base = w.originalName.split("/").pop();
    let lo, hi;
    if (base === "kernel") {
      const rf = shape.length > 2 ? prod(shape.slice(0, -2)) : 1;
      const fanIn = rf * shape[shape.length - 2], fanOut = rf * shape[shape.length - 1];
      const lim = 1.3 * Math.sqrt(6 / (fanIn + fanOut));
      [lo, hi] = [-lim, lim];
    } else if (base === "recurrent_kernel") [lo, hi] = [-0.6, 0.6];
    else if (base === "bias") [lo, hi] = [-0.3, 0.3];
    else if (base === "gamma") [lo, hi] = [0.6, 1.6];
    else if (base === "beta") [lo, hi] = [-0.4, 0.4];
    else if (base === "moving_mean") [lo, hi] = [-0.8, 0.8];
    else if (base === "moving_variance") [lo, hi] = [0.3, 2.0];
    else throw new Error(`unexpected weight ${w.originalName}`);
    return { name: w.originalName, shape, data: uniform(rng, n, lo, hi) };
  }));
}

function setWeights(model, layerWeights) {
  model.layers.forEach((layer, i) => {
    if (layer.weights.length) layer.setWeights(layerWeights[i].map((w) => tf.tensor(w.data, w.shape, "float32")));
  });
}
const getLayerWeights = (model) => model.layers.map((l) => l.getWeights().map((t) => ({ shape: t.shape, data: t.dataSync().slice() })));

async function captureArtifacts(model, includeOptimizer) {
  let art;
  await model.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } }; }), { includeOptimizer });
  return art;
}
// ---------------------------------------------------------------- one Keras training step
function trainStep(c, model, layerWeights, rng) {
  const n = c.train.batch;
  const inSize = prod(c.inputShape);
  const x = uniform(rng, n * inSize, -2, 2);
  const outUnits = c.layers[c.layers.length - 1].units;
  const y = new Float32Array(n * outUnits);
  for (let i = 0; i < n; i++) {
    if (c.compile.loss === "binary_crossentropy") y[i] = rng() < 0.5 ? 0 : 1;
    else y[i * outUnits + Math.floor(rng() * outUnits)] = 1;
  }
  const xT = tf.tensor(x, [n, ...c.inputShape]);
  const yT = tf.tensor(y, [n, outUnits]);

  // BN batch statistics (input of each BN layer in training mode, over every axis but the last: the batch, and an
  // image's positions). Only layers that compute the same in both modes may precede a BN (no BN, no dropout).
  const bnStats = {};
  c.layers.forEach((s, i) => {
    if (s.kind !== "bn") return;
    if (c.layers.slice(0, i).some((p) => p.kind === "bn" || p.kind === "dropout")) throw new Error("trainStep: BN input must not come through BN or dropout");
    const inp = i === 0 ? xT : tf.model({ inputs: model.inputs, outputs: model.layers[i - 1].output }).predict(xT);
    const feat = inp.shape[inp.shape.length - 1];
    const rows = inp.size / feat;
    const v = inp.dataSync();
    const mean = new Float32Array(feat), variance = new Float32Array(feat);
    for (let j = 0; j < feat; j++) {
      let m = 0; for (let r = 0; r < rows; r++) m += v[r * feat + j];
      m /= rows;
      let q = 0; for (let r = 0; r < rows; r++) q += (v[r * feat + j] - m) ** 2;
      mean[j] = m; variance[j] = q / rows; // biased, as Keras (ops.moments)
    }
    bnStats[i] = { mean, variance };
  });

  // loss and gradients from tfjs-layers (training-mode forward + compiled loss, mean over the batch)
  const lossFn = (model.lossFunctions ?? model.model.lossFunctions)[0];
  const trainable = model.trainableWeights.map((w) => w.val);
  const { value, grads } = tf.variableGrads(() => tf.mean(lossFn(yT, model.apply(xT, { training: true }))), trainable);
  const loss = value.dataSync()[0];
  const tfjsMoving = getLayerWeights(model); // tfjs updated the moving stats itself; used as a cross-check
  setWeights(model, layerWeights); // restore

  const after = layerWeights.map((lw, li) => {
    const layer = model.layers[li];
    return lw.map((w, wi) => {
      const lv = layer.weights[wi];
      const out = Float32Array.from(w.data);
      if (lv.trainable) {
        const g = grads[lv.val.name].dataSync();
        out.set(kerasFirstStep(c.compile, w.data, g));
      } else {
        // BatchNormalization moving statistics: moving = moving*momentum + stat*(1 - momentum)
        const s = c.layers[li];
        const base = lv.originalName.split("/").pop();
        const stat = base === "moving_mean" ? bnStats[li].mean : bnStats[li].variance;
        const mom = f32(s.momentum ?? 0.99), omm = f32(1 - (s.momentum ?? 0.99));
        for (let k = 0; k < out.length; k++) out[k] = f32(f32(out[k] * mom) + f32(f32(stat[k]) * omm));
        const tfv = tfjsMoving[li][wi].data;
        for (let k = 0; k < out.length; k++) if (Math.abs(tfv[k] - out[k]) > 1e-5) throw new Error(`moving stat cross-check failed ${lv.originalName}: ${tfv[k]} vs ${out[k]}`);
      }
      return out;
    });
  });
  return {
    x: fmtArr(x), y: fmtArr(y), batch: n, loss: fmt(loss),
    optimizer: c.compile.optimizer === "sgd"
      ? { class_name: "SGD", learning_rate: c.compile.learningRate, momentum: c.compile.momentum, nesterov: false }
      : { class_name: "Adam", learning_rate: c.compile.learningRate, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7 },
    grads: model.trainableWeights.map((w) => fmtArr(grads[w.val.name].dataSync())),
    grad_names: model.trainableWeights.map((w) => w.originalName),
    weights_after: after.flat().map(fmtArr),
  };
}

// ---------------------------------------------------------------- verification
const maxDiff = (a, b) => { if (a.length !== b.length) return Infinity; let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

async function verify(dir, c, modelJsonObj, layerWeights, x, y) {
  // 1. reload model.json + shard with tfjs and compare predictions
  const json = JSON.parse(fs.readFileSync(path.join(dir, "model.json"), "utf8"));
  const bin = fs.readFileSync(path.join(dir, "group1-shard1of1.bin"));
  const handler = { load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, trainingConfig: json.trainingConfig }) };
  const reloaded = await tf.loadLayersModel(handler);
  const y2 = reloaded.predict(tf.tensor(x, [c.batch, ...c.inputShape])).dataSync();
  const d1 = maxDiff(y, y2);
  if (d1 > 0) throw new Error(`${c.name}: model.json reload differs by ${d1}`);
  reloaded.dispose();
  // 2. legacy h5: read back following weight_names
  const h5 = readLegacyH5(fs.readFileSync(path.join(dir, "model.h5")));
  const withW = c.layers.map((s, i) => i).filter((i) => layerWeights[i].length);
  const h5W = h5.layers.filter((l) => l.weightNames.length);
  if (h5W.length !== withW.length) throw new Error(`${c.name}: h5 layer count`);
  withW.forEach((li, k) => layerWeights[li].forEach((w, j) => {
    const r = h5W[k].weights[j];
    if (JSON.stringify(r.shape) !== JSON.stringify(w.shape) || maxDiff(r.data, w.data) !== 0) throw new Error(`${c.name}: h5 weight ${r.name} differs`);
  }));
  if (h5.kerasVersion !== KERAS2_VERSION || h5.modelConfig.class_name !== "Sequential") throw new Error("h5 attrs");
  // 3. .keras: read back by class-counter groups
  if (c.noKeras3) return { reloadDiff: d1 };
  const kz = unzipKeras(fs.readFileSync(path.join(dir, "model.keras")));
  const layerCfgs = kz.config.config.layers.filter((l) => l.class_name !== "InputLayer");
  const groups = keras3Groups(layerCfgs.map((l) => l.class_name)).map((g, i) => (layerCfgs[i].class_name === "LSTM" ? `${g}/cell` : g));
  const vars = readKeras3Vars(kz.weightsH5, groups);
  layerWeights.forEach((lw, i) => {
    if ((vars[i]?.length ?? 0) !== lw.length) throw new Error(`${c.name}: .keras var count for layer ${i}`);
    lw.forEach((w, j) => { if (maxDiff(vars[i][j].data, w.data) !== 0 || JSON.stringify(vars[i][j].shape) !== JSON.stringify(w.shape)) throw new Error(`${c.name}: .keras var ${groups[i]}/${j}`); });
  });
  return { reloadDiff: d1 };
}

// ---------------------------------------------------------------- main
async function runCase(c) {
  const dir = path.join(OUT, c.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const rng = prng(c.seed);
  const model = buildModel(c);
  const layerWeights = makeWeights(model, rng);
  setWeights(model, layerWeights);

  // inference
  const inSize = prod(c.inputShape);
  const x = uniform(rng, c.batch * inSize, -2, 2);
  const yT = model.predict(tf.tensor(x, [c.batch, ...c.inputShape]));
  const y = yT.dataSync().slice();

  // tfjs files
  const art = await captureArtifacts(model, !!c.compile);
  const modelJson = writeTfjs(dir, art);

  // Keras files
  const layerInputShapes = model.layers.map((l) => l.input.shape.slice());
  const layerRanks = layerInputShapes.map((s) => s.length);
  writeLegacyH5(path.join(dir, "model.h5"), c, layerRanks, layerWeights);
  if (!c.noKeras3) writeKeras3(path.join(dir, "model.keras"), c, layerInputShapes, layerWeights, DATE_SAVED);

  const flatW = layerWeights.flat();
  const expected = {
    case: c.name,
    input_shape: c.inputShape,
    batch: c.batch,
    output_shape: yT.shape.slice(1),
    x: fmtArr(x),
    y: fmtArr(y),
    layer_names: c.layers.map((s) => s.name),
    layer_classes: c.layers.map((s) => CLASS[s.kind]),
    weight_names: flatW.map((w) => w.name),
    weight_shapes: flatW.map((w) => w.shape),
    weights: flatW.map((w) => fmtArr(w.data)),
    h5_weight_names: c.layers.map((s) => keras2WeightNames(s)),
    keras3_groups: keras3Groups(c.layers.map((s) => CLASS[s.kind])),
    compile: c.compile ?? null,
  };
  if (c.train) expected.train = trainStep(c, model, layerWeights, rng);
  writeJson(path.join(dir, "expected.json"), expected);

  const v = await verify(dir, c, modelJson, layerWeights, x, y);
  model.dispose();
  const size = fs.readdirSync(dir).reduce((a, f) => a + fs.statSync(path.join(dir, f)).size, 0);
  console.log(`${c.name.padEnd(22)} params=${String(flatW.reduce((a, w) => a + w.data.length, 0)).padStart(4)} files=${fs.readdirSync(dir).length} bytes=${size}${c.train ? ` loss=${expected.train.loss}` : ""} reload-diff=${v.reloadDiff}`);
}

await init();
fs.mkdirSync(OUT, { recursive: true });
const only = process.argv.slice(2);
for (const c of CASES) if (!only.length || only.includes(c.name)) await runCase(c);
console.log(`wrote ${OUT} (tfjs ${tf.version.tfjs}, Keras dialects ${KERAS2_VERSION} / ${KERAS3_VERSION})`);
