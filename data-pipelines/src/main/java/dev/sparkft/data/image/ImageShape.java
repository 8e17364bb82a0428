package dev.sparkft.data.image;

import java.io.Serializable;
import java.util.List;

/**
 * The shape of a prepared image, {@code [channels, height, width]}: its {@code pixels} column holds
 * {@code channels * height * width} uint8 values, channel-planar, each plane row-major. {@code channels} is 1
 * (grayscale) or 3 (RGB).
 */
public record ImageShape(int channels, int height, int width) implements Serializable {
    /** Larger targets are refused: a 3x1024x1024 row is already 3 MiB. */
    public static final int MAX_SIDE = 1024;

    public ImageShape {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("image channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        }
        if (height < 1 || width < 1 || height > MAX_SIDE || width > MAX_SIDE) {
            throw new IllegalArgumentException("image height and width must be in [1, " + MAX_SIDE + "], got "
                    + height + "x" + width);
        }
    }

    /** From {@code [C, H, W]} as a config gives it; errors name {@code key}. */
    public static ImageShape parse(List<String> values, String key) {
        if (values.size() != 3) {
            throw new IllegalArgumentException("key '" + key + "' must be [channels, height, width], e.g. [3, 64, 64],"
                    + " got " + values);
        }
        try {
            return new ImageShape(Integer.parseInt(values.get(0).trim()), Integer.parseInt(values.get(1).trim()),
                    Integer.parseInt(values.get(2).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("key '" + key + "' must hold three integers [channels, height, width],"
                    + " got " + values, e);
        }
    }

    /** Bytes per image. */
    public int size() {
        return channels * height * width;
    }

    public List<Integer> toList() {
        return List.of(channels, height, width);
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
