package dev.sparkft.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pooler is optional as a pair (BertForTokenClassification has none); half a pooler is an error. */
class BertWeightsTest {

    @Test
    void poolerIsOptionalButNotHalfPresent() {
        BertWeights full = TinyBert.weights(1);
        assertTrue(full.hasPooler());
        Map<String, Tensor> noPooler = new LinkedHashMap<>(full.tensors());
        noPooler.remove(BertWeights.POOLER_WEIGHT);
        noPooler.remove(BertWeights.POOLER_BIAS);
        BertWeights encoderOnly = new BertWeights(TinyBert.CONFIG, noPooler);
        assertFalse(encoderOnly.hasPooler());
        long h = TinyBert.CONFIG.hiddenSize();
        assertEquals(BertWeights.parameterCount(TinyBert.CONFIG) - h * h - h, encoderOnly.parameterCount());

        Map<String, Tensor> half = new LinkedHashMap<>(full.tensors());
        half.remove(BertWeights.POOLER_BIAS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BertWeights(TinyBert.CONFIG, half));
        assertTrue(e.getMessage().contains("missing 'pooler.dense.bias'"), e.getMessage());
    }
}
