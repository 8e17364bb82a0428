package dev.sparkft.data.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The driver-side split on the real slice's labels and on unbalanced synthetic labels. */
class StratifiedSplitTest {

    @Test
    void sameSeedSameSplitOtherSeedOtherItemsSameCounts() {
        int[] labels = sliceLabels();
        byte[] a = StratifiedSplit.assign(labels, 300, 0.25, 11L);
        assertArrayEquals(a, StratifiedSplit.assign(labels, 300, 0.25, 11L));
        byte[] c = StratifiedSplit.assign(labels, 300, 0.25, 12L);
        assertFalse(Arrays.equals(a, c));
        for (byte split : new byte[] {StratifiedSplit.TRAIN, StratifiedSplit.VALIDATION}) {
            assertArrayEquals(perClass(labels, a, split), perClass(labels, c, split));
        }
    }

    @Test
    void limitKeepsEachClassShareWithinOneItem() {
        int[] labels = sliceLabels();
        byte[] s = StratifiedSplit.assign(labels, 200, 0.0, 3L);
        int[] kept = perClass(labels, s, StratifiedSplit.TRAIN);
        assertEquals(200, Arrays.stream(kept).sum());
        for (int k = 0; k < 10; k++) {
            double share = 200.0 * ImageDatasetPrepTest.SLICE_CLASSES[k] / 500;
            assertEquals(share, kept[k], 1.0, "class " + k);
        }
        assertEquals(0, perClass(labels, s, StratifiedSplit.VALIDATION)[0]);
    }

    @Test
    void unbalancedClassesKeepTheirProportionsExactly() {
        // 900 of label 0, 90 of label 1, 10 of label 2, shuffled
        int[] labels = new int[1000];
        Arrays.fill(labels, 900, 990, 1);
        Arrays.fill(labels, 990, 1000, 2);
        shuffle(labels, new Random(5));
        byte[] s = StratifiedSplit.assign(labels, 100, 0.2, 9L);
        assertArrayEquals(new int[] {72, 7, 1}, Arrays.copyOf(perClass(labels, s, StratifiedSplit.TRAIN), 3));
        assertArrayEquals(new int[] {18, 2, 0}, Arrays.copyOf(perClass(labels, s, StratifiedSplit.VALIDATION), 3));
    }

    @Test
    void limitAboveTheSetKeepsEverything() {
        int[] labels = sliceLabels();
        byte[] s = StratifiedSplit.assign(labels, 10_000, 0.0, 1L);
        for (byte b : s) {
            assertEquals(StratifiedSplit.TRAIN, b);
        }
    }

    @Test
    void badArgumentsAreNamed() {
        int[] labels = {0, 1};
        assertEquals("validationFraction must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                () -> StratifiedSplit.assign(labels, 0, 1.0, 1L)).getMessage());
        assertEquals("limit must be >= 0 (0 keeps all), got -1", assertThrows(IllegalArgumentException.class,
                () -> StratifiedSplit.assign(labels, -1, 0.1, 1L)).getMessage());
    }

    private static int[] sliceLabels() {
        IdxArray labels = IdxReader.readLabels(IdxReaderTest.LABELS);
        int[] out = new int[labels.count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = labels.unsignedAt(i);
        }
        return out;
    }

    private static int[] perClass(int[] labels, byte[] split, byte which) {
        int[] counts = new int[10];
        for (int i = 0; i < labels.length; i++) {
            if (split[i] == which) {
                counts[labels[i]]++;
            }
        }
        return counts;
    }

    private static void shuffle(int[] a, Random r) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
