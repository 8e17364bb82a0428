// nsfwjs's own MobileNetV2 logits for given images, on TensorFlow.js's pure-JS CPU backend (the reference the
// imported folder is checked against). Usage:
//   node scripts/reference/tfjs_logits.js NSFWJS_CACHE IMAGES.u8.gz OUT.json
// NSFWJS_CACHE: the folder scripts/fetch-nsfwjs.sh fills. IMAGES: uint8 N x 3 x 224 x 224 (channel-planar),
// gzip-compressed. The model is loaded by nsfwjs itself (nsfwjs.load("MobileNetV2"), its bundled model.min.js)
// and fed as nsfwjs.infer feeds it: the HWC image as float / 255. nsfwjs returns softmax probabilities; the
// logits are the input of that softmax: dense_2's output (an nsfwjs endpoint) times dense_3's kernel plus bias.
"use strict";
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

async function main() {
  const [cache, imagesFile, outFile] = process.argv.slice(2);
  if (!outFile) {
    console.error("usage: node tfjs_logits.js NSFWJS_CACHE IMAGES.u8.gz OUT.json");
    process.exit(2);
  }
  const modules = path.resolve(cache, "node_modules");
  const tf = require(path.join(modules, "@tensorflow/tfjs"));
  const nsfwjs = require(path.join(modules, "nsfwjs"));
  await tf.setBackend("cpu");
  const size = 224;
  const pixels = zlib.gunzipSync(fs.readFileSync(imagesFile));
  const per = 3 * size * size;
  if (pixels.length % per !== 0) {
    throw new Error(`${imagesFile}: ${pixels.length} bytes is not a multiple of 3 x ${size} x ${size}`);
  }
  const info = console.info;
  console.info = () => {}; // nsfwjs announces the model it loads
  const model = await nsfwjs.load("MobileNetV2");
  console.info = info;
  const dense3 = model.model.getLayer("dense_3");
  if (dense3.activation.getClassName() !== "softmax") {
    throw new Error("nsfwjs MobileNetV2's dense_3 is not a softmax layer");
  }
  const [kernel, bias] = dense3.getWeights();
  const logits = [];
  const probabilities = [];
  for (let n = 0; n < pixels.length / per; n++) {
    const hwc = new Int32Array(per);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < size * size; i++) {
        hwc[i * 3 + c] = pixels[n * per + c * size * size + i];
      }
    }
    const image = tf.tensor3d(hwc, [size, size, 3], "int32");
    const probs = model.infer(image);
    const hidden = model.infer(image, "dense_2");
    const z = tf.add(tf.matMul(hidden, kernel), bias);
    const row = Array.from(await z.data());
    const p = Array.from(await probs.data());
    // The logits must be what nsfwjs's softmax saw.
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    const worst = Math.max(...e.map((v, i) => Math.abs(v / sum - p[i])));
    if (worst > 1e-5) {
      throw new Error(`image ${n}: softmax(logits) differs from nsfwjs's probabilities by ${worst}`);
    }
    logits.push(row);
    probabilities.push(p);
    tf.dispose([image, probs, hidden, z]);
  }
  const { NSFW_CLASSES } = require(path.join(modules, "nsfwjs/dist/cjs/nsfw_classes.js"));
  const out = {
    source: "nsfwjs@4.3.0 MobileNetV2 on @tensorflow/tfjs@" + tf.version.tfjs + " backend " + tf.getBackend(),
    classes: Object.keys(NSFW_CLASSES).sort((a, b) => a - b).map((k) => NSFW_CLASSES[k]),
    logits,
    probabilities,
  };
  const tmp = outFile + ".tmp";
  const rows = (a) => "[\n  " + a.map((r) => JSON.stringify(r)).join(",\n  ") + "\n ]";
  fs.writeFileSync(tmp, "{\n \"source\": " + JSON.stringify(out.source) + ",\n \"classes\": "
      + JSON.stringify(out.classes) + ",\n \"logits\": " + rows(out.logits) + ",\n \"probabilities\": "
      + rows(out.probabilities) + "\n}\n");
  fs.renameSync(tmp, outFile);
}

main().catch((e) => {
  console.error("tfjs_logits.js: " + e.message);
  process.exit(1);
});
