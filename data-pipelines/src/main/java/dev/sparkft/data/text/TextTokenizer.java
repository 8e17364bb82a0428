package dev.sparkft.data.text;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * A Hugging Face fast tokenizer (a local {@code tokenizer.json}, never the hub) that pads and truncates
 * every example to {@code maxLength} tokens, special tokens included. The tokenizer.json is read once, on the
 * driver, and its content travels to executors with the length (a few hundred KB, in the stage's task binary
 * that Spark broadcasts), so no executor opens the driver's path; each executor JVM loads the native tokenizer
 * once per content ({@link ExecutorTokenizers}). Pairs are
 * truncated longest-first, as {@code transformers} does with {@code truncation=True}.
 */
public final class TextTokenizer implements Serializable {

    private static final long serialVersionUID = 1L;

    /** Label of positions the token-classification loss ignores (PyTorch's cross-entropy default). */
    public static final int IGNORE_LABEL = -100;

    private final String tokenizerJson;
    private final byte[] content;
    private final String sha256;
    private final int maxLength;

    /**
     * Driver side: reads the file.
     *
     * @param tokenizerJson path of a {@code tokenizer.json} on the driver
     * @param maxLength tokens per example after padding/truncation, special tokens included
     */
    public TextTokenizer(String tokenizerJson, int maxLength) {
        if (tokenizerJson == null || !Files.isRegularFile(Path.of(tokenizerJson))) {
            throw new IllegalArgumentException("tokenizer file " + tokenizerJson
                    + " does not exist; give the path of a Hugging Face tokenizer.json");
        }
        if (maxLength < 4) {
            throw new IllegalArgumentException("maxLength must be >= 4 (room for [CLS] a [SEP] b [SEP]), got " + maxLength);
        }
        this.tokenizerJson = Path.of(tokenizerJson).toAbsolutePath().toString();
        try {
            this.content = Files.readAllBytes(Path.of(this.tokenizerJson));
            this.sha256 = java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(content));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read tokenizer file " + tokenizerJson, e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        this.maxLength = maxLength;
    }

    /** The driver's path of the file, for messages and for copying it into a dataset or export. */
    public String tokenizerJson() {
        return tokenizerJson;
    }

    public int maxLength() {
        return maxLength;
    }

    /** Driver side: copies the tokenizer file into {@code dir} as {@code tokenizer.json} (what an export ships). */
    public void copyTo(org.apache.hadoop.fs.Path dir, org.apache.hadoop.conf.Configuration conf) {
        try {
            dir.getFileSystem(conf).copyFromLocalFile(new org.apache.hadoop.fs.Path(Path.of(tokenizerJson).toUri()),
                    new org.apache.hadoop.fs.Path(dir, dev.sparkft.data.dataset.PreparedDataset.TOKENIZER_FILE));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot copy " + tokenizerJson + " into " + dir, e);
        }
    }

    public EncodedText encode(String text) {
        return toEncoded(tokenizer().encode(text));
    }

    /**
     * A text of any length as overlapping windows, in order, as Hugging Face tokenizers' truncation with
     * {@code stride} (the overflowing encodings) gives them: every window is {@code [CLS] piece [SEP]}
     * padded to maxLength; pieces hold maxLength - 2 tokens and start every maxLength - 2 - stride tokens,
     * so each repeats the last {@code stride} tokens of the one before and none is read without context on
     * both sides; the last piece ends at the text's end. A text that fits is one window, equal to
     * {@link #encode}. The windows are cut here from the whole token sequence rather than taken from the
     * tokenizer's overflow, which depends on the native library's version (tokenizers 0.23.1-0.23.2 drop
     * most of it, huggingface/tokenizers#2091).
     */
    public List<EncodedText> encodeWindows(String text, int stride) {
        int piece = maxLength - 2;
        if (stride < 0 || stride >= piece) {
            throw new IllegalArgumentException("window stride must be in [0, " + (piece - 1) + "] (maxLength "
                    + maxLength + " less [CLS] and [SEP], less one new token per window), got " + stride);
        }
        long[] tokens = ExecutorTokenizers.whole(sha256, content).encode(text).getIds();
        Encoding template = tokenizer().encode("");   // [CLS] [SEP] [PAD] ...: the template's ids
        long[] empty = template.getIds();
        long[] specials = template.getSpecialTokenMask();
        if (specials[0] != 1 || specials[1] != 1 || (maxLength > 2 && empty[2] == empty[1])) {
            throw new IllegalStateException(tokenizerJson + ": windows need a single-text template of one special"
                    + " token before and one after the text ([CLS] text [SEP]); this tokenizer adds "
                    + Arrays.toString(Arrays.copyOf(empty, 3)));
        }
        List<EncodedText> windows = new ArrayList<>();
        for (int start = 0; ; start += piece - stride) {
            int stop = Math.min(start + piece, tokens.length);
            int[] ids = new int[maxLength];
            int[] mask = new int[maxLength];
            Arrays.fill(ids, Math.toIntExact(empty[2]));
            ids[0] = Math.toIntExact(empty[0]);
            for (int i = start; i < stop; i++) {
                ids[1 + i - start] = Math.toIntExact(tokens[i]);
            }
            ids[1 + stop - start] = Math.toIntExact(empty[1]);
            Arrays.fill(mask, 0, 2 + stop - start, 1);
            windows.add(new EncodedText(ids, mask, new int[maxLength]));
            if (stop == tokens.length) {
                return windows;
            }
        }
    }

    /** A sentence pair: {@code [CLS] text [SEP] pair [SEP]}, token_type_ids 0 then 1. */
    public EncodedText encodePair(String text, String pair) {
        return toEncoded(tokenizer().encode(text, pair));
    }

    /**
     * Tokenises a sentence given as words (transformers' {@code is_split_into_words}) and aligns word labels:
     * the first sub-token of each word gets the word's label id, every other position
     * {@link #IGNORE_LABEL}. Words cut off by truncation lose their labels.
     */
    public TokenLabels encodeWords(List<String> words, int[] wordLabels) {
        if (words.size() != wordLabels.length) {
            throw new IllegalArgumentException(words.size() + " words but " + wordLabels.length + " labels");
        }
        Encoding encoding = tokenizer().encode(words.toArray(new String[0]));
        long[] wordIds = encoding.getWordIds();
        long[] special = encoding.getSpecialTokenMask();
        int[] labels = new int[wordIds.length];
        long previousWord = -1;
        for (int i = 0; i < wordIds.length; i++) {
            boolean firstPiece = special[i] == 0 && wordIds[i] >= 0 && wordIds[i] != previousWord;
            labels[i] = firstPiece ? wordLabels[(int) wordIds[i]] : IGNORE_LABEL;
            previousWord = special[i] == 0 ? wordIds[i] : -1;
        }
        return new TokenLabels(toEncoded(encoding), labels);
    }

    private HuggingFaceTokenizer tokenizer() {
        return ExecutorTokenizers.get(sha256, content, maxLength);
    }

    private static EncodedText toEncoded(Encoding encoding) {
        return new EncodedText(
                toInts(encoding.getIds()), toInts(encoding.getAttentionMask()), toInts(encoding.getTypeIds()));
    }

    private static int[] toInts(long[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Math.toIntExact(values[i]);
        }
        return out;
    }
}
