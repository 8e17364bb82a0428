package dev.sparkft.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Non-finite hyperparameters written as YAML ({@code .inf}, {@code -.inf}, {@code .nan}) or as a number too
 * large for a double ({@code 1e999}) reach the typed config as numbers and are refused there naming the key,
 * from {@code --set} overrides and from config files alike.
 */
class NonFiniteConfigTest {
    private static final String MINIMAL = String.join("\n",
            "data: {train: /data/train.parquet}",
            "model: {engine: dl4j, options: {network: mlp}}",
            "training: {globalBatch: 32, steps: 100}",
            "optimizer: {type: adamw, learningRate: 0.001}",
            "");

    private static String refusal(String yaml, String... overrides) {
        return assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.parse(yaml, false, List.of(overrides))).getMessage();
    }

    @Test
    void setOverrideOfInfinityIsRefusedNamingTheKey() {
        // Jackson's YAML parser failed on '.inf' itself: "override ...: cannot parse value '.inf'".
        assertEquals("optimizer.learningRate must be a finite number, got Infinity",
                refusal(MINIMAL, "optimizer.learningRate=.inf"));
        assertEquals("optimizer.weightDecay must be a finite number, got -Infinity",
                refusal(MINIMAL, "optimizer.weightDecay=-.Inf"));
        assertEquals("optimizer.schedule.finalFraction must be a finite number, got NaN",
                refusal(MINIMAL, "optimizer.schedule.finalFraction=.NaN"));
        // 1e999 always parsed (to Infinity), and an infinite epsilon used to be accepted.
        assertEquals("optimizer.epsilon must be a finite number, got Infinity",
                refusal(MINIMAL, "optimizer.epsilon=1e999"));
    }

    @Test
    void configFileValuesAreRefusedNamingFileAndKey(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("nan.yaml");
        Files.writeString(yaml, MINIMAL.replace("learningRate: 0.001", "learningRate: 0.001, beta2: .nan"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfigLoader.load(yaml, List.of()));
        assertEquals(yaml + ": optimizer.beta2 must be a finite number, got NaN", e.getMessage());
    }

    @Test
    void quotedOrUnusualSpellingsStayStrings() {
        // Only YAML's own float forms are numbers; a quoted '.inf' or a bare Infinity is a string, as before.
        assertEquals("key 'optimizer.learningRate' must be a number, got \".inf\"",
                refusal(MINIMAL, "optimizer.learningRate='.inf'"));
        assertEquals("key 'optimizer.learningRate' must be a number, got \"Infinity\"",
                refusal(MINIMAL, "optimizer.learningRate=Infinity"));
    }
}
