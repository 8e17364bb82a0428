package dev.sparkft.spark.testing;

import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelEngine;
import dev.sparkft.model.ModelExporter;
import dev.sparkft.model.ModelFiles;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.TrainableModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Registers {@link SoftmaxRegressionModel} as engine {@code test-softmax} (test scope only), with an export
 * format of its own: {@code parameters.txt} (one float per line) and {@code labels.txt}, which needs a class
 * name per class.
 */
public final class SoftmaxRegressionEngine implements ModelEngine {
    @Override
    public String name() {
        return "test-softmax";
    }

    @Override
    public ResolvedModel resolve(ModelSpec spec, ModelFiles files) {
        SoftmaxRegressionModel.Shape shape = SoftmaxRegressionModel.Shape.parse(spec.options());
        return new ResolvedModel(new ModelArchitecture(name(), shape), shape::initialParameters);
    }

    @Override
    public TrainableModel create(ModelArchitecture architecture) {
        return new SoftmaxRegressionModel(architecture.details(SoftmaxRegressionModel.Shape.class));
    }

    @Override
    public Optional<ModelExporter> exporter() {
        return Optional.of(new ModelExporter() {
            @Override
            public void checkInputs(ModelArchitecture architecture, List<String> labels, Path tokenizer) {
                int classes = architecture.details(SoftmaxRegressionModel.Shape.class).classes();
                if (labels.size() != classes) {
                    throw new IllegalArgumentException(labels.size() + " class names " + labels + " for "
                            + classes + " classes");
                }
            }

            @Override
            public void write(ExportRequest request) throws IOException {
                checkInputs(request.architecture(), request.labels(), request.tokenizer());
                Files.createDirectories(request.target());
                List<String> lines = new ArrayList<>();
                for (float p : request.params()) {
                    lines.add(Float.toString(p));
                }
                Files.write(request.target().resolve("parameters.txt"), lines, StandardCharsets.UTF_8);
                Files.write(request.target().resolve("labels.txt"), request.labels(), StandardCharsets.UTF_8);
            }
        });
    }

    /** The parameters an export wrote. */
    public static float[] readExport(Path dir) throws IOException {
        List<String> lines = Files.readAllLines(dir.resolve("parameters.txt"), StandardCharsets.UTF_8);
        float[] p = new float[lines.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = Float.parseFloat(lines.get(i));
        }
        return p;
    }
}
