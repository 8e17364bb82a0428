package dev.sparkft.engine.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sparkft.testing.PythonReference;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Dl4jNetworkConfig#flops} against PyTorch's FlopCounterMode on the same networks rebuilt in PyTorch
 * (scripts/reference/cnn_flops.py), forward and training, exactly; the rebuilt network has the DL4J network's
 * parameter count, so both are the same shapes (odd sizes check the pools' truncation).
 */
class Dl4jNetworkFlopsTest {
    @TempDir
    Path dir;

    @Test
    void matchesPyTorchsFlopCounter() throws Exception {
        Path python = PythonReference.require(Dl4jNetworkFlopsTest.class);
        List<Dl4jNetworkConfig> cases = List.of(
                new Dl4jNetworkConfig("mlp", 1, 28, 28, 10, List.of(64, 32), null, 1, "float"),
                new Dl4jNetworkConfig("cnn", 1, 28, 28, 10, List.of(64), List.of(16, 32), 1, "float"),
                new Dl4jNetworkConfig("cnn", 3, 21, 19, 3, List.of(), List.of(4, 8), 1, "float"));
        ObjectMapper json = new ObjectMapper();
        ArrayNode in = json.createArrayNode();
        for (Dl4jNetworkConfig c : cases) {
            ObjectNode n = in.addObject().put("kind", "dl4j").put("architecture", c.architecture())
                    .put("classes", c.numClasses());
            List.of(c.channels(), c.height(), c.width()).forEach(n.putArray("image_size")::add);
            c.hidden().forEach(n.putArray("hidden")::add);
            c.filters().forEach(n.putArray("filters")::add);
        }
        JsonNode ref = PythonReference.runJson(python, Duration.ofSeconds(300), "cnn_flops.py", dir, in);
        for (int i = 0; i < cases.size(); i++) {
            Dl4jNetworkConfig c = cases.get(i);
            JsonNode r = ref.get(i);
            assertEquals(r.get("parameters").asLong(), Dl4jNetworks.build(c).numParams(), c + ": another network");
            assertEquals(r.get("forward").asDouble(), c.flops(false), 0, c + " forward");
            assertEquals(r.get("training").asDouble(), c.flops(true), 0, c + " training");
            assertEquals(c.flops(true), c.trainingFlopsPerExample(Map.of()), 0);
        }
    }
}
