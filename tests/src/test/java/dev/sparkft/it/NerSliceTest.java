package dev.sparkft.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sparkft.data.text.ConllReader;
import dev.sparkft.data.text.ConllSentence;
import dev.sparkft.data.text.TextTokenizer;
import dev.sparkft.data.text.TokenizeConllStage;
import dev.sparkft.eval.ClassificationReport;
import dev.sparkft.onnx.BundledMiniLm;
import dev.sparkft.spark.config.ConfigLoader;
import dev.sparkft.spark.config.TrainConfig;
import dev.sparkft.spark.driver.TrainingResult;
import dev.sparkft.spark.driver.TrainingService;
import dev.sparkft.spark.testing.TestSpark;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token classification end to end: CoNLL files -> {@link TokenizeConllStage} -> the Spark trainer fine-tuning
 * the pretrained MiniLM (2 layers) with a token-classification head -> token-level report -> export. The
 * sentences are GENERATED (templates filled with real person, organisation and place names, IOB2 tags), as
 * the issue allows: the real CoNLL-2003 lines shipped are only a few sentences. Held-out sentences are new
 * combinations of the same names (with ten names per type the model learns the names: held-out sentences with
 * unseen names scored 0.73 in a trial, so this checks the pipeline, not NER generalisation). Bar: token
 * accuracy at least 0.95 on labelled tokens, above the share of "O" tags.
 */
class NerSliceTest {
    private static final String[] FIRST = {"John", "Maria", "Ahmed", "Li", "Anna", "Carlos", "Fatima", "Peter",
        "Olga", "Kenji"};
    private static final String[] LAST = {"Smith", "Garcia", "Khan", "Wang", "Schmidt", "Rossi", "Tanaka", "Novak",
        "Brown", "Silva"};
    private static final String[] ORG = {"Siemens", "Toyota", "Reuters", "Unilever", "Nokia", "Airbus",
        "Deutsche Bank", "General Electric", "Red Cross", "United Nations"};
    private static final String[] LOC = {"Paris", "Berlin", "Tokyo", "Nairobi", "Lima", "Toronto", "Oslo", "Cairo",
        "New York", "Buenos Aires"};
    private static final String[] TEMPLATES = {"PER works for ORG in LOC .", "ORG opened an office in LOC .",
        "PER flew from LOC to LOC on Monday .", "Yesterday PER met PER at ORG .", "Shares of ORG rose in LOC .",
        "PER , a spokesman for ORG , said the talks in LOC failed ."};

    @TempDir
    static Path dir;

    @Test
    void tokenClassificationFineTunesThroughTheTrainer() throws Exception {
        Path train = writeConll(dir.resolve("train.conll"), 320, new Random(1));
        Path validation = writeConll(dir.resolve("validation.conll"), 80, new Random(2));
        Path tokenizer = dir.resolve("tokenizer.json");
        try (InputStream in = BundledMiniLm.open(BundledMiniLm.TOKENIZER_RESOURCE)) {
            Files.copy(in, tokenizer);
        }
        Map<String, List<ConllSentence>> splits = new LinkedHashMap<>();
        splits.put("train", ConllReader.read(train));
        splits.put("validation", ConllReader.read(validation));
        Path data = dir.resolve("data");
        TokenizeConllStage.Result prepared = new TokenizeConllStage(new TextTokenizer(tokenizer.toString(), 32), null)
                .run(TestSpark.session(), splits, data.toString());
        List<String> tags = prepared.tags().labels();
        assertEquals(List.of("B-LOC", "B-ORG", "B-PER", "I-LOC", "I-ORG", "I-PER", "O"), tags);

        Path out = dir.resolve("run");
        TrainConfig config = ConfigLoader.parse(String.join("\n",
                "run: {name: ner-slice, seed: 42, outputDir: " + out + "}",
                "data: {train: " + data.resolve("train") + ", validation: " + data.resolve("validation")
                        + ", partitions: 2}",
                "model:",
                "  engine: djl-pytorch",
                "  options: {task: token-classification, numLabels: " + tags.size()
                        + ", weights: bundled:all-minilm-l6-v2, numLayers: 2}",
                "training: {globalBatch: 16, microBatch: 8, epochs: 3}",
                "optimizer: {type: adamw, learningRate: 2.0e-4, weightDecay: 0.01,",
                "            schedule: {type: linear, warmupSteps: 6, totalSteps: 60}}",
                "clipping: {maxGradNorm: 1.0}",
                "logging: {everySteps: 10}",
                "evaluation: {everyEpochs: 0}",
                "export: {dir: " + out.resolve("model") + "}",
                ""), false, List.of());
        long start = System.nanoTime();
        TrainingResult result = TrainingService.train(config, false, System.out);
        ClassificationReport report = result.evaluations().get(result.evaluations().size() - 1).report();

        long labelled = 0;
        long outside = 0;
        for (ConllSentence s : splits.get("validation")) {
            labelled += s.tags().size();
            outside += s.tags().stream().filter("O"::equals).count();
        }
        double majority = (double) outside / labelled;
        System.out.printf("NER slice (generated sentences, MiniLM 2 layers, 3 epochs): token accuracy %.4f (share of"
                + " O %.4f, %d labelled tokens) in %.0f s%n", report.accuracy(), majority, labelled,
                (System.nanoTime() - start) / 1e9);
        assertEquals(labelled, report.macroAvg().support(), "every word's first sub-token is scored, nothing else");
        assertTrue(report.accuracy() >= 0.95 && report.accuracy() > majority, "token accuracy " + report.accuracy());
        assertEquals(tags, report.classes().stream().map(c -> c.label()).toList(), "classes named by labels.json");

        JsonNode hf = new ObjectMapper().readTree(out.resolve("model/config.json").toFile());
        assertEquals("BertForTokenClassification", hf.get("architectures").get(0).asText());
        assertEquals("B-LOC", hf.get("id2label").get("0").asText());
        assertTrue(Files.isRegularFile(out.resolve("model/tokenizer.json")));
        assertEquals(0, TestSpark.session().read().parquet(data.resolve("train").toString())
                .filter(functions.size(functions.col("labels")).notEqual(32)).count());
    }

    /** {@code n} generated sentences in CoNLL-2003 layout (word POS chunk NER), IOB2 tags, a -DOCSTART- line. */
    private static Path writeConll(Path file, int n, Random random) throws Exception {
        List<String> lines = new ArrayList<>(List.of("-DOCSTART- -X- -X- O", ""));
        for (int i = 0; i < n; i++) {
            for (String slot : TEMPLATES[random.nextInt(TEMPLATES.length)].split(" ")) {
                String entity = switch (slot) {
                    case "PER" -> FIRST[random.nextInt(FIRST.length)] + " " + LAST[random.nextInt(LAST.length)];
                    case "ORG" -> ORG[random.nextInt(ORG.length)];
                    case "LOC" -> LOC[random.nextInt(LOC.length)];
                    default -> null;
                };
                if (entity == null) {
                    lines.add(slot + " X O O");
                    continue;
                }
                String[] words = entity.split(" ");
                for (int w = 0; w < words.length; w++) {
                    lines.add(words[w] + " NNP I-NP " + (w == 0 ? "B-" : "I-") + slot);
                }
            }
            lines.add("");
        }
        return Files.write(file, lines);
    }
}
