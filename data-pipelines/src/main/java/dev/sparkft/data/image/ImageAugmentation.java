package dev.sparkft.data.image;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * Training-time augmentation of one prepared image ({@code C x H x W} uint8, see {@link ImageShape}): a random
 * resized crop (a box covering a random fraction of the area, in {@code [minScale, maxScale]}, with a random aspect
 * ratio, log-uniform in {@code [minRatio, maxRatio]}, resampled back to {@code H x W}; the scheme of
 * torchvision's {@code RandomResizedCrop}, 10 tries then a centre crop) and a horizontal flip with probability
 * {@code flipProbability}.
 *
 * <p>Every random draw comes from a generator seeded by a hash of (seed, epoch, global example index) alone, so an
 * example's pixels do not depend on the partition it lands in, on the order examples are visited, or on a
 * partition being recomputed: 1, 2 and 4 partitions see the same augmented batches. Pure and stateless; executor
 * side.
 */
public record ImageAugmentation(long seed, boolean randomResizedCrop, double minScale, double maxScale,
        double minRatio, double maxRatio, double flipProbability) implements Serializable {

    private static final int CROP_TRIES = 10;

    /** Where one example's crop lies ({@code top, left, height, width} in source pixels) and whether it is flipped. */
    public record Draw(int top, int left, int height, int width, boolean flip) {
    }

    public ImageAugmentation {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1)) {
            throw new IllegalArgumentException("crop scale range must satisfy 0 < min <= max <= 1, got [" + minScale
                    + ", " + maxScale + "]");
        }
        if (!(minRatio > 0 && minRatio <= maxRatio && Double.isFinite(maxRatio))) {
            throw new IllegalArgumentException("crop aspect ratio range must satisfy 0 < min <= max, got [" + minRatio
                    + ", " + maxRatio + "]");
        }
        if (!(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("flip probability must be in [0, 1], got " + flipProbability);
        }
    }

    /** torchvision's defaults: scale [0.08, 1], ratio [3/4, 4/3], flip with probability 0.5. */
    public static ImageAugmentation standard(long seed) {
        return new ImageAugmentation(seed, true, 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5);
    }

    /** Whether {@link #apply} returns its input unchanged. */
    public boolean isIdentity() {
        return !randomResizedCrop && flipProbability == 0;
    }

    /** The random choices for one example of {@code shape} in {@code epoch}. */
    public Draw draw(ImageShape shape, long epoch, long index) {
        SplittableRandom rng = new SplittableRandom(mix(mix(mix(seed) ^ epoch) ^ index));
        int h = shape.height();
        int w = shape.width();
        int[] box = randomResizedCrop ? crop(h, w, rng) : new int[] {0, 0, h, w};
        boolean flip = flipProbability > 0 && rng.nextDouble() < flipProbability;
        return new Draw(box[0], box[1], box[2], box[3], flip);
    }

    /** The augmented copy of {@code pixels} (the input itself when {@link #isIdentity()}). */
    public byte[] apply(byte[] pixels, ImageShape shape, long epoch, long index) {
        if (pixels.length != shape.size()) {
            throw new IllegalArgumentException("image of " + pixels.length + " bytes is not " + shape + " ("
                    + shape.size() + " bytes)");
        }
        if (isIdentity()) {
            return pixels;
        }
        Draw d = draw(shape, epoch, index);
        int h = shape.height();
        int w = shape.width();
        int plane = h * w;
        boolean whole = d.top() == 0 && d.left() == 0 && d.height() == h && d.width() == w;
        byte[] out = new byte[pixels.length];
        float[] in = new float[plane];
        for (int c = 0; c < shape.channels(); c++) {
            int base = c * plane;
            if (whole) {
                System.arraycopy(pixels, base, out, base, plane);
            } else {
                for (int i = 0; i < plane; i++) {
                    in[i] = pixels[base + i] & 0xff;
                }
                float[] r = ImageResampler.resample(in, w, h, d.left(), d.top(), d.width(), d.height(), w, h);
                for (int i = 0; i < plane; i++) {
                    out[base + i] = DecodedImage.toByte(r[i]);
                }
            }
            if (d.flip()) {
                for (int y = 0; y < h; y++) {
                    int row = base + y * w;
                    for (int a = row, b = row + w - 1; a < b; a++, b--) {
                        byte t = out[a];
                        out[a] = out[b];
                        out[b] = t;
                    }
                }
            }
        }
        return out;
    }

    /** {top, left, height, width} of a random box of an {@code h x w} image. */
    private int[] crop(int h, int w, SplittableRandom rng) {
        double area = (double) h * w;
        double logMin = Math.log(minRatio);
        double logMax = Math.log(maxRatio);
        for (int t = 0; t < CROP_TRIES; t++) {
            double target = area * uniform(rng, minScale, maxScale);
            double aspect = Math.exp(uniform(rng, logMin, logMax));
            int cw = (int) Math.round(Math.sqrt(target * aspect));
            int ch = (int) Math.round(Math.sqrt(target / aspect));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                int top = rng.nextInt(h - ch + 1);
                int left = rng.nextInt(w - cw + 1);
                return new int[] {top, left, ch, cw};
            }
        }
        // no try fitted: the largest centred box whose ratio is within range
        double ratio = (double) w / h;
        int cw = w;
        int ch = h;
        if (ratio < minRatio) {
            ch = Math.max(1, Math.min(h, (int) Math.round(w / minRatio)));
        } else if (ratio > maxRatio) {
            cw = Math.max(1, Math.min(w, (int) Math.round(h * maxRatio)));
        }
        return new int[] {(h - ch) / 2, (w - cw) / 2, ch, cw};
    }

    private static double uniform(SplittableRandom rng, double lo, double hi) {
        return lo == hi ? lo : lo + (hi - lo) * rng.nextDouble();
    }

    /** SplitMix64's finaliser: spreads (seed, epoch, index) that differ in one bit over all 64. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
