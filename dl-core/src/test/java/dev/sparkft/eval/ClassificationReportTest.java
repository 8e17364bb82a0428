package dev.sparkft.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationReportTest {

    /** Hand-computed: actual ham 4 (3 right, 1 as spam), actual spam 2 (1 right, 1 as ham). */
    @Test
    void matchesHandComputedMetrics() {
        ConfusionMatrix m = new ConfusionMatrix(List.of("ham", "spam"));
        int[][] pairs = {{0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 1}, {1, 0}};
        for (int[] p : pairs) {
            m.add(p[0], p[1]);
        }
        ClassificationReport r = ClassificationReport.of(m);
        // ham: tp 3, predicted 4 (3 + 1 spam-as-ham), actual 4 -> P 0.75, R 0.75, F1 0.75
        assertEquals(0.75, r.classes().get(0).precision(), 1e-12);
        assertEquals(0.75, r.classes().get(0).recall(), 1e-12);
        // spam: tp 1, predicted 2, actual 2 -> 0.5 / 0.5 / 0.5
        assertEquals(0.5, r.classes().get(1).f1(), 1e-12);
        assertEquals(4.0 / 6, r.accuracy(), 1e-12);
        assertEquals(0.625, r.macroAvg().f1(), 1e-12);
        assertEquals((0.75 * 4 + 0.5 * 2) / 6, r.weightedAvg().f1(), 1e-12);
        String text = r.format();
        assertTrue(text.contains("accuracy") && text.contains("0.6667"), text);
    }

    @Test
    void classNeverPredictedHasZeroPrecisionNotNaN() {
        ConfusionMatrix m = new ConfusionMatrix(List.of("a", "b"));
        m.add(0, 0);
        m.add(1, 0);
        ClassificationReport r = ClassificationReport.of(m);
        assertEquals(0.0, r.classes().get(1).precision());
        assertEquals(0.0, r.classes().get(1).f1());
    }

    @Test
    void mergeAddsCountsAndRejectsOtherClasses() {
        ConfusionMatrix a = new ConfusionMatrix(List.of("x", "y"));
        ConfusionMatrix b = new ConfusionMatrix(List.of("x", "y"));
        a.add(0, 1);
        b.add(0, 1);
        b.add(1, 1);
        assertEquals(2, a.merge(b).count(0, 1));
        assertEquals(3, a.total());
        assertThrows(IllegalArgumentException.class, () -> a.merge(new ConfusionMatrix(List.of("y", "x"))));
        assertThrows(IllegalArgumentException.class, () -> a.add(2, 0));
    }
}
