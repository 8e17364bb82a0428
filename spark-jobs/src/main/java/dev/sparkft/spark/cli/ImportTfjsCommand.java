package dev.sparkft.spark.cli;

import dev.sparkft.tfjs.TfjsImport;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sparkft import-tfjs --input DIR --output FOLDER [--class-names A,B,...]}: a TensorFlow.js Keras
 * MobileNetV2 (e.g. nsfwjs's {@code dist/models/mobilenet_v2}) to a CNN folder ({@link TfjsImport}). No Spark.
 * Exit codes: 0 written, 1 an I/O failure, 2 bad arguments or a model that is not an importable MobileNetV2
 * (nothing written).
 */
final class ImportTfjsCommand {
    static final String USAGE = "usage: sparkft import-tfjs --input DIR|model.json|model.min.js --output FOLDER"
            + " [--class-names A,B,...]";

    private ImportTfjsCommand() {
    }

    static int run(List<String> args, PrintStream out, PrintStream err) {
        String input = null;
        String output = null;
        List<String> classNames = null;
        for (int i = 0; i < args.size(); i += 2) {
            String option = args.get(i);
            if (i + 1 >= args.size() || args.get(i + 1).startsWith("--")) {
                err.println("sparkft: " + option + " needs a value; " + USAGE);
                return SparkFtCli.BAD_INPUT;
            }
            String value = args.get(i + 1);
            switch (option) {
                case "--input" -> input = value;
                case "--output" -> output = value;
                case "--class-names" -> classNames = Arrays.stream(value.split(",")).map(String::strip).toList();
                default -> {
                    err.println("sparkft: unknown option '" + option + "'; " + USAGE);
                    return SparkFtCli.BAD_INPUT;
                }
            }
        }
        if (input == null || output == null) {
            err.println("sparkft: import-tfjs needs --input and --output; " + USAGE);
            return SparkFtCli.BAD_INPUT;
        }
        try {
            TfjsImport.Result r = TfjsImport.importMobileNetV2(Path.of(input), Path.of(output), classNames);
            out.printf("sparkft: imported %s (%d tensors, %d values, classes %s, head %s) into %s%n", r.source(),
                    r.tensors(), r.parameters(), r.classNames(), r.head(), r.folder());
            return SparkFtCli.OK;
        } catch (IllegalArgumentException e) {
            err.println("sparkft: " + SparkFtCli.firstLine(e));
            return SparkFtCli.BAD_INPUT;
        } catch (IOException | RuntimeException e) {
            err.println("sparkft: import-tfjs failed: " + SparkFtCli.firstLine(e));
            return SparkFtCli.FAILED;
        }
    }
}
