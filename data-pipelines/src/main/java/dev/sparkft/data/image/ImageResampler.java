package dev.sparkft.data.image;

/**
 * Resampling of one image plane (floats, row-major) with a triangle (bilinear) filter whose support grows with
 * the downscaling factor (antialiased): shrinking by a factor {@code s}, an output pixel is the triangle-weighted
 * mean of the source pixels within {@code s} of its centre, so no source pixel is skipped; enlarging, it is plain
 * bilinear interpolation. This is the scheme of PIL's {@code Image.resize(..., BILINEAR)} (and so of torchvision's
 * {@code Resize} on PIL images); intermediate values stay in float (no rounding between the two passes), so
 * results may differ from PIL's by one level. Pure functions, executor side.
 */
public final class ImageResampler {

    private ImageResampler() {
    }

    /**
     * Resamples the box {@code [x0, x0 + boxW) x [y0, y0 + boxH)} of a {@code width x height} plane (source pixel
     * coordinates, pixel {@code i} covering {@code [i, i + 1)}) to {@code outW x outH}.
     */
    public static float[] resample(float[] src, int width, int height, double x0, double y0, double boxW,
            double boxH, int outW, int outH) {
        if (src.length != width * height) {
            throw new IllegalArgumentException("plane of " + src.length + " values is not " + width + "x" + height);
        }
        Coefficients cx = Coefficients.of(width, x0, boxW, outW);
        Coefficients cy = Coefficients.of(height, y0, boxH, outH);
        // horizontal pass over the source rows the vertical pass reads
        int rowLo = cy.first[0];
        int rowHi = cy.first[outH - 1] + cy.weights[outH - 1].length;
        float[] tmp = new float[(rowHi - rowLo) * outW];
        for (int y = rowLo; y < rowHi; y++) {
            int in = y * width;
            int o = (y - rowLo) * outW;
            for (int i = 0; i < outW; i++) {
                double[] w = cx.weights[i];
                int f = in + cx.first[i];
                double s = 0;
                for (int k = 0; k < w.length; k++) {
                    s += w[k] * src[f + k];
                }
                tmp[o + i] = (float) s;
            }
        }
        float[] out = new float[outW * outH];
        for (int j = 0; j < outH; j++) {
            double[] w = cy.weights[j];
            int f = cy.first[j] - rowLo;
            for (int i = 0; i < outW; i++) {
                double s = 0;
                for (int k = 0; k < w.length; k++) {
                    s += w[k] * tmp[(f + k) * outW + i];
                }
                out[j * outW + i] = (float) s;
            }
        }
        return out;
    }

    /**
     * The box of a {@code width x height} image that "scale to cover, then centre-crop" keeps for a
     * {@code outW x outH} target, as {@code {x0, y0, boxW, boxH}}: the image is scaled so that it covers the
     * target (for a square target its shorter side becomes the target side; the longer side is truncated to an
     * integer, as torchvision's {@code Resize(int)} does), then the centre is cut out (offsets rounded half to
     * even, as {@code CenterCrop}). Resampling that box equals resizing then cropping.
     */
    public static double[] coverCropBox(int width, int height, int outW, int outH) {
        int rw;
        int rh;
        if ((double) outH / height >= (double) outW / width) {
            rh = outH;
            rw = Math.max(outW, (int) ((double) width * outH / height));
        } else {
            rw = outW;
            rh = Math.max(outH, (int) ((double) height * outW / width));
        }
        double sx = (double) width / rw;
        double sy = (double) height / rh;
        double left = Math.rint((rw - outW) / 2.0);
        double top = Math.rint((rh - outH) / 2.0);
        return new double[] {left * sx, top * sy, outW * sx, outH * sy};
    }

    /** Per output position along one axis: the first source index and the normalised filter weights. */
    private record Coefficients(int[] first, double[][] weights) {
        static Coefficients of(int inSize, double start, double length, int outSize) {
            if (outSize < 1 || !(length > 0) || start < 0 || start + length > inSize + 1e-9) {
                throw new IllegalArgumentException("box [" + start + ", " + (start + length) + ") of an axis of "
                        + inSize + " pixels to " + outSize + " values is not inside the image");
            }
            double scale = length / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filterScale;  // the triangle's support is 1 output pixel, in source pixels
            int[] first = new int[outSize];
            double[][] weights = new double[outSize][];
            for (int i = 0; i < outSize; i++) {
                double center = start + (i + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - support + 0.5));
                int hi = Math.min(inSize, (int) Math.floor(center + support + 0.5));
                if (hi <= lo) {  // a box at the very edge: take the nearest pixel
                    lo = Math.min(inSize - 1, Math.max(0, (int) Math.floor(center)));
                    hi = lo + 1;
                }
                double[] w = new double[hi - lo];
                double sum = 0;
                for (int k = 0; k < w.length; k++) {
                    double d = Math.abs((lo + k + 0.5 - center) / filterScale);
                    w[k] = d < 1 ? 1 - d : 0;
                    sum += w[k];
                }
                if (sum == 0) {
                    java.util.Arrays.fill(w, 1.0 / w.length);
                } else {
                    for (int k = 0; k < w.length; k++) {
                        w[k] /= sum;
                    }
                }
                first[i] = lo;
                weights[i] = w;
            }
            return new Coefficients(first, weights);
        }
    }
}
