package dev.sparkft.engine.djl;

import ai.djl.engine.Engine;
import dev.sparkft.bert.BertExporter;
import dev.sparkft.bert.BertModelOptions;
import dev.sparkft.model.ModelEngine;
import dev.sparkft.model.ModelExporter;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.TrainableModel;
import java.util.Optional;

/** The {@code djl-pytorch} engine: Hugging Face-exact BERT classifiers on DJL's PyTorch engine. */
public final class DjlEngine implements ModelEngine {
    public static final String NAME = "djl-pytorch";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public TrainableModel create(ModelSpec spec) {
        BertModelOptions options = BertModelOptions.parse(spec.options());
        Engine torch = Engine.getEngine("PyTorch");
        TorchThreads.logOnce();
        return new DjlBertModel(options, torch.newBaseManager());
    }

    /** Hugging Face folders: the layout and weights are HF BERT's, whatever engine computed them. */
    @Override
    public Optional<ModelExporter> exporter() {
        return Optional.of(new BertExporter());
    }
}
