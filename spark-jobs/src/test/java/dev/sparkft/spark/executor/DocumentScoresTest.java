package dev.sparkft.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sparkft.eval.ConfusionMatrix;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Windows of one document split over partitions are judged together; a document with two labels is named. */
class DocumentScoresTest {

    @Test
    void windowsInTwoPartitionsVoteAsOneDocument() {
        // Document 7 (label 1): one confident window for class 0 in one partition, two weaker ones for class 1 in
        // the other. Mean probabilities: class 0 (0.982 + 0.269 + 0.269) / 3 = 0.507 -> class 0 wins, although
        // two of its three windows say 1.
        DocumentScores a = new DocumentScores("val.parquet");
        a.add(7, 1, new float[] {4f, 0f}, 0, 2);
        DocumentScores b = new DocumentScores("val.parquet");
        b.add(7, 1, new float[] {0f, 1f, 0f, 1f}, 0, 2);
        b.add(7, 1, new float[] {0f, 1f, 0f, 1f}, 2, 2);
        b.add(3, 0, new float[] {2f, -1f}, 0, 2);
        ConfusionMatrix m = a.merge(b).matrix(List.of("x", "y"));
        assertEquals(2, a.documents());
        assertEquals(4, a.windows());
        assertEquals(1, m.count(1, 0), "document 7 predicted x by its mean probability");
        assertEquals(1, m.count(0, 0), "document 3 predicted x");
    }

    @Test
    void aDocumentWithTwoLabelsIsNamed() {
        DocumentScores a = new DocumentScores("val.parquet");
        a.add(5, 0, new float[] {1f, 0f}, 0, 2);
        DocumentScores b = new DocumentScores("val.parquet");
        b.add(5, 1, new float[] {1f, 0f}, 0, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.merge(b));
        assertEquals("document 5 in val.parquet has windows labelled 0 and 1; all windows of a document carry"
                + " its label", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.add(5, 0, new float[] {0f, 1f}, 0, 2));
    }
}
