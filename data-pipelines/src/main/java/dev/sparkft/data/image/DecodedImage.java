package dev.sparkft.data.image;

/**
 * A decoded image as 1 (gray) or 3 (R, G, B) float planes of {@code width * height} values in [0, 255],
 * row-major, before it is fitted to the prepared shape.
 */
public record DecodedImage(int width, int height, float[][] planes) {

    public DecodedImage {
        if (planes.length != 1 && planes.length != 3) {
            throw new IllegalArgumentException("an image has 1 or 3 planes, got " + planes.length);
        }
        for (float[] p : planes) {
            if (p.length != width * height) {
                throw new IllegalArgumentException("plane of " + p.length + " values is not " + width + "x" + height);
            }
        }
    }

    /** A grayscale image from uint8 values, row-major (an IDX item). */
    public static DecodedImage gray(byte[] pixels, int width, int height) {
        float[] p = new float[pixels.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = pixels[i] & 0xff;
        }
        return new DecodedImage(width, height, new float[][] {p});
    }

    /**
     * The prepared pixels: channels converted (RGB to gray by ITU-R 601-2 luma {@code 0.299 R + 0.587 G +
     * 0.114 B}, as PIL's {@code convert("L")}; gray to RGB by copying the plane), scaled to cover the target with
     * {@link ImageResampler} and centre-cropped, rounded to uint8; {@code C x H x W}, channel-planar.
     */
    public byte[] toPixels(ImageShape shape) {
        float[][] in = planes;
        if (shape.channels() == 1 && in.length == 3) {
            float[] luma = new float[width * height];
            for (int i = 0; i < luma.length; i++) {
                luma[i] = 0.299f * in[0][i] + 0.587f * in[1][i] + 0.114f * in[2][i];
            }
            in = new float[][] {luma};
        }
        double[] box = ImageResampler.coverCropBox(width, height, shape.width(), shape.height());
        int plane = shape.height() * shape.width();
        byte[] out = new byte[shape.size()];
        for (int c = 0; c < shape.channels(); c++) {
            // a gray source is resampled once and copied into each channel
            float[] resized = c < in.length ? ImageResampler.resample(in[c], width, height, box[0], box[1], box[2],
                    box[3], shape.width(), shape.height()) : null;
            if (resized == null) {
                System.arraycopy(out, 0, out, c * plane, plane);
                continue;
            }
            for (int i = 0; i < plane; i++) {
                out[c * plane + i] = toByte(resized[i]);
            }
        }
        return out;
    }

    static byte toByte(float v) {
        return (byte) Math.max(0, Math.min(255, Math.round(v)));
    }
}
