package dev.sparkft.engine.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.sparkft.bert.BertExporter;
import dev.sparkft.bert.BertModelOptions;
import dev.sparkft.cnn.CnnExporter;
import dev.sparkft.cnn.CnnModelOptions;
import dev.sparkft.engine.djl.cnn.DjlCnnModel;
import dev.sparkft.model.ComputeDevice;
import dev.sparkft.model.ExportRequest;
import dev.sparkft.model.FrozenParameters;
import dev.sparkft.model.ModelArchitecture;
import dev.sparkft.model.ModelEngine;
import dev.sparkft.model.ModelExporter;
import dev.sparkft.model.ModelFiles;
import dev.sparkft.model.ModelSpec;
import dev.sparkft.model.ResolvedModel;
import dev.sparkft.model.TrainableModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code djl-pytorch} engine on DJL's PyTorch engine: Hugging Face-exact BERT classifiers, and torchvision-exact
 * CNN image classifiers when option {@code task} is {@value CnnModelOptions#TASK}.
 */
public final class DjlEngine implements ModelEngine {
    public static final String NAME = "djl-pytorch";
    private static final Logger LOG = LoggerFactory.getLogger(DjlEngine.class);
    private static final AtomicBoolean WARNED_NO_GPU = new AtomicBoolean();

    @Override
    public String name() {
        return NAME;
    }

    /** On the driver: the options parsed, the config read, an ONNX graph imported once; no libtorch. */
    @Override
    public ResolvedModel resolve(ModelSpec spec, ModelFiles files) {
        requireOwn(spec.engine());
        if (CnnModelOptions.TASK.equals(spec.options().get("task"))) {
            CnnModelOptions.Resolved cnn = CnnModelOptions.resolve(spec.options(), files);
            return new ResolvedModel(new ModelArchitecture(NAME, cnn.architecture()), cnn::initialParameters);
        }
        BertModelOptions.Resolved resolved = BertModelOptions.resolve(spec.options(), files);
        ModelArchitecture architecture = new ModelArchitecture(NAME, resolved.architecture());
        if (resolved.frozenParameters() != null) {
            architecture = architecture.withFrozen(FrozenParameters.of(resolved.frozenParameters()));
        }
        return new ResolvedModel(architecture, resolved::initialParameters);
    }

    @Override
    public TrainableModel create(ModelArchitecture architecture) {
        return create(architecture, ComputeDevice.CPU);
    }

    @Override
    public TrainableModel create(ModelArchitecture architecture, ComputeDevice device) {
        requireOwn(architecture.engine());
        Engine torch = Engine.getEngine("PyTorch");
        TorchThreads.logOnce();
        if (architecture.details() instanceof CnnModelOptions cnn) {
            return new DjlCnnModel(cnn, torch.newBaseManager(torchDevice(torch, device)));
        }
        BertModelOptions options = architecture.details(BertModelOptions.class);
        return new DjlBertModel(options, torch.newBaseManager(torchDevice(torch, device)));
    }

    /**
     * The libtorch device for {@code device}: the GPU if this libtorch sees it, else the CPU with a warning
     * (the Maven jars' libtorch is CPU-only; a GPU cluster binds DJL to a CUDA libtorch, docs/cluster.md).
     */
    static Device torchDevice(Engine torch, ComputeDevice device) {
        if (!device.isGpu()) {
            return Device.cpu();
        }
        int visible = torch.getGpuCount();
        if (device.index() >= visible) {
            if (WARNED_NO_GPU.compareAndSet(false, true)) {
                LOG.warn("this task was assigned {} but libtorch {} sees {} GPU(s): computing on the CPU. Bind DJL to a"
                        + " CUDA libtorch (PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR; docs/cluster.md) and"
                        + " make the GPU discovery script report the indices CUDA sees", device, torch.getVersion(),
                        visible);
            }
            return Device.cpu();
        }
        return Device.gpu(device.index());
    }

    /** From the architecture alone: libtorch is not loaded, no weights are copied. */
    @Override
    public long parameterCount(ModelArchitecture architecture) {
        if (architecture.details() instanceof CnnModelOptions cnn) {
            return cnn.layout().size();
        }
        return architecture.details(BertModelOptions.class).layout().size();
    }

    private static void requireOwn(String engine) {
        if (!NAME.equals(engine)) {
            throw new IllegalArgumentException("model for engine '" + engine + "' given to engine '" + NAME + "'");
        }
    }

    /** Hugging Face folders for BERT, CNN folders (torchvision names) for CNNs. */
    @Override
    public Optional<ModelExporter> exporter() {
        return Optional.of(new FamilyExporter());
    }

    /** Picks the exporter of the model family the architecture describes. */
    private static final class FamilyExporter implements ModelExporter {
        private final ModelExporter bert = new BertExporter();
        private final ModelExporter cnn = new CnnExporter();

        private ModelExporter of(ModelArchitecture architecture) {
            return architecture.details() instanceof CnnModelOptions ? cnn : bert;
        }

        @Override
        public void checkInputs(ModelArchitecture architecture, List<String> labels, Path tokenizer) {
            of(architecture).checkInputs(architecture, labels, tokenizer);
        }

        @Override
        public void write(ExportRequest request) throws IOException {
            of(request.architecture()).write(request);
        }
    }
}
