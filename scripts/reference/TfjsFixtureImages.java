import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Image;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/**
 * Real images as the model's input, for the TF.js reference logits: uint8, N x 3 x SIZE x SIZE (channel-planar,
 * the CNN folder's pixel layout), gzip-compressed. The first COUNT Fashion-MNIST test images (28x28 grey, each
 * pixel repeated 8x8, grey copied to R, G and B), then each photo (JPEG/PNG; transparent pixels on white) cropped
 * to its central square and shrunk by area averaging.
 *   java scripts/reference/TfjsFixtureImages.java OUT.u8.gz T10K-IMAGES-IDX3-UBYTE.GZ COUNT [PHOTO ...]
 */
public class TfjsFixtureImages {
    static final int SIZE = 224;

    public static void main(String[] args) throws IOException {
        int count = Integer.parseInt(args[2]);
        Path out = Path.of(args[0]);
        Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
        try (OutputStream o = new GZIPOutputStream(new FileOutputStream(tmp.toFile()))) {
            try (DataInputStream in = new DataInputStream(new GZIPInputStream(new FileInputStream(args[1])))) {
                if (in.readInt() != 2051) {
                    throw new IOException(args[1] + " is not an IDX image file");
                }
                in.readInt();
                int rows = in.readInt();
                int cols = in.readInt();
                int scale = SIZE / rows;
                byte[] image = new byte[rows * cols];
                for (int n = 0; n < count; n++) {
                    in.readFully(image);
                    byte[] planes = new byte[3 * SIZE * SIZE];
                    for (int y = 0; y < SIZE; y++) {
                        for (int x = 0; x < SIZE; x++) {
                            byte v = image[(y / scale) * cols + x / scale];
                            for (int c = 0; c < 3; c++) {
                                planes[(c * SIZE + y) * SIZE + x] = v;
                            }
                        }
                    }
                    o.write(planes);
                }
            }
            for (int i = 3; i < args.length; i++) {
                BufferedImage src = ImageIO.read(Path.of(args[i]).toFile());
                if (src == null) {
                    throw new IOException(args[i] + ": not an image ImageIO reads");
                }
                int side = Math.min(src.getWidth(), src.getHeight());
                BufferedImage square = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = square.createGraphics();
                g.setColor(Color.WHITE);
                g.fillRect(0, 0, side, side);
                g.drawImage(src, -(src.getWidth() - side) / 2, -(src.getHeight() - side) / 2, null);
                g.dispose();
                BufferedImage small = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
                g = small.createGraphics();
                g.drawImage(square.getScaledInstance(SIZE, SIZE, Image.SCALE_AREA_AVERAGING), 0, 0, null);
                g.dispose();
                byte[] planes = new byte[3 * SIZE * SIZE];
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        int rgb = small.getRGB(x, y);
                        for (int c = 0; c < 3; c++) {
                            planes[(c * SIZE + y) * SIZE + x] = (byte) (rgb >> (16 - 8 * c));
                        }
                    }
                }
                o.write(planes);
            }
        }
        Files.move(tmp, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
