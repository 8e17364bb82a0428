package dev.sparkft.tfjs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sparkft.hf.HalfFloats;
import dev.sparkft.model.Tensor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a TensorFlow.js layers model: {@code model.json} (topology + {@code weightsManifest}) and its weight
 * shards, either as published by the TF.js converter (plain JSON and binary shards) or wrapped in browserify
 * modules as nsfwjs ships them ({@code model.min.js} holding {@code exports={...}}, a JavaScript object literal,
 * and {@code group1-shard1of1.min.js} holding {@code exports="<base64>"}). Weights are decoded as TF.js's own
 * {@code io.decodeWeights} does: float32, or quantised uint8/uint16 ({@code min + scale * q}) or float16.
 */
public final class TfjsModelFiles {
    static final String MODEL_JSON = "model.json";
    static final String MODEL_MIN_JS = "model.min.js";
    private static final String WRAPPED_SUFFIX = ".min.js";
    private static final String EXPORTS = "exports=";
    /** Minified literals use unquoted keys and single quotes; !0 / !1 and .5 are rewritten before parsing. */
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_UNQUOTED_FIELD_NAMES, JsonReadFeature.ALLOW_SINGLE_QUOTES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private TfjsModelFiles() {
    }

    /** The model file in {@code input}: the file itself, or {@code model.json} / {@code model.min.js} in a folder. */
    public static Path modelFile(Path input) {
        if (Files.isRegularFile(input)) {
            return input;
        }
        if (!Files.isDirectory(input)) {
            throw new IllegalArgumentException("TF.js model " + input + " does not exist");
        }
        for (String name : List.of(MODEL_JSON, MODEL_MIN_JS)) {
            if (Files.isRegularFile(input.resolve(name))) {
                return input.resolve(name);
            }
        }
        throw new IllegalArgumentException("no " + MODEL_JSON + " or " + MODEL_MIN_JS + " in " + input
                + " (give the folder of a TensorFlow.js layers model, e.g. nsfwjs's dist/models/mobilenet_v2)");
    }

    /** The model.json object of {@code file}: plain JSON, or the object literal a {@code .min.js} wrapper exports. */
    public static JsonNode readModelJson(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String json;
        if (text.stripLeading().startsWith("{")) {
            json = normalizeLiteral(text, text.indexOf('{'), file);
        } else {
            int at = findExport(text, '{');
            if (at < 0) {
                throw new IllegalArgumentException(file + ": no model.json object found (neither a JSON file nor a"
                        + " JavaScript module with 'exports={...}'); give the model.json or model.min.js of a"
                        + " TensorFlow.js layers model");
            }
            json = normalizeLiteral(text, at, file);
        }
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": the model.json object does not parse: "
                    + e.getOriginalMessage());
        }
        if (!node.path("modelTopology").isObject() || !node.path("weightsManifest").isArray()) {
            throw new IllegalArgumentException(file + ": the model.json object has no 'modelTopology' object and"
                    + " 'weightsManifest' array (is this a TensorFlow.js layers model?)");
        }
        return node;
    }

    /**
     * Every weight of the manifest, decoded to float32 in TF.js's own layout (Keras: conv kernels H,W,in,out),
     * keyed by its manifest name, in manifest order. Shards of a group are concatenated in the manifest's order;
     * each path is looked up in {@code folder} as is (binary) or with {@code .min.js} (base64 module).
     */
    public static Map<String, Tensor> readWeights(JsonNode modelJson, Path folder, Path modelFile) throws IOException {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        JsonNode manifest = modelJson.get("weightsManifest");
        for (int g = 0; g < manifest.size(); g++) {
            JsonNode group = manifest.get(g);
            JsonNode paths = group.path("paths");
            JsonNode specs = group.path("weights");
            if (!paths.isArray() || !specs.isArray()) {
                throw new IllegalArgumentException(modelFile + ": weightsManifest[" + g + "] needs 'paths' and"
                        + " 'weights' arrays");
            }
            ByteArrayOutputStream concatenated = new ByteArrayOutputStream();
            List<String> names = new ArrayList<>();
            for (JsonNode path : paths) {
                if (!path.isTextual()) {
                    throw new IllegalArgumentException(modelFile + ": weightsManifest[" + g + "].paths holds " + path
                            + ", not a file name");
                }
                concatenated.writeBytes(readShard(folder, path.asText(), modelFile));
                names.add(path.asText());
            }
            ByteBuffer data = ByteBuffer.wrap(concatenated.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
            for (JsonNode spec : specs) {
                String name = spec.path("name").asText("");
                if (name.isEmpty()) {
                    throw new IllegalArgumentException(modelFile + ": a weight of weightsManifest[" + g + "] has no name");
                }
                Tensor tensor = decode(spec, name, data, modelFile, names);
                if (weights.put(name, tensor) != null) {
                    throw new IllegalArgumentException(modelFile + ": weight '" + name + "' is listed twice");
                }
            }
            if (data.hasRemaining()) {
                throw new IllegalArgumentException(modelFile + ": shards " + names + " hold " + data.capacity()
                        + " bytes but the manifest's weights use " + data.position() + " (wrong or corrupt shards)");
            }
        }
        return weights;
    }

    private static Tensor decode(JsonNode spec, String name, ByteBuffer data, Path modelFile, List<String> shards) {
        String dtype = spec.path("dtype").asText("");
        if (!dtype.equals("float32")) {
            throw new IllegalArgumentException(modelFile + ": weight '" + name + "' has dtype '" + dtype
                    + "'; only float32 weights (possibly quantised) are imported");
        }
        JsonNode shapeNode = spec.path("shape");
        if (!shapeNode.isArray()) {
            throw new IllegalArgumentException(modelFile + ": weight '" + name + "' has no shape array");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToInt() || d.asInt() < 0) {
                throw new IllegalArgumentException(modelFile + ": weight '" + name + "' has a bad shape " + shapeNode);
            }
            shape[i] = d.asInt();
            count *= shape[i];
        }
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(modelFile + ": weight '" + name + "' is too large: " + shapeNode);
        }
        int n = (int) count;
        JsonNode quantization = spec.get("quantization");
        String stored = quantization == null ? "float32" : quantization.path("dtype").asText("");
        int bytes = switch (stored) {
            case "float32" -> 4;
            case "uint16", "float16" -> 2;
            case "uint8" -> 1;
            default -> throw new IllegalArgumentException(modelFile + ": weight '" + name + "' has unknown"
                    + " quantization dtype '" + stored + "' (TF.js knows uint8, uint16 and float16)");
        };
        if (quantization != null && stored.equals("float32")) {
            throw new IllegalArgumentException(modelFile + ": weight '" + name + "' has unknown quantization dtype"
                    + " 'float32' (TF.js knows uint8, uint16 and float16)");
        }
        if ((long) n * bytes > data.remaining()) {
            throw new IllegalArgumentException(modelFile + ": weight '" + name + "' needs " + (long) n * bytes
                    + " bytes at offset " + data.position() + " but shards " + shards + " end at " + data.capacity());
        }
        float[] values = new float[n];
        switch (stored) {
            case "float32" -> data.asFloatBuffer().get(values);
            case "float16" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = HalfFloats.f16ToFloat(data.getShort(data.position() + 2 * i));
                }
            }
            default -> {
                if (!quantization.path("min").isNumber() || !quantization.path("scale").isNumber()) {
                    throw new IllegalArgumentException(modelFile + ": weight '" + name + "' is quantised as " + stored
                            + " without numeric 'min' and 'scale'");
                }
                double min = quantization.get("min").asDouble();
                double scale = quantization.get("scale").asDouble();
                boolean wide = stored.equals("uint16");
                for (int i = 0; i < n; i++) {
                    int q = wide ? Short.toUnsignedInt(data.getShort(data.position() + 2 * i))
                            : Byte.toUnsignedInt(data.get(data.position() + i));
                    // In double, then rounded once to float32: what TF.js's Float32Array assignment does.
                    values[i] = (float) (q * scale + min);
                }
            }
        }
        data.position(data.position() + n * bytes);
        return Tensor.ofFloats(values, shape);
    }

    private static byte[] readShard(Path folder, String path, Path modelFile) throws IOException {
        if (path.contains("/") || path.contains("\\") || path.equals("..")) {
            throw new IllegalArgumentException(modelFile + ": shard path '" + path + "' must be a file name in "
                    + folder);
        }
        Path binary = folder.resolve(path);
        if (Files.isRegularFile(binary)) {
            return Files.readAllBytes(binary);
        }
        Path wrapped = folder.resolve(path + WRAPPED_SUFFIX);
        if (!Files.isRegularFile(wrapped)) {
            throw new IllegalArgumentException(modelFile + ": weight shard '" + path + "' not found in " + folder
                    + " (looked for " + binary.getFileName() + " and " + wrapped.getFileName() + ")");
        }
        String text = Files.readString(wrapped, StandardCharsets.ISO_8859_1);
        int at = findExport(text, '"');
        int end = at < 0 ? -1 : text.indexOf('"', at + 1);
        if (end < 0) {
            throw new IllegalArgumentException(wrapped + ": no base64 weight string found (expected a JavaScript"
                    + " module with 'exports=\"...\"')");
        }
        try {
            return Base64.getDecoder().decode(text.substring(at + 1, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(wrapped + ": the exported weight string is not base64: " + e.getMessage());
        }
    }

    /** Index of {@code open} in the first {@code exports=} that is directly followed by it, or -1. */
    private static int findExport(String text, char open) {
        for (int at = text.indexOf(EXPORTS); at >= 0; at = text.indexOf(EXPORTS, at + 1)) {
            int i = at + EXPORTS.length();
            while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            if (i < text.length() && text.charAt(i) == open) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The object literal starting at {@code start} up to its matching brace, as JSON Jackson reads with unquoted
     * keys and single quotes: outside strings, the minifier's {@code !0}/{@code !1} become true/false and a
     * number's leading '.' gets its 0.
     */
    static String normalizeLiteral(String text, int start, Path file) {
        StringBuilder out = new StringBuilder(text.length() - start + 64);
        int depth = 0;
        char quote = 0;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < text.length()) {
                    out.append(text.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            char next = i + 1 < text.length() ? text.charAt(i + 1) : 0;
            if (c == '"' || c == '\'') {
                quote = c;
                out.append(c);
            } else if (c == '!' && (next == '0' || next == '1')) {
                out.append(next == '0' ? "true" : "false");
                i++;
            } else if (c == '.' && Character.isDigit(next)
                    && (out.length() == 0 || !Character.isDigit(out.charAt(out.length() - 1)))) {
                out.append("0.");
            } else {
                out.append(c);
                if (c == '{' || c == '[') {
                    depth++;
                } else if ((c == '}' || c == ']') && --depth == 0) {
                    return out.toString();
                }
            }
        }
        throw new IllegalArgumentException(file + ": the model.json object starting at character " + start
                + " is not closed (truncated file?)");
    }
}
