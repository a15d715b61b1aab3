// Trains the KerasImport sample's model in TensorFlow.js Layers and saves it as a legacy Keras HDF5 full model.
//
//   cd tools/keras-reference && npm ci && node circles.mjs
//   -> samples/KerasImport/Data/circles_keras.h5             (Keras 2.15 save_model_to_hdf5 layout, with training_config)
//      samples/KerasImport/Data/circles_keras.expected.json  (inputs and tfjs's predictions for test rows 500-504)
//
// Model (as samples/Circles' BnAfterRelu): Dense(16, relu, he_uniform) -> BatchNormalization -> Dense(1, sigmoid),
// binary cross-entropy, SGD lr 0.01 momentum 0.9, 30 epochs of batch 32 on the first 500 rows of circles.csv.
// tfjs cannot write HDF5: keras_formats.mjs's writeLegacyH5 writes it following Keras's legacy saving code.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tf, h5wasm, init, prng, fmtArr, writeJson, attrBytes } from "./lib.mjs";
import { writeLegacyH5 } from "./keras_formats.mjs";

const SEED = 7, EPOCHS = 30, BATCH = 32, TRAIN_ROWS = 500, CHECK_ROWS = 5;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const outDir = path.join(root, "samples/KerasImport/Data");

await init();
// tfjs shuffles with Math.random and seeds nothing else globally: make the whole run reproducible.
Math.random = prng(SEED);

// circles.csv: header x0,x1,y; every row two features and a 0/1 label.
const rows = fs.readFileSync(path.join(root, "samples/Circles/Data/circles.csv"), "utf8")
  .trim().split(/\r?\n/).slice(1).map((l) => l.split(",").map(Number));
const xs = (a, b) => tf.tensor2d(rows.slice(a, b).map((r) => [r[0], r[1]]));
const ys = (a, b) => tf.tensor2d(rows.slice(a, b).map((r) => [r[2]]));

const model = tf.sequential({ name: "sequential" });
model.add(tf.layers.dense({ name: "dense", units: 16, activation: "relu", kernelInitializer: tf.initializers.heUniform({ seed: SEED }), inputShape: [2] }));
model.add(tf.layers.batchNormalization({ name: "batch_normalization", axis: -1, momentum: 0.99, epsilon: 0.001 }));
model.add(tf.layers.dense({ name: "dense_1", units: 1, activation: "sigmoid", kernelInitializer: tf.initializers.glorotUniform({ seed: SEED + 1 }) }));
model.compile({ optimizer: tf.train.momentum(0.01, 0.9), loss: "binaryCrossentropy", metrics: ["accuracy"] });

const h = await model.fit(xs(0, TRAIN_ROWS), ys(0, TRAIN_ROWS), {
  epochs: EPOCHS, batchSize: BATCH, shuffle: true, verbose: 0, validationData: [xs(TRAIN_ROWS, rows.length), ys(TRAIN_ROWS, rows.length)],
});
const last = (k) => h.history[k][EPOCHS - 1].toFixed(4);
console.log(`tfjs ${tf.version.tfjs}: ${EPOCHS} epochs; loss ${last("loss")} acc ${last("acc")}; val_loss ${last("val_loss")} val_acc ${last("val_acc")}`);

// Keras's layer order and weight order (kernel, bias; gamma, beta, moving_mean, moving_variance).
const layerWeights = model.layers.map((l) => l.getWeights().map((t) => ({ shape: t.shape, data: t.dataSync().slice() })));
const spec = {
  modelName: "sequential", inputShape: [2],
  layers: [
    { kind: "dense", name: "dense", units: 16, activation: "relu" },
    { kind: "bn", name: "batch_normalization" },
    { kind: "dense", name: "dense_1", units: 1, activation: "sigmoid" },
  ],
  compile: { loss: "binary_crossentropy", optimizer: "sgd", learningRate: 0.01, momentum: 0.9 },
};
const h5 = path.join(outDir, "circles_keras.h5");
fs.mkdirSync(outDir, { recursive: true });
const config = writeLegacyH5(h5, spec, [2, 2, 2], layerWeights);

// keras_formats.mjs writes every Dense with GlorotUniform; state the initializers this model was built with.
config.config.layers[1].config.kernel_initializer = { class_name: "HeUniform", config: { seed: SEED } };
config.config.layers[3].config.kernel_initializer = { class_name: "GlorotUniform", config: { seed: SEED + 1 } };
const f = new h5wasm.File(h5, "a");
f.delete_attribute("model_config");
attrBytes(f, "model_config", JSON.stringify(config));
f.close();

const testX = rows.slice(TRAIN_ROWS, TRAIN_ROWS + CHECK_ROWS).map((r) => [r[0], r[1]]);
const pred = model.predict(tf.tensor2d(testX)).dataSync();
writeJson(path.join(outDir, "circles_keras.expected.json"), {
  generator: `TensorFlow.js Layers ${tf.version.tfjs} (tools/keras-reference/circles.mjs)`,
  rows: [TRAIN_ROWS, TRAIN_ROWS + CHECK_ROWS - 1],
  inputs: testX.map((r) => fmtArr(r)),
  outputs: Array.from(pred, (v) => fmtArr([v])),
});
console.log(`wrote ${path.relative(root, h5)} and circles_keras.expected.json`);
