package dev.sparkft.data.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Argument parsing of the prep command line (no Spark). */
class ImagePrepCliTest {

    @Test
    void buildsTheConfigWithDefaults() {
        ImagePrepConfig c = ImagePrepCli.config(ImagePrepCli.parse(new String[] {
            "--train-images", "a.gz", "--train-labels", "b.gz", "--train-limit", "12000", "--output", "out"}));
        assertEquals(new IdxSource(Path.of("a.gz"), Path.of("b.gz"), 12000), c.train());
        assertNull(c.test());
        assertEquals("out", c.output());
        assertEquals(10, c.numClasses());
        assertEquals(0.1, c.validationFraction());
        assertEquals(42L, c.seed());
        assertEquals(4, c.partitions());
    }

    @Test
    void unknownOrIncompleteArgumentsAreNamed() {
        String msg = assertThrows(IllegalArgumentException.class,
                () -> ImagePrepCli.parse(new String[] {"--train-imges", "a"})).getMessage();
        assertTrue(msg.startsWith("unknown argument '--train-imges'"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> ImagePrepCli.parse(new String[] {"--seed"})).getMessage();
        assertTrue(msg.startsWith("argument --seed needs a value"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> ImagePrepCli.config(ImagePrepCli.parse(
                new String[] {"--train-images", "a", "--train-labels", "b", "--output", "o", "--test-images", "t"})))
                .getMessage();
        assertTrue(msg.startsWith("--test-labels is required"), msg);
        msg = assertThrows(IllegalArgumentException.class, () -> ImagePrepCli.config(ImagePrepCli.parse(
                new String[] {"--train-images", "a", "--train-labels", "b", "--output", "o", "--seed", "x"})))
                .getMessage();
        assertEquals("--seed must be an integer, got 'x'", msg);
    }
}
