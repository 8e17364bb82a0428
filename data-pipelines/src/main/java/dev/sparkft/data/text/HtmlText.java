package dev.sparkft.data.text;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The visible text of an HTML mail body: scripts, styles and comments dropped, block tags turned into
 * line breaks, other tags into spaces, common entities decoded. A regex pass, not a parser: mail HTML
 * is often broken, and only the words matter to the classifier.
 */
final class HtmlText {

    private static final Pattern INVISIBLE = Pattern.compile(
            "(?is)<!--.*?-->|<script\\b.*?</script\\s*>|<style\\b.*?</style\\s*>|<head\\b.*?</head\\s*>");
    private static final Pattern BLOCK_TAG = Pattern.compile("(?i)<\\s*(br|/p|p|/div|/tr|/li|/h[1-6]|/table)\\b[^>]*>");
    private static final Pattern TAG = Pattern.compile("(?s)<[^>]*>");
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});");
    private static final Map<String, String> NAMED = Map.of(
            "nbsp", " ", "amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'",
            "copy", "\u00a9", "reg", "\u00ae", "trade", "\u2122", "middot", "\u00b7");

    private HtmlText() {
    }

    /** True when a part typed (or defaulted to) text/plain is really HTML, as in much of the spam. */
    static boolean looksLikeHtml(String text) {
        String head = text.substring(0, Math.min(text.length(), 2000)).toLowerCase(Locale.ROOT);
        return head.contains("<html") || head.contains("<body") || head.contains("<p>") || head.contains("<font");
    }

    static String toText(String html) {
        String s = INVISIBLE.matcher(html).replaceAll(" ");
        s = BLOCK_TAG.matcher(s).replaceAll("\n");
        s = TAG.matcher(s).replaceAll(" ");
        Matcher m = ENTITY.matcher(s);
        StringBuilder out = new StringBuilder(s.length());
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(entity(m.group(1), m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String entity(String name, String literal) {
        if (name.charAt(0) == '#') {
            boolean hex = name.length() > 1 && (name.charAt(1) == 'x' || name.charAt(1) == 'X');
            int code = Integer.parseInt(name.substring(hex ? 2 : 1), hex ? 16 : 10);
            return Character.isValidCodePoint(code) && code != 0 ? new String(Character.toChars(code)) : " ";
        }
        return NAMED.getOrDefault(name.toLowerCase(Locale.ROOT), literal);
    }
}
