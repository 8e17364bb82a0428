package dev.sparkft.data.text;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DJL's binding of the Rust tokenizer against Hugging Face {@code transformers} on the same
 * tokenizer.json: tokenizer-expected.json was written by scripts/reference/make_tokenizer_expected.py
 * (transformers 5.18, tokenizers 0.23) and is compared id for id.
 */
class TextTokenizerTest {

    private static JsonNode cases;
    private static String tokenizerJson;

    @BeforeAll
    static void load() throws Exception {
        cases = new ObjectMapper().readTree(TestResources.path("text/tokenizer-expected.json").toFile()).get("cases");
        tokenizerJson = TestResources.miniLmTokenizer();
    }

    @Test
    void singleTextsEqualTransformers() {
        int checked = 0;
        for (JsonNode c : cases) {
            if (c.get("kind").asText().equals("single")) {
                EncodedText enc = new TextTokenizer(tokenizerJson, c.get("max_length").asInt()).encode(c.get("text").asText());
                assertEncoded(c, enc);
                checked++;
            }
        }
        assertEquals(5, checked);
    }

    /**
     * What executors receive holds the tokenizer itself: serialised on the "driver", the file deleted, read back
     * and used with a length no other test loads (so the native tokenizer is built after the deletion).
     */
    @Test
    void executorsNeedNoFileAtTheDriversPath(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path copy = dir.resolve("tokenizer.json");
        Files.copy(java.nio.file.Path.of(tokenizerJson), copy);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(new TextTokenizer(copy.toString(), 23));
        }
        Files.delete(copy);
        TextTokenizer shipped;
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            shipped = (TextTokenizer) in.readObject();
        }
        EncodedText enc = shipped.encode("hello world");
        assertEquals(23, enc.inputIds().length);
        assertArrayEquals(new int[] {101, 7592, 2088, 102}, java.util.Arrays.copyOf(enc.inputIds(), 4));
    }

    @Test
    void longDocumentIsTruncatedToMaxLength() throws Exception {
        String speech = Files.readString(TestResources.path("text/sotu-1790_george_washington_n.txt"));
        EncodedText enc = new TextTokenizer(tokenizerJson, 128).encode(speech);
        assertEquals(128, enc.inputIds().length);
        assertEquals(128, enc.realLength());
        assertEquals(101, enc.inputIds()[0]);     // [CLS]
        assertEquals(102, enc.inputIds()[127]);   // [SEP] kept after truncation
    }

    @Test
    void shortTextIsPaddedWithZeroMask() {
        EncodedText enc = new TextTokenizer(tokenizerJson, 16).encode("Save up to 70% on international calls!");
        assertEquals(11, enc.realLength());
        for (int i = 11; i < 16; i++) {
            assertEquals(0, enc.inputIds()[i]);   // [PAD]
            assertEquals(0, enc.attentionMask()[i]);
        }
    }

    @Test
    void pairsEqualTransformersIncludingLongestFirstTruncation() {
        int checked = 0;
        for (JsonNode c : cases) {
            if (c.get("kind").asText().equals("pair")) {
                TextTokenizer tok = new TextTokenizer(tokenizerJson, c.get("max_length").asInt());
                EncodedText enc = tok.encodePair(c.get("text").asText(), c.get("text_pair").asText());
                assertEncoded(c, enc);
                assertTrue(enc.tokenTypeIds()[1] == 0 && contains(enc.tokenTypeIds(), 1), "segment B has type 1");
                checked++;
            }
        }
        assertEquals(2, checked);
    }

    @Test
    void wordLabelsAlignToFirstSubTokenLikeTransformers() {
        int checked = 0;
        for (JsonNode c : cases) {
            if (c.get("kind").asText().equals("words")) {
                List<String> words = new ArrayList<>();
                c.get("words").forEach(w -> words.add(w.asText()));
                int[] wordLabels = ints(c.get("word_labels"));
                TokenLabels tl = new TextTokenizer(tokenizerJson, c.get("max_length").asInt()).encodeWords(words, wordLabels);
                assertEncoded(c, tl.tokens());
                assertArrayEquals(ints(c.get("labels")), tl.labels(), "labels of " + words);
                checked++;
            }
        }
        assertEquals(5, checked);
    }

    @Test
    void nerAlignmentOnRealConllSentence() {
        // "Albrecht Lehmann versucht ..." from conll2003-de.sample: 'lehmann' splits into 'le ##hman ##n'.
        List<ConllSentence> sentences = ConllReader.read(TestResources.path("conll/conll2003-de.sample"));
        ConllSentence s = sentences.get(1);
        LabelVocabulary labels = new LabelVocabulary(List.of("I-MISC", "I-PER", "O"));
        int[] wordLabels = s.tags().stream().mapToInt(labels::idOf).toArray();
        TokenLabels tl = new TextTokenizer(tokenizerJson, 32).encodeWords(s.words(), wordLabels);
        int labelled = 0;
        for (int l : tl.labels()) {
            labelled += l == TextTokenizer.IGNORE_LABEL ? 0 : 1;
        }
        assertEquals(s.words().size(), labelled, "one labelled token per word");
        assertEquals(TextTokenizer.IGNORE_LABEL, tl.labels()[0], "[CLS]");
        assertEquals(labels.idOf("I-PER"), tl.labels()[1]);
        assertEquals(labels.idOf("I-PER"), tl.labels()[2]);
        assertEquals(TextTokenizer.IGNORE_LABEL, tl.labels()[3], "second piece of 'Lehmann'");
    }

    @Test
    void windowsEqualHuggingFaceTokenizersOverflowWithStride() throws Exception {
        JsonNode windowCases = new ObjectMapper()
                .readTree(TestResources.path("text/tokenizer-windows-expected.json").toFile()).get("cases");
        int compared = 0;
        for (JsonNode c : windowCases) {
            TextTokenizer tok = new TextTokenizer(tokenizerJson, c.get("max_length").asInt());
            List<EncodedText> windows = tok.encodeWindows(c.get("text").asText(), c.get("stride").asInt());
            String what = c.get("max_length") + "/" + c.get("stride") + " " + c.get("text").asText().substring(0, 20);
            assertEquals(c.get("windows").size(), windows.size(), "windows of " + what);
            for (int w = 0; w < windows.size(); w++) {
                JsonNode expected = c.get("windows").get(w);
                assertArrayEquals(ints(expected.get("input_ids")), windows.get(w).inputIds(), "window " + w + " of " + what);
                assertArrayEquals(ints(expected.get("attention_mask")), windows.get(w).attentionMask(), "mask " + w + " of " + what);
                assertArrayEquals(ints(expected.get("token_type_ids")), windows.get(w).tokenTypeIds(), "types " + w + " of " + what);
                compared++;
            }
        }
        assertTrue(compared >= 50, "windows compared: " + compared);
    }

    @Test
    void aTextThatFitsIsOneWindowEqualToEncode() {
        TextTokenizer tok = new TextTokenizer(tokenizerJson, 32);
        String text = "Save up to 70% on international calls!";
        List<EncodedText> windows = tok.encodeWindows(text, 8);
        assertEquals(1, windows.size());
        assertArrayEquals(tok.encode(text).inputIds(), windows.get(0).inputIds());
        assertEquals(1, tok.encodeWindows("", 8).size(), "an empty text is one [CLS] [SEP] window");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.encodeWindows(text, 30));
        assertEquals("window stride must be in [0, 29] (maxLength 32 less [CLS] and [SEP], less one new token per"
                + " window), got 30", e.getMessage());
    }

    @Test
    void survivesJavaSerialisationAsSparkShipsIt() throws Exception {
        TextTokenizer tok = new TextTokenizer(tokenizerJson, 32);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(tok);
        }
        TextTokenizer copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (TextTokenizer) in.readObject();
        }
        String text = "Peter Blackburn";
        assertArrayEquals(tok.encode(text).inputIds(), copy.encode(text).inputIds());
        long file = Files.size(java.nio.file.Path.of(tokenizerJson));
        assertTrue(bytes.size() > file && bytes.size() < file + 1000,
                "the tokenizer.json's bytes travel, and little else: " + bytes.size() + " bytes for a " + file
                        + "-byte file");
    }

    @Test
    void missingTokenizerFileIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TextTokenizer("/no/such/tokenizer.json", 128));
        assertTrue(e.getMessage().contains("/no/such/tokenizer.json"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TextTokenizer(tokenizerJson, 3));
        assertThrows(IllegalArgumentException.class,
                () -> new TextTokenizer(tokenizerJson, 8).encodeWords(List.of("a", "b"), new int[] {0}));
        assertTrue(Path.of(tokenizerJson).isAbsolute());
    }

    private static void assertEncoded(JsonNode c, EncodedText enc) {
        String what = c.has("text") ? c.get("text").asText() : c.get("words").toString();
        String shortWhat = what.substring(0, Math.min(60, what.length()));
        assertArrayEquals(ints(c.get("input_ids")), enc.inputIds(), "input_ids of " + shortWhat);
        assertArrayEquals(ints(c.get("attention_mask")), enc.attentionMask(), "attention_mask of " + shortWhat);
        assertArrayEquals(ints(c.get("token_type_ids")), enc.tokenTypeIds(), "token_type_ids of " + shortWhat);
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static boolean contains(int[] values, int v) {
        for (int x : values) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
