// Generates tests/ModelGen.Tests/Keras/Fixtures/Layers/<case>/ for issue 14's Conv1D (and Embedding) with
// TensorFlow.js Layers 4.22 (an independent Keras implementation): model.json + group1-shard1of1.bin (tfjs's own
// model.save output) and expected.json (inputs, predict outputs, weights in Keras's get_weights() order, and one
// training step: loss and gradients from tfjs, the update applied with Keras's formulas as generate.mjs does).
// Run: npm ci && node conv1d_embedding.mjs [case ...]
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tf, init, f32, fmt, fmtArr, prng, uniform, prod, writeJson, writeTfjs, kerasFirstStep } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, "../../tests/ModelGen.Tests/Keras/Fixtures/Layers");

const CASES = [
  {
    // same padding (one step of padding at each end), no bias, BN over the 4 channels, then a strided valid conv1d
    name: "conv1d_bn", seed: 1101, inputShape: [12, 3], batch: 5,
    layers: [
      { kind: "conv1d", name: "conv1d", filters: 4, kernel: 3, padding: "same", useBias: false },
      { kind: "bn", name: "batch_normalization", momentum: 0.9 },
      { kind: "activation", name: "activation", activation: "relu" },
      { kind: "conv1d", name: "conv1d_1", filters: 3, kernel: 2, strides: 2, padding: "valid", activation: "tanh" },
      { kind: "flatten", name: "flatten" },
      { kind: "dense", name: "dense", units: 2, activation: "softmax" },
    ],
    compile: { loss: "categorical_crossentropy", optimizer: "sgd", learningRate: 0.05, momentum: 0.9 },
    train: { batch: 6 },
  },
  {
    // strides 2 with same padding: TensorFlow puts the larger half of the padding after
    name: "conv1d_strided_same", seed: 1202, inputShape: [9, 2], batch: 4,
    layers: [
      { kind: "conv1d", name: "conv1d", filters: 3, kernel: 4, strides: 2, padding: "same", activation: "elu" },
      { kind: "conv1d", name: "conv1d_1", filters: 2, kernel: 1, activation: "relu" },
      { kind: "flatten", name: "flatten" },
      { kind: "dense", name: "dense", units: 1, activation: "sigmoid" },
    ],
    compile: { loss: "binary_crossentropy", optimizer: "adam", learningRate: 0.001 },
    train: { batch: 5 },
  },
];

function tfjsLayer(s, first, inputShape) {
  const extra = first ? { inputShape } : {};
  const name = s.name;
  switch (s.kind) {
    case "dense": return tf.layers.dense({ name, units: s.units, activation: s.activation ?? "linear", useBias: s.useBias ?? true, ...extra });
    case "bn": return tf.layers.batchNormalization({ name, axis: -1, momentum: s.momentum ?? 0.99, epsilon: s.epsilon ?? 0.001, ...extra });
    case "activation": return tf.layers.activation({ name, activation: s.activation, ...extra });
    case "conv1d": return tf.layers.conv1d({ name, filters: s.filters, kernelSize: s.kernel, strides: s.strides ?? 1, padding: s.padding ?? "valid", activation: s.activation ?? "linear", useBias: s.useBias ?? true, ...extra });
    case "flatten": return tf.layers.flatten({ name, ...extra });
    default: throw new Error(s.kind);
  }
}

function buildModel(c) {
  const model = tf.sequential({ name: "sequential" });
  c.layers.forEach((s, i) => model.add(tfjsLayer(s, i === 0, c.inputShape)));
  const optimizer = c.compile.optimizer === "sgd" ? tf.train.momentum(c.compile.learningRate, c.compile.momentum ?? 0) : tf.train.adam(c.compile.learningRate, 0.9, 0.999, 1e-7);
  const loss = c.compile.loss === "binary_crossentropy" ? "binaryCrossentropy" : "categoricalCrossentropy";
  model.compile({ optimizer, loss, metrics: ["accuracy"] });
  return model;
}

/** Deterministic, non-trivial weights in Keras's per-layer order (as generate.mjs). */
function makeWeights(model, rng) {
  return model.layers.map((layer) => layer.weights.map((w) => {
    const shape = w.shape;
    const base = w.originalName.split("/").pop();
    let lo, hi;
    if (base === "kernel") {
      const rf = shape.length > 2 ? prod(shape.slice(0, -2)) : 1;
      const lim = 1.3 * Math.sqrt(6 / (rf * shape[shape.length - 2] + rf * shape[shape.length - 1]));
      [lo, hi] = [-lim, lim];
    } else if (base === "bias") [lo, hi] = [-0.3, 0.3];
    else if (base === "gamma") [lo, hi] = [0.6, 1.6];
    else if (base === "beta") [lo, hi] = [-0.4, 0.4];
    else if (base === "moving_mean") [lo, hi] = [-0.8, 0.8];
    else if (base === "moving_variance") [lo, hi] = [0.3, 2.0];
    else throw new Error(`unexpected weight ${w.originalName}`);
    return { name: w.originalName, shape, data: uniform(rng, prod(shape), lo, hi) };
  }));
}

function setWeights(model, layerWeights) {
  model.layers.forEach((layer, i) => {
    if (layer.weights.length) layer.setWeights(layerWeights[i].map((w) => tf.tensor(w.data, w.shape, "float32")));
  });
}
const getLayerWeights = (model) => model.layers.map((l) => l.getWeights().map((t) => ({ shape: t.shape, data: t.dataSync().slice() })));

async function captureArtifacts(model) {
  let art;
  await model.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } }; }), { includeOptimizer: true });
  return art;
}
/** One Keras train_on_batch: loss and gradients from tfjs, the update with Keras 3's SGD / Adam (step 1). */
function trainStep(c, model, layerWeights, rng) {
  const n = c.train.batch;
  const x = uniform(rng, n * prod(c.inputShape), -2, 2);
  const outUnits = c.layers[c.layers.length - 1].units;
  const y = new Float32Array(n * outUnits);
  for (let i = 0; i < n; i++) {
    if (c.compile.loss === "binary_crossentropy") y[i] = rng() < 0.5 ? 0 : 1;
    else y[i * outUnits + Math.floor(rng() * outUnits)] = 1;
  }
  const xT = tf.tensor(x, [n, ...c.inputShape]);
  const yT = tf.tensor(y, [n, outUnits]);

  // BatchNormalization batch statistics over every axis but the last (batch and timesteps), biased variance.
  const bnStats = {};
  c.layers.forEach((s, i) => {
    if (s.kind !== "bn") return;
    let inp = i === 0 ? xT : tf.model({ inputs: model.inputs, outputs: model.layers[i - 1].output }).predict(xT);
    const feat = inp.shape[inp.shape.length - 1];
    const v = inp.dataSync();
    const rows = v.length / feat;
    const mean = new Float32Array(feat), variance = new Float32Array(feat);
    for (let j = 0; j < feat; j++) {
      let m = 0; for (let r = 0; r < rows; r++) m += v[r * feat + j];
      m /= rows;
      let q = 0; for (let r = 0; r < rows; r++) q += (v[r * feat + j] - m) ** 2;
      mean[j] = m; variance[j] = q / rows;
    }
    bnStats[i] = { mean, variance };
  });

  const lossFn = (model.lossFunctions ?? model.model.lossFunctions)[0];
  const trainable = model.trainableWeights.map((w) => w.val);
  const { value, grads } = tf.variableGrads(() => tf.mean(lossFn(yT, model.apply(xT, { training: true }))), trainable);
  const loss = value.dataSync()[0];
  const tfjsMoving = getLayerWeights(model);
  setWeights(model, layerWeights);

  const after = layerWeights.map((lw, li) => {
    const layer = model.layers[li];
    return lw.map((w, wi) => {
      const lv = layer.weights[wi];
      const out = Float32Array.from(w.data);
      if (lv.trainable) {
        const g = grads[lv.val.name].dataSync();
        out.set(kerasFirstStep(c.compile, w.data, g));
      } else {
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

async function runCase(c) {
  const dir = path.join(OUT, c.name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const rng = prng(c.seed);
  const model = buildModel(c);
  const layerWeights = makeWeights(model, rng);
  setWeights(model, layerWeights);
  const x = uniform(rng, c.batch * prod(c.inputShape), -2, 2);
  const yT = model.predict(tf.tensor(x, [c.batch, ...c.inputShape]));
  const y = yT.dataSync().slice();
  writeTfjs(dir, await captureArtifacts(model));
  const flatW = layerWeights.flat();
  const expected = {
    case: c.name,
    input_shape: c.inputShape,
    batch: c.batch,
    output_shape: yT.shape.slice(1),
    x: fmtArr(x),
    y: fmtArr(y),
    layer_names: c.layers.map((s) => s.name),
    weight_names: flatW.map((w) => w.name),
    weight_shapes: flatW.map((w) => w.shape),
    weights: flatW.map((w) => fmtArr(w.data)),
    compile: c.compile,
    train: trainStep(c, model, layerWeights, rng),
  };
  writeJson(path.join(dir, "expected.json"), expected);
  model.dispose();
  console.log(`${c.name.padEnd(22)} params=${flatW.reduce((a, w) => a + w.data.length, 0)} loss=${expected.train.loss}`);
}

await init();
fs.mkdirSync(OUT, { recursive: true });
const only = process.argv.slice(2);
for (const c of CASES) if (!only.length || only.includes(c.name)) await runCase(c);
console.log(`wrote ${OUT} (tfjs ${tf.version.tfjs})`);
