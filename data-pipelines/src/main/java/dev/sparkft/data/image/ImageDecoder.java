package dev.sparkft.data.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes one JPEG or PNG file's bytes with the JDK's {@code javax.imageio} into a {@link DecodedImage}, or says
 * why not ({@link Rejected}: a short {@code reason} from the constants below, counted per reason, and a
 * {@code detail} for the one file). Executor side; a bad file never throws anything else.
 *
 * <p>Modes: 8-bit gray and RGB are taken as stored; 16-bit (and 1/2/4-bit) samples are scaled to [0, 255]
 * ({@code v * 255 / (2^bits - 1)}); palette PNGs go through their palette; an alpha channel is dropped (the stored
 * colour is kept, not blended: PIL's {@code convert("RGB")} does the same). No colour management: an embedded ICC
 * profile is ignored; nor is an EXIF orientation applied (torchvision's image-folder loader does not either). CMYK / YCCK JPEGs and other colour spaces are rejected ({@link #UNSUPPORTED_MODE}): their
 * conversion to RGB depends on a profile we do not apply. A reader warning (e.g. a truncated JPEG, which the JDK
 * would otherwise fill with grey) rejects the file as {@link #CORRUPT}.
 */
public final class ImageDecoder {
    public static final String EMPTY = "empty file";
    public static final String UNREADABLE = "unreadable file";
    public static final String FILE_TOO_LARGE = "file too large";
    public static final String NOT_AN_IMAGE = "not a JPEG or PNG image";
    public static final String CORRUPT = "corrupt or truncated image";
    public static final String UNSUPPORTED_MODE = "unsupported colour mode";
    public static final String IMAGE_TOO_LARGE = "image too large";
    public static final String UNKNOWN_CLASS = "unknown class";

    /** Decoded pixel count above which a file is refused before decoding (a decompression bomb guard). */
    public static final long MAX_PIXELS = 64L * 1024 * 1024;

    /** Why one file cannot be used. */
    public static final class Rejected extends Exception {
        private static final long serialVersionUID = 1L;
        private final String reason;

        public Rejected(String reason, String detail) {
            super(detail, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }

        public String detail() {
            return getMessage();
        }
    }

    private ImageDecoder() {
    }

    public static DecodedImage decode(byte[] bytes) throws Rejected {
        if (bytes.length == 0) {
            throw new Rejected(EMPTY, "0 bytes");
        }
        // in memory: ImageIO.createImageInputStream would spill to a temporary file cache by default
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new Rejected(NOT_AN_IMAGE, "no image decoder recognises the content");
            }
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toLowerCase(Locale.ROOT);
            if (!format.equals("png") && !format.equals("jpeg") && !format.equals("jpg")) {
                reader.dispose();
                throw new Rejected(NOT_AN_IMAGE, "a " + format + " image");
            }
            try {
                reader.setInput(in, true, true);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new Rejected(IMAGE_TOO_LARGE, reader.getWidth(0) + "x" + reader.getHeight(0) + " pixels, more"
                            + " than " + MAX_PIXELS);
                }
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw new Rejected(CORRUPT, format + ": " + warnings.get(0));
                }
                return planes(image);
            } finally {
                reader.dispose();
            }
        } catch (Rejected r) {
            throw r;
        } catch (IOException | RuntimeException e) {
            // the JDK's decoders signal bad data with IIOException and, for some damage, runtime exceptions
            String message = String.valueOf(e.getMessage());
            if (message.contains("Unsupported Image Type")) {
                throw new Rejected(UNSUPPORTED_MODE, message);
            }
            throw new Rejected(CORRUPT, e.getClass().getSimpleName() + ": " + message);
        }
    }

    private static DecodedImage planes(BufferedImage image) throws Rejected {
        int w = image.getWidth();
        int h = image.getHeight();
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        if (cm instanceof IndexColorModel palette) {
            int[] index = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            float[][] rgb = new float[3][w * h];
            for (int i = 0; i < index.length; i++) {
                rgb[0][i] = palette.getRed(index[i]);
                rgb[1][i] = palette.getGreen(index[i]);
                rgb[2][i] = palette.getBlue(index[i]);
            }
            return new DecodedImage(w, h, rgb);
        }
        int type = cm.getColorSpace().getType();
        int colours = cm.getNumColorComponents();
        boolean gray = type == ColorSpace.TYPE_GRAY && colours == 1;
        if (!gray && !(type == ColorSpace.TYPE_RGB && colours == 3)) {
            throw new Rejected(UNSUPPORTED_MODE, colourSpaceName(type) + " with " + colours + " colour components");
        }
        // raw samples, not getRGB(): that would pass gray through a linear-to-sRGB conversion (100 -> 168)
        float[][] out = new float[colours][];
        for (int b = 0; b < colours; b++) {
            int[] samples = raster.getSamples(0, 0, w, h, b, (int[]) null);
            int bits = cm.getComponentSize(b);
            float[] plane = new float[samples.length];
            if (bits == 8) {
                for (int i = 0; i < samples.length; i++) {
                    plane[i] = samples[i];
                }
            } else {
                float scale = 255f / ((1L << bits) - 1);
                for (int i = 0; i < samples.length; i++) {
                    plane[i] = samples[i] * scale;
                }
            }
            out[b] = plane;
        }
        return new DecodedImage(w, h, out);
    }

    private static String colourSpaceName(int type) {
        return switch (type) {
            case ColorSpace.TYPE_CMYK -> "CMYK";
            case ColorSpace.TYPE_CMY -> "CMY";
            case ColorSpace.TYPE_YCbCr -> "YCbCr";
            case ColorSpace.TYPE_GRAY -> "gray";
            case ColorSpace.TYPE_RGB -> "RGB";
            default -> "colour space type " + type;
        };
    }
}
