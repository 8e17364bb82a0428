package dev.sparkft.engine.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Named (Hugging Face) weights to the flat vector: prefixes, a new head, and the errors. */
class BertWeightsTest {
    private final ParameterLayout layout = BertParameterNames.layout(TinyBert.CONFIG,
            new BertHead(BertTask.SEQUENCE_CLASSIFICATION, 3, Pooling.CLS));

    /** A bare BertModel checkpoint: encoder keys without "bert.", no classifier, plus an unused buffer. */
    private Map<String, Tensor> bareEncoder() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (ParameterSegment s : layout.segments()) {
            if (s.name().startsWith("bert.")) {
                float[] v = new float[(int) s.length()];
                Arrays.fill(v, s.offset() + 0.5f);
                m.put(s.name().substring(5), Tensor.ofFloats(v, s.shape()));
            }
        }
        m.put("embeddings.position_ids", Tensor.ofInts(new int[16], 1, 16));
        return m;
    }

    @Test
    void bareEncoderKeysLoadAndTheNewHeadIsSeeded() {
        float[] flat = BertWeights.flatten(layout, bareEncoder(), 7);
        for (ParameterSegment s : layout.segments()) {
            if (s.name().startsWith("bert.")) {
                assertEquals(s.offset() + 0.5f, flat[(int) s.offset()], s.name());
                assertEquals(s.offset() + 0.5f, flat[(int) s.end() - 1], s.name());
            }
        }
        ParameterSegment head = layout.segment("classifier.weight");
        float[] expected = RandomBertWeights.tensor(head, 7).floats();
        assertArrayEquals(expected, Arrays.copyOfRange(flat, (int) head.offset(), (int) head.end()));
        assertTrue(Math.abs(expected[0]) > 0 && Math.abs(expected[0]) < 0.2, "N(0, 0.02) draw");
    }

    @Test
    void fullCheckpointNamesLoadAsTheyAre() {
        Map<String, Tensor> random = new RandomBertWeights(layout, 3).get();
        float[] flat = BertWeights.flatten(layout, random, 99);
        for (ParameterSegment s : layout.segments()) {
            assertArrayEquals(random.get(s.name()).floats(), Arrays.copyOfRange(flat, (int) s.offset(), (int) s.end()));
        }
        assertEquals(1f, flat[(int) layout.segment("bert.embeddings.LayerNorm.weight").offset()]);
        assertEquals(0f, flat[(int) layout.segment("bert.pooler.dense.bias").offset()]);
    }

    @Test
    void missingEncoderKeyOrWrongShapeFailsNamingIt() {
        Map<String, Tensor> missing = bareEncoder();
        missing.remove("encoder.layer.1.output.dense.weight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BertWeights.flatten(layout, missing, 1));
        assertTrue(e.getMessage().contains("bert.encoder.layer.1.output.dense.weight"), e.getMessage());

        Map<String, Tensor> wrong = bareEncoder();
        wrong.put("pooler.dense.weight", Tensor.ofFloats(new float[8 * 4], 8, 4));
        e = assertThrows(IllegalArgumentException.class, () -> BertWeights.flatten(layout, wrong, 1));
        assertTrue(e.getMessage().contains("pooler.dense.weight") && e.getMessage().contains("[8, 8]"), e.getMessage());
    }
}
