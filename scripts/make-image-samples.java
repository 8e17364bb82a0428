// Writes the image-folder sample and the image test fixtures from the real Fashion-MNIST test images in
// data-pipelines/src/test/resources/fashion-mnist (the first 500 of t10k, MIT licence, Zalando SE), with the
// JDK alone:  java scripts/make-image-samples.java   (from the repository root; deterministic output)
//   examples/data/fashion-images/images/<class>/t10k-NNNNN.png the first 12 images of each class, 8-bit gray PNG
//   data-pipelines/src/test/resources/image-folder/images/...  good files in other modes and bad files
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

public class MakeImageSamples {
    static final String[] CLASSES = {"t-shirt-top", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "ankle-boot"};
    static final int PER_CLASS = 12;

    public static void main(String[] args) throws IOException {
        Path idx = Path.of("data-pipelines/src/test/resources/fashion-mnist");
        byte[] images = gunzip(idx.resolve("t10k-first500-images-idx3-ubyte.gz"));
        byte[] labels = gunzip(idx.resolve("t10k-first500-labels-idx1-ubyte.gz"));
        int n = labels.length - 8;

        Path sample = Path.of("examples/data/fashion-images/images");
        int[] taken = new int[10];
        for (int i = 0; i < n; i++) {
            int label = labels[8 + i];
            if (taken[label]++ < PER_CLASS) {
                write(gray(images, i), "png", sample.resolve(CLASSES[label]).resolve(name(i, "png")));
            }
        }

        Path fx = Path.of("data-pipelines/src/test/resources/image-folder/images");
        int[] bag = first(labels, n, 8, 4);
        int[] coat = first(labels, n, 4, 3);
        int[] sneaker = first(labels, n, 7, 6);
        for (int k = 0; k < 3; k++) {
            write(gray(images, bag[k]), "png", fx.resolve("bag").resolve(name(bag[k], "png")));
            write(gray(images, coat[k]), "png", fx.resolve("coat").resolve(name(coat[k], "png")));
        }
        // bad: a JPEG cut in half, a text file named .png, an empty file
        byte[] jpeg = bytes(rgb(images, bag[3]), "jpeg");
        Files.write(fx.resolve("bag/truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        Files.writeString(fx.resolve("coat/notes.png"), "not an image: notes about coats\n");
        Files.write(fx.resolve("coat/empty.png"), new byte[0]);
        // good in other modes: 8-bit gray, RGBA (alpha dropped), 16-bit gray (scaled to 8 bits), RGB JPEG
        write(gray(images, sneaker[0]), "png", fx.resolve("sneaker").resolve(name(sneaker[0], "png")));
        write(rgba(images, sneaker[1]), "png", fx.resolve("sneaker").resolve(name(sneaker[1], "rgba.png")));
        write(gray16(images, sneaker[2]), "png", fx.resolve("sneaker").resolve(name(sneaker[2], "gray16.png")));
        write(rgb(images, sneaker[3]), "jpeg", fx.resolve("sneaker").resolve(name(sneaker[3], "jpg")));
        // bad: a 4-component (CMYK) JPEG, a GIF
        Files.write(fx.resolve("sneaker/cmyk.jpg"), cmykJpeg(images, sneaker[4]));
        write(rgb(images, sneaker[5]), "gif", fx.resolve("sneaker/anim.gif"));
        // outside the classes: a folder not in the class list, a file directly in the input folder
        write(gray(images, 0), "png", fx.resolve("unlisted").resolve(name(0, "png")));
        Files.writeString(fx.resolve("readme.txt"), "files outside a class folder are rejected as 'unknown class'\n");
    }

    static String name(int i, String ext) {
        return String.format("t10k-%05d.%s", i, ext);
    }

    static int[] first(byte[] labels, int n, int label, int count) {
        int[] out = new int[count];
        for (int i = 0, k = 0; i < n && k < count; i++) {
            if (labels[8 + i] == label) {
                out[k++] = i;
            }
        }
        return out;
    }

    static BufferedImage gray(byte[] images, int i) {
        BufferedImage im = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster r = im.getRaster();
        for (int p = 0; p < 784; p++) {
            r.setSample(p % 28, p / 28, 0, images[16 + i * 784 + p] & 0xff);
        }
        return im;
    }

    static BufferedImage rgb(byte[] images, int i) {
        BufferedImage im = new BufferedImage(28, 28, BufferedImage.TYPE_3BYTE_BGR);
        WritableRaster r = im.getRaster();
        for (int p = 0; p < 784; p++) {
            int v = images[16 + i * 784 + p] & 0xff;
            r.setPixel(p % 28, p / 28, new int[] {v, v / 2, 255 - v});  // a coloured version of the real image
        }
        return im;
    }

    static BufferedImage rgba(byte[] images, int i) {
        BufferedImage im = new BufferedImage(28, 28, BufferedImage.TYPE_4BYTE_ABGR);
        WritableRaster r = im.getRaster();
        for (int p = 0; p < 784; p++) {
            int v = images[16 + i * 784 + p] & 0xff;
            r.setPixel(p % 28, p / 28, new int[] {v, v, v, (p * 7) & 0xff});
        }
        return im;
    }

    static BufferedImage gray16(byte[] images, int i) {
        BufferedImage im = new BufferedImage(28, 28, BufferedImage.TYPE_USHORT_GRAY);
        WritableRaster r = im.getRaster();
        for (int p = 0; p < 784; p++) {
            r.setSample(p % 28, p / 28, 0, (images[16 + i * 784 + p] & 0xff) * 257);
        }
        return im;
    }

    static byte[] cmykJpeg(byte[] images, int i) throws IOException {
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 28, 28, 4, null);
        for (int p = 0; p < 784; p++) {
            int v = images[16 + i * 784 + p] & 0xff;
            r.setPixel(p % 28, p / 28, new int[] {0, 0, 0, v});
        }
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream os = ImageIO.createImageOutputStream(out)) {
            w.setOutput(os);
            w.write(null, new IIOImage(r, null, null), null);
        }
        w.dispose();
        return out.toByteArray();
    }

    static byte[] bytes(BufferedImage im, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(im, format, out)) {
            throw new IOException("no " + format + " writer");
        }
        return out.toByteArray();
    }

    static void write(BufferedImage im, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, bytes(im, format));
    }

    static byte[] gunzip(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
            return in.readAllBytes();
        }
    }
}
