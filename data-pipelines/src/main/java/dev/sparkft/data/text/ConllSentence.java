package dev.sparkft.data.text;

import java.util.List;

/** One sentence of a CoNLL-2003 file: its words and their NER tags, in order. */
public record ConllSentence(List<String> words, List<String> tags) {

    public ConllSentence {
        words = List.copyOf(words);
        tags = List.copyOf(tags);
        if (words.isEmpty() || words.size() != tags.size()) {
            throw new IllegalArgumentException("a sentence needs as many tags as words (>= 1), got "
                    + words.size() + " words and " + tags.size() + " tags");
        }
    }
}
