package dev.sparkft.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sparkft import-tfjs}: bad arguments and inputs exit 2 with one line and write nothing; the real nsfwjs
 * MobileNetV2 (scripts/fetch-nsfwjs.sh's cache; skipped with a warning without it) is imported with exit 0.
 */
class ImportTfjsCommandTest {
    @TempDir
    Path dir;

    @Test
    void badArgumentsAndInputsExit2WithOneLine() throws Exception {
        CliRun missing = CliRun.of("import-tfjs", "--input", dir.toString());
        assertEquals(2, missing.code());
        assertEquals("sparkft: import-tfjs needs --input and --output; " + ImportTfjsCommand.USAGE + "\n", missing.err());

        CliRun unknown = CliRun.of("import-tfjs", "--in", "x", "--output", "y");
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().startsWith("sparkft: unknown option '--in'"), unknown.err());

        CliRun noValue = CliRun.of("import-tfjs", "--input", "--output", "y");
        assertEquals(2, noValue.code());
        assertTrue(noValue.err().startsWith("sparkft: --input needs a value"), noValue.err());

        CliRun empty = CliRun.of("import-tfjs", "--input", dir.toString(), "--output", dir.resolve("out").toString());
        assertEquals(2, empty.code());
        assertEquals("sparkft: no model.json or model.min.js in " + dir + " (give the folder of a TensorFlow.js layers"
                + " model, e.g. nsfwjs's dist/models/mobilenet_v2)\n", empty.err());

        Path js = Files.writeString(dir.resolve("model.min.js"), "module.exports=42;");
        CliRun notAModel = CliRun.of("import-tfjs", "--input", dir.toString(), "--output", dir.resolve("out").toString());
        assertEquals(2, notAModel.code());
        assertTrue(notAModel.err().startsWith("sparkft: " + js.toAbsolutePath() + ": no model.json object found"),
                notAModel.err());
        assertEquals(1, notAModel.err().lines().count());
        assertFalse(Files.exists(dir.resolve("out")));
        assertTrue(CliRun.of("help").out().contains("import-tfjs --input"));
    }

    @Test
    void importsTheRealNsfwjsMobileNetV2() {
        String env = System.getenv("SPARKFT_NSFWJS");
        Path cache = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), "sparkft-data", "nsfwjs-4.3.0");
        Path model = cache.resolve("node_modules/nsfwjs/dist/models/mobilenet_v2");
        if (!Files.isRegularFile(model.resolve("model.min.js"))) {
            System.err.println("WARNING: ImportTfjsCommandTest SKIPS the real nsfwjs model: no cache at " + cache
                    + " (run scripts/fetch-nsfwjs.sh)");
            Assumptions.abort("no nsfwjs cache at " + cache);
        }
        Path out = dir.resolve("nsfw");
        CliRun run = CliRun.of("import-tfjs", "--input", model.toString(), "--output", out.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("(266 tensors, 2619461 values, classes [Drawing, Hentai, Neutral, Porn, Sexy]"),
                run.out());
        assertTrue(Files.isRegularFile(out.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(out.resolve("config.json")));

        CliRun again = CliRun.of("import-tfjs", "--input", model.toString(), "--output", out.toString());
        assertEquals(2, again.code());
        assertEquals("sparkft: import target " + out.toAbsolutePath() + " already exists; choose a new folder\n",
                again.err());
    }
}
