package dev.sparkft.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.hf.HuggingFaceBert;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import dev.sparkft.model.ModelFiles;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Option {@code numLayers}: the first N encoder layers of the weights, the rest of the architecture unchanged;
 * every tensor of the cut model is the same-named tensor of the full one.
 */
class BertNumLayersTest {

    private static Map<String, Object> options(Object numLayers) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("task", "sequence-classification");
        o.put("numLabels", 2);
        o.put("weights", BertWeightsSource.BUNDLED_MINILM);
        if (numLayers != null) {
            o.put("numLayers", numLayers);
        }
        return o;
    }

    @Test
    void keepsTheFirstPretrainedLayers() {
        BertModelOptions.Resolved resolved = BertModelOptions.resolve(options(null), ModelFiles.LOCAL);
        BertModelOptions full = resolved.architecture();
        BertModelOptions cut = BertModelOptions.resolve(options(2), ModelFiles.LOCAL).architecture();
        assertEquals(6, full.config().numLayers());
        assertEquals(2, cut.config().numLayers());
        assertEquals(full.config().hiddenSize(), cut.config().hiddenSize());

        HuggingFaceBert weights = resolved.weights().load(full.config(), 0);
        ParameterLayout fullLayout = BertParameterNames.layout(full.config(), full.head());
        ParameterLayout cutLayout = BertParameterNames.layout(cut.config(), cut.head());
        float[] fullFlat = BertFlatVector.flatten(fullLayout, weights, 0);
        float[] cutFlat = BertFlatVector.flatten(cutLayout, weights, 0);
        assertTrue(cutLayout.segments().stream().anyMatch(s -> s.name().contains("layer.1.")));
        assertTrue(cutLayout.segments().stream().noneMatch(s -> s.name().contains("layer.2.")));
        for (ParameterSegment s : cutLayout.segments()) {
            ParameterSegment f = fullLayout.segment(s.name());
            assertArrayEquals(slice(fullFlat, f), slice(cutFlat, s), s.name());
        }
    }

    @Test
    void outOfRangeIsRefused() {
        for (int n : new int[] {0, 7}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BertModelOptions.resolve(options(n), ModelFiles.LOCAL));
            assertTrue(e.getMessage().contains("'model.options.numLayers' = " + n)
                    && e.getMessage().contains("the model's 6 layers"), e.getMessage());
        }
    }

    private static float[] slice(float[] flat, ParameterSegment s) {
        return Arrays.copyOfRange(flat, (int) s.offset(), (int) s.end());
    }
}
