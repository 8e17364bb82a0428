package dev.sparkft.onnx;

import dev.sparkft.hf.BertConfig;
import dev.sparkft.hf.BertWeights;

import java.util.Map;

/**
 * A plain float64 forward of Hugging Face's BertModel (eval mode), written from the model's definition, as
 * an independent reference for imported weights: Linear weights are read as [out, in].
 */
final class ReferenceBert {

    private final BertConfig c;
    private final Map<String, dev.sparkft.model.Tensor> w;

    ReferenceBert(BertWeights weights) {
        this.c = weights.config();
        this.w = weights.tensors();
    }

    /** Last hidden state [tokens][hidden] of one sequence; {@code mask[j] == 0} hides key j. */
    double[][] lastHiddenState(int[] ids, int[] types, int[] mask) {
        int n = ids.length;
        int h = c.hiddenSize();
        double[][] x = new double[n][h];
        float[] words = w.get("embeddings.word_embeddings.weight").floats();
        float[] positions = w.get("embeddings.position_embeddings.weight").floats();
        float[] typeTable = w.get("embeddings.token_type_embeddings.weight").floats();
        for (int t = 0; t < n; t++) {
            for (int k = 0; k < h; k++) {
                x[t][k] = (double) words[ids[t] * h + k] + positions[t * h + k] + typeTable[types[t] * h + k];
            }
        }
        x = layerNorm(x, "embeddings.LayerNorm");
        for (int layer = 0; layer < c.numLayers(); layer++) {
            String p = "encoder.layer." + layer + ".";
            double[][] q = linear(x, p + "attention.self.query");
            double[][] k = linear(x, p + "attention.self.key");
            double[][] v = linear(x, p + "attention.self.value");
            double[][] context = attention(q, k, v, mask);
            x = layerNorm(add(linear(context, p + "attention.output.dense"), x), p + "attention.output.LayerNorm");
            double[][] inner = linear(x, p + "intermediate.dense");
            for (double[] row : inner) {
                for (int i = 0; i < row.length; i++) {
                    row[i] = 0.5 * row[i] * (1 + erf(row[i] / Math.sqrt(2)));
                }
            }
            x = layerNorm(add(linear(inner, p + "output.dense"), x), p + "output.LayerNorm");
        }
        return x;
    }

    /** tanh(dense(hidden state of the first token)). */
    double[] pooled(double[][] lastHidden) {
        double[] out = linear(new double[][] {lastHidden[0]}, "pooler.dense")[0];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.tanh(out[i]);
        }
        return out;
    }

    private double[][] attention(double[][] q, double[][] k, double[][] v, int[] mask) {
        int n = q.length;
        int d = c.headSize();
        double[][] out = new double[n][c.hiddenSize()];
        for (int head = 0; head < c.numHeads(); head++) {
            int o = head * d;
            for (int i = 0; i < n; i++) {
                double[] scores = new double[n];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    if (mask[j] == 0) {
                        continue;
                    }
                    double s = 0;
                    for (int e = 0; e < d; e++) {
                        s += q[i][o + e] * k[j][o + e];
                    }
                    scores[j] = s / Math.sqrt(d);
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j < n; j++) {
                    scores[j] = mask[j] == 0 ? 0 : Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j < n; j++) {
                    for (int e = 0; e < d; e++) {
                        out[i][o + e] += scores[j] / sum * v[j][o + e];
                    }
                }
            }
        }
        return out;
    }

    private double[][] linear(double[][] x, String module) {
        float[] weight = w.get(module + ".weight").floats();
        float[] bias = w.get(module + ".bias").floats();
        int out = bias.length;
        int in = x[0].length;
        double[][] y = new double[x.length][out];
        for (int t = 0; t < x.length; t++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) {
                    s += weight[o * in + i] * x[t][i];
                }
                y[t][o] = s;
            }
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, String module) {
        float[] gamma = w.get(module + ".weight").floats();
        float[] beta = w.get(module + ".bias").floats();
        double[][] y = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double v : x[t]) {
                mean += v;
            }
            mean /= x[t].length;
            double variance = 0;
            for (double v : x[t]) {
                variance += (v - mean) * (v - mean);
            }
            variance /= x[t].length;
            double scale = 1 / Math.sqrt(variance + c.layerNormEps());
            y[t] = new double[x[t].length];
            for (int k = 0; k < x[t].length; k++) {
                y[t][k] = (x[t][k] - mean) * scale * gamma[k] + beta[k];
            }
        }
        return y;
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] y = new double[a.length][a[0].length];
        for (int t = 0; t < a.length; t++) {
            for (int k = 0; k < a[t].length; k++) {
                y[t][k] = a[t][k] + b[t][k];
            }
        }
        return y;
    }

    /** erf to ~1e-13: Maclaurin series below 2.5, the continued fraction of erfc above. */
    static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 2.5) {
            double term = a;
            double sum = a;
            for (int n = 1; n < 100 && Math.abs(term) > 1e-17; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = a;
            for (int n = 200; n >= 1; n--) {
                f = a + (n / 2.0) / f;
            }
            r = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * f);
        }
        return x < 0 ? -r : r;
    }
}
