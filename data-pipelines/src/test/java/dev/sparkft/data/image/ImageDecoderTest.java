package dev.sparkft.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Decoding and fitting of the fixture files (real Fashion-MNIST images in several modes, and bad files). */
class ImageDecoderTest {
    static final Path IMAGES = Path.of("src/test/resources/image-folder/images");
    static final ImageShape GRAY28 = new ImageShape(1, 28, 28);

    @Test
    void grayPngIsItsStoredSamplesNotGammaConverted() throws Exception {
        Path file = IMAGES.resolve("bag/t10k-00018.png");
        BufferedImage direct = ImageIO.read(file.toFile());
        int[] samples = direct.getRaster().getSamples(0, 0, 28, 28, 0, (int[]) null);
        assertArrayEquals(bytes(samples), ImageDecoder.decode(Files.readAllBytes(file)).toPixels(GRAY28));
        // the same image through getRGB() would differ (linear gray -> sRGB), which is why it is not used
        assertTrue(samples[403] != (direct.getRGB(403 % 28, 403 / 28) & 0xff) || samples[403] == 0
                || samples[403] == 255);
    }

    @Test
    void sixteenBitAndRgbaAreScaledAndAlphaDropped() throws Exception {
        byte[] g16 = ImageDecoder.decode(Files.readAllBytes(IMAGES.resolve("sneaker/t10k-00022.gray16.png")))
                .toPixels(GRAY28);
        // the fixture is 8-bit image v stored as v * 257: scaled back exactly
        int[] raw16 = ImageIO.read(IMAGES.resolve("sneaker/t10k-00022.gray16.png").toFile()).getRaster()
                .getSamples(0, 0, 28, 28, 0, (int[]) null);
        for (int i = 0; i < raw16.length; i++) {
            assertEquals(raw16[i] / 257, g16[i] & 0xff, "pixel " + i);
        }
        DecodedImage rgba = ImageDecoder.decode(Files.readAllBytes(IMAGES.resolve("sneaker/t10k-00012.rgba.png")));
        assertEquals(3, rgba.planes().length, "alpha is dropped");
        int[] red = ImageIO.read(IMAGES.resolve("sneaker/t10k-00012.rgba.png").toFile()).getRaster()
                .getSamples(0, 0, 28, 28, 0, (int[]) null);
        assertArrayEquals(bytes(red), rgba.toPixels(GRAY28), "gray stored as R = G = B: luma is the value");
        byte[] rgb = rgba.toPixels(new ImageShape(3, 28, 28));
        assertArrayEquals(bytes(red), java.util.Arrays.copyOfRange(rgb, 784, 2 * 784), "the green plane");
    }

    @Test
    void rgbJpegIsRgbPlanesAndLumaForGray() throws Exception {
        Path file = IMAGES.resolve("sneaker/t10k-00036.jpg");
        BufferedImage direct = ImageIO.read(file.toFile());
        DecodedImage d = ImageDecoder.decode(Files.readAllBytes(file));
        byte[] rgb = d.toPixels(new ImageShape(3, 28, 28));
        byte[] gray = d.toPixels(GRAY28);
        for (int c = 0; c < 3; c++) {
            int[] s = direct.getRaster().getSamples(0, 0, 28, 28, c, (int[]) null);
            assertArrayEquals(bytes(s), java.util.Arrays.copyOfRange(rgb, c * 784, (c + 1) * 784), "channel " + c);
        }
        for (int i = 0; i < 784; i++) {
            int rgbPixel = direct.getRGB(i % 28, i / 28);
            double luma = 0.299 * (rgbPixel >> 16 & 0xff) + 0.587 * (rgbPixel >> 8 & 0xff) + 0.114 * (rgbPixel & 0xff);
            assertEquals(luma, gray[i] & 0xff, 0.5 + 1e-4, "pixel " + i);
        }
    }

    @Test
    void badFilesAreRejectedWithTheirReason() throws IOException {
        assertRejected("bag/truncated.jpg", ImageDecoder.CORRUPT);
        assertRejected("coat/notes.png", ImageDecoder.NOT_AN_IMAGE);
        assertRejected("coat/empty.png", ImageDecoder.EMPTY);
        assertRejected("sneaker/cmyk.jpg", ImageDecoder.UNSUPPORTED_MODE);
        assertRejected("sneaker/anim.gif", ImageDecoder.NOT_AN_IMAGE);
        byte[] png = Files.readAllBytes(IMAGES.resolve("coat/t10k-00006.png"));
        ImageDecoder.Rejected cut = assertThrows(ImageDecoder.Rejected.class,
                () -> ImageDecoder.decode(java.util.Arrays.copyOf(png, png.length - 30)));
        assertEquals(ImageDecoder.CORRUPT, cut.reason(), cut.detail());
    }

    @Test
    void downscalingAveragesAndACropKeepsTheCentre() {
        // 4x2 image, left half 0, right half 200, halved to 2x1: the triangle filter stretched to 2 source pixels
        // weighs source columns 0, 1, 2 by 0.75, 0.75, 0.25 for output 0 (centre 1.0), and 1, 2, 3 by
        // 0.25, 0.75, 0.75 for output 1: 200 * 0.25 / 1.75 = 28.6 and 200 * 1.5 / 1.75 = 171.4 (PIL's BILINEAR)
        DecodedImage img = new DecodedImage(4, 2, new float[][] {{0, 0, 200, 200, 0, 0, 200, 200}});
        assertArrayEquals(new byte[] {29, (byte) 171}, img.toPixels(new ImageShape(1, 1, 2)));
        // a 2x2 checkerboard of 0/255 blocks downscaled to 1x1: the mean
        DecodedImage board = new DecodedImage(2, 2, new float[][] {{0, 255, 255, 0}});
        assertArrayEquals(new byte[] {(byte) 128}, board.toPixels(new ImageShape(1, 1, 1)));
        // a wide 6x2 image to 2x2: scaled to cover (height 2 -> 2, width 6 -> 6), centre 2 columns kept
        DecodedImage wide = new DecodedImage(6, 2, new float[][] {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}});
        assertArrayEquals(new byte[] {3, 4, 9, 10}, wide.toPixels(new ImageShape(1, 2, 2)));
        // constant images stay constant at any size; gray to RGB copies the plane
        float[] flat = new float[28 * 28];
        java.util.Arrays.fill(flat, 77f);
        byte[] up = new DecodedImage(28, 28, new float[][] {flat}).toPixels(new ImageShape(3, 64, 64));
        assertEquals(3 * 64 * 64, up.length);
        for (byte b : up) {
            assertEquals(77, b & 0xff);
        }
    }

    private static void assertRejected(String file, String reason) throws IOException {
        byte[] content = Files.readAllBytes(IMAGES.resolve(file));
        ImageDecoder.Rejected r = assertThrows(ImageDecoder.Rejected.class, () -> ImageDecoder.decode(content), file);
        assertEquals(reason, r.reason(), file + ": " + r.detail());
    }

    static byte[] bytes(int[] samples) {
        byte[] b = new byte[samples.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) samples[i];
        }
        return b;
    }
}
