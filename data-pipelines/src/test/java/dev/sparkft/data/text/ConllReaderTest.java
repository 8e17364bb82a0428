package dev.sparkft.data.text;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CoNLL-2003 samples from Apache OpenNLP's test jar (src/test/resources/conll, see its NOTICE.md). */
class ConllReaderTest {

    @Test
    void readsTheEnglishSample() {
        List<ConllSentence> s = ConllReader.read(TestResources.path("conll/conll2003-en.sample"));
        assertEquals(2, s.size(), "-DOCSTART- is not a sentence");
        assertEquals(List.of("EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."), s.get(0).words());
        assertEquals(List.of("I-ORG", "O", "I-MISC", "O", "O", "O", "I-MISC", "O", "O"), s.get(0).tags());
        assertEquals(List.of("Peter", "Blackburn"), s.get(1).words());
        assertEquals(List.of("I-PER", "I-PER"), s.get(1).tags());
    }

    @Test
    void readsTheFiveColumnGermanSampleTakingTheLastColumnAsTag() {
        List<ConllSentence> s = ConllReader.read(TestResources.path("conll/conll2003-de.sample"));
        assertEquals(2, s.size());
        assertEquals("Erzählung", s.get(0).words().get(2));
        assertEquals(List.of("I-PER", "I-PER", "O", "O", "O", "I-MISC", "I-MISC", "I-MISC", "O", "O"), s.get(1).tags());
    }

    @Test
    void malformedLineIsNamedWithFileAndLine(@TempDir Path tmp) throws Exception {
        List<String> lines = Files.readAllLines(TestResources.path("conll/conll2003-en.sample"));
        lines.set(4, "German JJ I-MISC");   // line 5: the chunk column is missing
        Path bad = Files.write(tmp.resolve("bad.conll"), lines);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConllReader.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ":5: "), e.getMessage());
        assertTrue(e.getMessage().contains("found 3"), e.getMessage());

        lines = Files.readAllLines(TestResources.path("conll/conll2003-en.sample"));
        lines.set(13, "Blackburn NNP I-NP PERSON");
        Path badTag = Files.write(tmp.resolve("bad-tag.conll"), lines);
        e = assertThrows(IllegalArgumentException.class, () -> ConllReader.read(badTag));
        assertTrue(e.getMessage().startsWith(badTag + ":14: NER tag 'PERSON'"), e.getMessage());
    }
}
