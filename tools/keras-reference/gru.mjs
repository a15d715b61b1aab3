// GRU reference fixtures (issue 14): TensorFlow.js Layers 4.22 GRU, reset_after=false (tfjs refuses reset_after=true;
// ONNX Runtime's GRU with linear_before_reset=1 is the reference for it, in tests/ModelGen.Tests/Layers/GruTests.cs).
// tfjs's GRU defaults to hard_sigmoid gates: every case sets recurrentActivation "sigmoid", Keras's default.
//
//   cd tools/keras-reference && npm ci && node gru.mjs      # -> tests/ModelGen.Tests/Keras/Fixtures/Layers/<case>/
//
// Each case: model.json + group1-shard1of1.bin (tfjs's model.save, includeOptimizer) and expected.json: inputs, outputs,
// weights in Keras's order and one training step (loss and gradients from tfjs, the update with Keras's formulas, as
// generate.mjs writes its `train` field).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tf, init, f32, fmt, fmtArr, prng, uniform, prod, writeJson, writeTfjs, kerasFirstStep } from "./lib.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OUT = path.resolve(HERE, "../../tests/ModelGen.Tests/Keras/Fixtures/Layers");

const CASES = [
  {
    name: "gru_stack", seed: 1401, inputShape: [5, 3], batch: 4,
    layers: [
      { kind: "gru", name: "gru", units: 4, returnSequences: true },
      { kind: "gru", name: "gru_1", units: 3 },
      { kind: "dense", name: "dense", units: 3, activation: "softmax" },
    ],
    compile: { loss: "categorical_crossentropy", optimizer: "adam", learningRate: 0.01 },
    train: { batch: 4 },
  },
  {
    name: "gru_classifier", seed: 1402, inputShape: [6, 2], batch: 5,
    layers: [
      { kind: "gru", name: "gru", units: 5, activation: "relu" },
      { kind: "dense", name: "dense", units: 1, activation: "sigmoid" },
    ],
    compile: { loss: "binary_crossentropy", optimizer: "sgd", learningRate: 0.1, momentum: 0.9 },
    train: { batch: 5 },
  },
];

function tfjsLayer(s, first, inputShape) {
  const extra = first ? { inputShape } : {};
  const name = s.name;
  switch (s.kind) {
    case "dense": return tf.layers.dense({ name, units: s.units, activation: s.activation ?? "linear", ...extra });
    case "gru": return tf.layers.gru({ name, units: s.units, activation: s.activation ?? "tanh", recurrentActivation: "sigmoid", resetAfter: false, returnSequences: s.returnSequences ?? false, ...extra });
    default: throw new Error(s.kind);
  }
}

function buildModel(c) {
  const model = tf.sequential({ name: "sequential" });
  c.layers.forEach((s, i) => model.add(tfjsLayer(s, i === 0, c.inputShape)));
  const optimizer = c.compile.optimizer === "sgd"
    ? tf.train.momentum(c.compile.learningRate, c.compile.momentum ?? 0)
    : tf.train.adam(c.compile.learningRate, 0.9, 0.999, 1e-7);
  const loss = c.compile.loss === "binary_crossentropy" ? "binaryCrossentropy" : "categoricalCrossentropy";
  model.compile({ optimizer, loss, metrics: ["accuracy"] });
  return model;
}

function makeWeights(model, rng) {
  return model.layers.map((layer) => layer.weights.map((w) => {
    const shape = w.shape, n = prod(shape), base = w.originalName.split("/").pop();
    let lo, hi;
    if (base === "kernel") { const lim = 1.3 * Math.sqrt(6 / (shape[0] + shape[1])); [lo, hi] = [-lim, lim]; }
    else if (base === "recurrent_kernel") [lo, hi] = [-0.6, 0.6];
    else if (base === "bias") [lo, hi] = [-0.3, 0.3];
    else throw new Error(`unexpected weight ${w.originalName}`);
    return { name: w.originalName, shape, data: uniform(rng, n, lo, hi) };
  }));
}

function setWeights(model, layerWeights) {
  model.layers.forEach((layer, i) => {
    if (layer.weights.length) layer.setWeights(layerWeights[i].map((w) => tf.tensor(w.data, w.shape, "float32")));
  });
}

async function captureArtifacts(model) {
  let art;
  await model.save(tf.io.withSaveHandler(async (a) => { art = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } }; }), { includeOptimizer: true });
  return art;
}
/** One training step: loss and gradients from tfjs, the update with Keras's SGD (momentum) and Adam formulas. */
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
  const lossFn = (model.lossFunctions ?? model.model.lossFunctions)[0];
  const trainable = model.trainableWeights.map((w) => w.val);
  const { value, grads } = tf.variableGrads(() => tf.mean(lossFn(yT, model.apply(xT, { training: true }))), trainable);
  const loss = value.dataSync()[0];
  setWeights(model, layerWeights);

  const after = layerWeights.map((lw, li) => lw.map((w, wi) => {
    const lv = model.layers[li].weights[wi];
    return kerasFirstStep(c.compile, w.data, grads[lv.val.name].dataSync());
  }));
  return {
    x: fmtArr(x), y: fmtArr(y), batch: n, loss: fmt(loss),
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
    case: c.name, input_shape: c.inputShape, batch: c.batch, output_shape: yT.shape.slice(1),
    x: fmtArr(x), y: fmtArr(y),
    layer_names: c.layers.map((s) => s.name),
    weight_names: flatW.map((w) => w.name),
    weight_shapes: flatW.map((w) => w.shape),
    weights: flatW.map((w) => fmtArr(w.data)),
    compile: c.compile,
  };
  expected.train = trainStep(c, model, layerWeights, rng);
  writeJson(path.join(dir, "expected.json"), expected);
  model.dispose();
  console.log(`${c.name.padEnd(16)} params=${flatW.reduce((a, w) => a + w.data.length, 0)} loss=${expected.train.loss}`);
}

await init();
fs.mkdirSync(OUT, { recursive: true });
const only = process.argv.slice(2);
for (const c of CASES) if (!only.length || only.includes(c.name)) await runCase(c);
console.log(`wrote ${OUT} (tfjs ${tf.version.tfjs})`);
