package dev.sparkft.cnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelFiles;
import dev.sparkft.model.ParameterLayout;
import dev.sparkft.model.ParameterSegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CNN folder format, the layouts under torchvision's names, and the options' resolution on the driver. */
class CnnFolderTest {
    @TempDir
    Path dir;

    /** torchvision's published parameter counts for 1000 ImageNet classes (running statistics not counted). */
    @Test
    void parameterCountsAreTorchvisions() {
        Map<CnnArchitecture, Long> torchvision = Map.of(CnnArchitecture.RESNET18, 11_689_512L,
                CnnArchitecture.RESNET34, 21_797_672L, CnnArchitecture.RESNET50, 25_557_032L,
                CnnArchitecture.MOBILENET_V2, 3_504_872L);
        torchvision.forEach((a, expected) -> {
            ParameterLayout layout = options(config(a, 1000), BatchNormMode.FROZEN).layout();
            assertEquals(expected, layout.trainableSize(), a.optionName());
        });
        // ResNet-18's state_dict holds 122 entries; without the 20 num_batches_tracked, 102.
        assertEquals(102, CnnArchitecture.RESNET18.tensors(3, 1000, CnnConfig.Stem.IMAGENET).size());
        // MobileNetV2's state_dict holds 314 entries; without the 52 num_batches_tracked, 262.
        assertEquals(262, CnnArchitecture.MOBILENET_V2.tensors(3, 1000, CnnConfig.Stem.IMAGENET).size());
    }

    @Test
    void runningStatisticsAreFrozenOrStatisticsByMode() {
        ParameterLayout frozen = options(config(CnnArchitecture.RESNET18, 4), BatchNormMode.FROZEN).layout();
        ParameterLayout batch = options(config(CnnArchitecture.RESNET18, 4), BatchNormMode.BATCH).layout();
        ParameterSegment f = frozen.segment("layer1.0.bn1.running_var");
        ParameterSegment b = batch.segment("layer1.0.bn1.running_var");
        assertFalse(f.trainable() || f.statistic());
        assertTrue(b.statistic() && !b.trainable());
        assertTrue(frozen.segment("layer1.0.conv1.weight").decay());
        assertFalse(frozen.segment("layer1.0.bn1.weight").decay());
        assertFalse(frozen.segment("fc.bias").decay());
    }

    @Test
    void exportedFolderReadsBackToTheSameVector() throws Exception {
        CnnModelOptions options = options(config(CnnArchitecture.MOBILENET_V2, 3), BatchNormMode.FROZEN);
        float[] params = new float[options.layout().size()];
        for (int i = 0; i < params.length; i++) {
            params[i] = (float) Math.sin(i * 0.001);
        }
        Path folder = dir.resolve("export");
        new CnnExporter().write(new ExportRequest(new ModelArchitecture("djl-pytorch", options), params,
                List.of("cat", "dog", "owl"), null, folder));
        CnnConfig read = CnnConfig.read(folder.resolve("config.json"));
        assertEquals(List.of("cat", "dog", "owl"), read.classNames());
        assertEquals(options.config().with(read.classNames(), 3, 32, 32, read.mean(), read.std()), read);

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("task", "image-classification");
        spec.put("weights", folder.toString());
        spec.put("numLabels", 3);
        CnnModelOptions.Resolved resolved = CnnModelOptions.resolve(spec, ModelFiles.LOCAL);
        assertArrayEquals(params, resolved.initialParameters());
        assertThrows(IllegalArgumentException.class, () -> new CnnExporter().write(new ExportRequest(
                new ModelArchitecture("djl-pytorch", options), params, List.of(), null, folder)), "existing target");
    }

    @Test
    void badFoldersAndOptionsNameTheFileAndKey() throws Exception {
        CnnConfig c = config(CnnArchitecture.RESNET18, 3);
        Path folder = Files.createDirectories(dir.resolve("bad"));
        c.write(folder.resolve("config.json"));
        String json = Files.readString(folder.resolve("config.json"));
        Files.writeString(folder.resolve("config.json"), json.replace("\"stem\"", "\"stems\""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CnnConfig.read(folder.resolve("config.json")));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("'stems'"), e.getMessage());

        Files.writeString(folder.resolve("config.json"), json.replace("\"num_classes\" : 3", "\"num_classes\" : 4"));
        e = assertThrows(IllegalArgumentException.class, () -> CnnConfig.read(folder.resolve("config.json")));
        assertTrue(e.getMessage().contains("num_classes"), e.getMessage());

        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("task", "image-classification");
        spec.put("architecture", "resnet19");
        spec.put("numLabels", 3);
        e = assertThrows(IllegalArgumentException.class, () -> CnnModelOptions.resolve(spec, ModelFiles.LOCAL));
        assertTrue(e.getMessage().contains("model.options.architecture") && e.getMessage().contains("resnet18"),
                e.getMessage());
        spec.put("architecture", "resnet18");
        spec.put("freeze", List.of("layer9."));
        e = assertThrows(IllegalArgumentException.class, () -> CnnModelOptions.resolve(spec, ModelFiles.LOCAL));
        assertTrue(e.getMessage().contains("'layer9.'"), e.getMessage());
    }

    private static CnnConfig config(CnnArchitecture a, int classes) {
        return new CnnConfig(a, IntStream.range(0, classes).mapToObj(i -> "c" + i).toList(), 3, 32, 32,
                List.of(0.5, 0.5, 0.5), List.of(0.25, 0.25, 0.25), 1e-5, CnnConfig.Padding.SYMMETRIC,
                CnnConfig.Stem.IMAGENET);
    }

    private static CnnModelOptions options(CnnConfig config, BatchNormMode mode) {
        return new CnnModelOptions(config, mode, 0, List.of(), dev.sparkft.bert.Precision.FP32);
    }
}
