// Shared helpers for generate.mjs and public.mjs.
// Everything here is written for this project; the file layouts follow Keras's
// saving code (keras/src/saving/saving_lib.py for .keras, keras/saving/legacy/
// hdf5_format.py (Keras 2.15) / keras/src/legacy/saving/legacy_h5_format.py for .h5)
// and TensorFlow.js's own model.save output.
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import * as tf from "@tensorflow/tfjs";
import h5wasm from "h5wasm/node";

export { tf, h5wasm };

export async function init() {
  await tf.setBackend("cpu");
  await tf.ready();
  await h5wasm.ready;
}

// ---------------------------------------------------------------- numbers
export const f32 = Math.fround;
/** Full float32 precision, shortest decimal that round-trips through float32 (9 significant digits at most). */
export function fmt(v) {
  const x = f32(v);
  if (!Number.isFinite(x)) throw new Error(`non-finite value ${v}`);
  for (let p = 6; p <= 9; p++) {
    const s = Number(x.toPrecision(p));
    if (f32(s) === x) return s;
  }
  return Number(x.toPrecision(9));
}
export const fmtArr = (a) => Array.from(a, fmt);

/** mulberry32: small seeded PRNG, returns floats in [0, 1). */
export function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export function uniform(rng, n, lo, hi) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rng();
  return a;
}
export const prod = (s) => s.reduce((a, b) => a * b, 1);

/** Keras's naming.to_snake_case, re-implemented. */
export function toSnakeCase(name) {
  let n = name.replace(/\W+/g, "");
  n = n.replace(/(.)([A-Z][a-z]+)/g, "$1_$2");
  n = n.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
  return n;
}

// ---------------------------------------------------------------- JSON output
/** JSON with one top-level key per line; nested arrays stay compact. */
export function writeJson(file, obj) {
  const keys = Object.keys(obj);
  const body = keys.map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(obj[k])}`).join(",\n");
  fs.writeFileSync(file, `{\n${body}\n}\n`);
}

// ---------------------------------------------------------------- HDF5 helpers (h5wasm)
/** Fixed-length ASCII string array attribute like h5py writes for np.asarray([b"..."]). */
export function attrStrings(obj, name, list) {
  if (list.length === 0) {
    // h5py stores np.asarray([]) -> float64 array of shape (0,)
    obj.create_attribute(name, new Float64Array(0), [0], "<d");
    return;
  }
  const len = Math.max(1, ...list.map((s) => Buffer.byteLength(s)));
  obj.create_attribute(name, list, [list.length], `A${len}`);
}
/** Scalar fixed-length string attribute (h5py: attrs[k] = b"..."). */
export function attrBytes(obj, name, s) {
  obj.create_attribute(name, s, null, `A${Math.max(1, Buffer.byteLength(s))}`);
}
/** Scalar variable-length UTF-8 string attribute (h5py: attrs[k] = "..."). */
export function attrStr(obj, name, s) {
  obj.create_attribute(name, s);
}
/** Create group path a/b/c below `root`, reusing existing groups. */
export function ensureGroup(root, p) {
  let g = root;
  for (const part of p.split("/").filter(Boolean)) {
    const child = g.get(part);
    g = child ?? g.create_group(part);
  }
  return g;
}
export function writeF32(group, name, data, shape) {
  const parts = name.split("/");
  const leaf = parts.pop();
  const g = parts.length ? ensureGroup(group, parts.join("/")) : group;
  g.create_dataset({ name: leaf, data: Float32Array.from(data), shape, dtype: "<f" });
}

/** Write an h5 file (h5wasm's node build uses the real file system); returns its bytes. */
export function withH5File(outPath, fn) {
  const target = outPath ?? path.join(os.tmpdir(), `kr_${process.pid}_${Math.random().toString(36).slice(2)}.h5`);
  if (fs.existsSync(target)) fs.unlinkSync(target);
  const f = new h5wasm.File(target, "w");
  try {
    fn(f);
  } finally {
    f.close();
  }
  const bytes = new Uint8Array(fs.readFileSync(target));
  if (!outPath) fs.unlinkSync(target);
  return bytes;
}
/** Open h5 bytes (Uint8Array) for reading; returns [file, close]. */
export function openH5Bytes(bytes) {
  const tmp = path.join(os.tmpdir(), `kr_r_${process.pid}_${Math.random().toString(36).slice(2)}.h5`);
  fs.writeFileSync(tmp, bytes);
  const f = new h5wasm.File(tmp, "r");
  return [f, () => { f.close(); fs.unlinkSync(tmp); }];
}
export function attrValue(obj, name) {
  const a = obj.attrs[name];
  if (a === undefined) return undefined;
  let v = a.value;
  if (v instanceof Uint8Array || v instanceof Int8Array) v = Buffer.from(v).toString("utf8");
  return v;
}
export function strList(v) {
  if (v == null) return [];
  if (typeof v === "string") return [v];
  if (ArrayBuffer.isView(v) && !(v instanceof Uint8Array)) return []; // empty float array
  return Array.from(v, (s) => (typeof s === "string" ? s : Buffer.from(s).toString("utf8"))).map((s) => s.replace(/\0+$/, ""));
}
/** Read a legacy-format string-list attribute, including the chunked name0, name1, ... form. */
export function readStrListAttr(obj, name) {
  if (obj.attrs[name] !== undefined) return strList(attrValue(obj, name));
  const out = [];
  for (let i = 0; obj.attrs[`${name}${i}`] !== undefined; i++) out.push(...strList(attrValue(obj, `${name}${i}`)));
  return out;
}

/** tfjs's model.json + one shard, in the file layout of tfjs's file:// handler; returns the model.json object. */
export function writeTfjs(dir, art) {
  const manifest = [{ paths: ["group1-shard1of1.bin"], weights: art.weightSpecs }];
  const json = { modelTopology: art.modelTopology, format: art.format, generatedBy: art.generatedBy, convertedBy: art.convertedBy, weightsManifest: manifest };
  if (art.trainingConfig != null) json.trainingConfig = art.trainingConfig;
  fs.writeFileSync(path.join(dir, "model.json"), JSON.stringify(json));
  fs.writeFileSync(path.join(dir, "group1-shard1of1.bin"), Buffer.from(art.weightData));
  return json;
}

/**
 * One tensor after Keras's first optimizer step from zero slots, in float32 (tfjs's own optimizers are not Keras's):
 * SGD with momentum, m = momentum·0 − lr·g and w + m; Keras 3's Adam at t = 1, alpha = lr·√(1 − β2)/(1 − β1),
 * m = g(1 − β1), v = g²(1 − β2), w − alpha·m/(√v + ε).
 */
export function kerasFirstStep(compile, values, g) {
  const out = Float32Array.from(values);
  const lr = f32(compile.learningRate);
  if (compile.optimizer === "sgd") {
    const mom = f32(compile.momentum ?? 0);
    for (let k = 0; k < out.length; k++) out[k] = f32(out[k] + f32(f32(f32(0) * mom) - f32(g[k] * lr)));
    return out;
  }

  const b1 = f32(0.9), b2 = f32(0.999), eps = f32(1e-7);
  const alpha = f32(f32(lr * f32(Math.sqrt(f32(1 - b2)))) / f32(1 - b1));
  const omb1 = f32(1 - 0.9), omb2 = f32(1 - 0.999);
  for (let k = 0; k < out.length; k++) {
    const gk = f32(g[k]);
    const m = f32(gk * omb1), v = f32(f32(gk * gk) * omb2);
    out[k] = f32(out[k] - f32(f32(m * alpha) / f32(f32(Math.sqrt(v)) + eps)));
  }

  return out;
}
