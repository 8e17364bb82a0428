package dev.sparkft.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Random resized crop and flip as a pure function of (seed, epoch, example index). */
class ImageAugmentationTest {
    static final ImageShape SHAPE = new ImageShape(3, 28, 28);

    static byte[] realImage() throws Exception {
        byte[] file = Files.readAllBytes(ImageDecoderTest.IMAGES.resolve("sneaker/t10k-00036.jpg"));
        return ImageDecoder.decode(file).toPixels(SHAPE);
    }

    @Test
    void theSameSeedEpochAndIndexGiveTheSamePixels() throws Exception {
        byte[] img = realImage();
        ImageAugmentation a = ImageAugmentation.standard(42);
        ImageAugmentation b = ImageAugmentation.standard(42);
        for (long index = 0; index < 50; index++) {
            assertArrayEquals(a.apply(img, SHAPE, 3, index), b.apply(img.clone(), SHAPE, 3, index), "example " + index);
        }
        // visiting order does not matter: example 7 alone equals example 7 after others
        byte[] alone = a.apply(img, SHAPE, 1, 7);
        a.apply(img, SHAPE, 1, 6);
        assertArrayEquals(alone, a.apply(img, SHAPE, 1, 7));
        assertFalse(java.util.Arrays.equals(alone, ImageAugmentation.standard(43).apply(img, SHAPE, 1, 7)),
                "another seed draws another crop");
    }

    @Test
    void flipReversesEveryRowOfEveryChannel() {
        ImageShape s = new ImageShape(3, 2, 3);
        byte[] img = {1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60, 7, 8, 9, 70, 80, 90};
        ImageAugmentation flipAlways = new ImageAugmentation(5, false, 1, 1, 1, 1, 1.0);
        assertArrayEquals(new byte[] {3, 2, 1, 6, 5, 4, 30, 20, 10, 60, 50, 40, 9, 8, 7, 90, 80, 70},
                flipAlways.apply(img, s, 0, 0));
        ImageAugmentation half = new ImageAugmentation(5, false, 1, 1, 1, 1, 0.5);
        int flipped = 0;
        for (long i = 0; i < 1000; i++) {
            flipped += half.draw(s, 0, i).flip() ? 1 : 0;
        }
        assertTrue(flipped > 430 && flipped < 570, flipped + " of 1000 flipped at p = 0.5");
    }

    @Test
    void cropsStayInsideTheImageWithinTheScaleAndRatioRanges() {
        ImageShape s = new ImageShape(3, 64, 48);
        ImageAugmentation aug = ImageAugmentation.standard(9);
        Set<String> boxes = new HashSet<>();
        for (long i = 0; i < 2000; i++) {
            ImageAugmentation.Draw d = aug.draw(s, 2, i);
            assertTrue(d.top() >= 0 && d.left() >= 0 && d.height() >= 1 && d.width() >= 1, d.toString());
            assertTrue(d.top() + d.height() <= 64 && d.left() + d.width() <= 48, d.toString());
            double area = (double) d.height() * d.width() / (64 * 48);
            // rounding the sides to whole pixels moves area and ratio a little outside the drawn ranges
            assertTrue(area >= 0.08 * 0.85 && area <= 1.0, "area fraction " + area);
            double ratio = (double) d.width() / d.height();
            assertTrue(ratio >= 0.75 * 0.8 && ratio <= 4.0 / 3 * 1.25, "ratio " + ratio + " " + d);
            boxes.add(d.top() + "," + d.left() + "," + d.height() + "," + d.width());
        }
        assertTrue(boxes.size() > 1500, boxes.size() + " distinct boxes of 2000");
    }

    @Test
    void differentEpochsDrawDifferentPixels() throws Exception {
        byte[] img = realImage();
        ImageAugmentation aug = ImageAugmentation.standard(42);
        int same = 0;
        for (long index = 0; index < 20; index++) {
            if (java.util.Arrays.equals(aug.apply(img, SHAPE, 0, index), aug.apply(img, SHAPE, 1, index))) {
                same++;
            }
        }
        assertEquals(0, same, "epoch 0 and 1 give the same pixels for " + same + " of 20 examples");
        assertNotEquals(aug.draw(SHAPE, 0, 5), aug.draw(SHAPE, 0, 6), "neighbouring examples differ too");
    }

    @Test
    void disabledAugmentationAndAFullCropAreTheIdentity() throws Exception {
        byte[] img = realImage();
        ImageAugmentation off = new ImageAugmentation(1, false, 0.08, 1, 0.75, 4.0 / 3, 0.0);
        assertTrue(off.isIdentity());
        assertSame(img, off.apply(img, SHAPE, 4, 11));
        // a crop of the whole image (scale 1, ratio 1 on a square) resamples to the same pixels
        ImageAugmentation whole = new ImageAugmentation(1, true, 1, 1, 1, 1, 0.0);
        assertArrayEquals(img, whole.apply(img, SHAPE, 0, 3));
        assertThrows(IllegalArgumentException.class, () -> off.apply(new byte[5], SHAPE, 0, 0));
    }
}
