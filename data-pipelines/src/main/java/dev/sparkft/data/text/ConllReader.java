package dev.sparkft.data.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads CoNLL-2003 NER files (driver side; the English train set is 3 MB): one token per line with
 * space-separated columns {@code word POS chunk NER} (English, 4 columns) or
 * {@code word lemma POS chunk NER} (German, 5 columns), the NER tag last; blank lines end sentences;
 * {@code -DOCSTART-} lines separate documents. Tags must be {@code O} or {@code B-|I-|E-|S-<type>}.
 * A file mixes no column counts. UTF-8.
 */
public final class ConllReader {

    private static final Pattern TAG = Pattern.compile("O|[BIES]-[A-Za-z][A-Za-z0-9_]*");

    private ConllReader() {
    }

    public static List<ConllSentence> read(Path file) {
        List<ConllSentence> sentences = new ArrayList<>();
        List<String> words = new ArrayList<>();
        List<String> tags = new ArrayList<>();
        int columns = -1;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                String trimmed = line.strip();
                if (trimmed.isEmpty() || trimmed.startsWith("-DOCSTART-")) {
                    flush(words, tags, sentences);
                    continue;
                }
                String[] fields = trimmed.split("[ \\t]+");
                if (columns < 0) {
                    if (fields.length != 4 && fields.length != 5) {
                        throw malformed(file, lineNo, line, "expected 4 columns (word POS chunk NER) or 5"
                                + " (word lemma POS chunk NER), found " + fields.length);
                    }
                    columns = fields.length;
                } else if (fields.length != columns) {
                    throw malformed(file, lineNo, line, "expected " + columns + " columns like the lines before, found "
                            + fields.length);
                }
                String tag = fields[columns - 1];
                if (!TAG.matcher(tag).matches()) {
                    throw malformed(file, lineNo, line, "NER tag '" + tag + "' is neither O nor B-/I-/E-/S-<type>");
                }
                words.add(fields[0]);
                tags.add(tag);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CoNLL file " + file, e);
        }
        flush(words, tags, sentences);
        return sentences;
    }

    private static void flush(List<String> words, List<String> tags, List<ConllSentence> sentences) {
        if (!words.isEmpty()) {
            sentences.add(new ConllSentence(words, tags));
            words.clear();
            tags.clear();
        }
    }

    private static IllegalArgumentException malformed(Path file, int lineNo, String line, String problem) {
        return new IllegalArgumentException(file + ":" + lineNo + ": " + problem + ": '" + line + "'");
    }
}
