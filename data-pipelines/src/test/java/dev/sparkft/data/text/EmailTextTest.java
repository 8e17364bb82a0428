package dev.sparkft.data.text;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Text extraction on real SpamAssassin messages (src/test/resources/spamassassin, see its NOTICE.md). */
class EmailTextTest {

    private static EmailText parse(String file) throws Exception {
        return EmailText.parse(Files.readAllBytes(TestResources.path("spamassassin/data/" + file)));
    }

    @Test
    void plainMessageKeepsSubjectAndBodyButNoRoutingHeaders() throws Exception {
        EmailText e = parse("easy-ham-1/00062.009f5a1a8fa88f0b38299ad01562bb37.txt");
        assertEquals("Tiny DNS Swap", e.subject());
        assertTrue(e.body().startsWith("I'm using Simple DNS from JHSoft."), e.body());
        String text = e.classificationText(10_000);
        assertTrue(text.startsWith("Tiny DNS Swap\n\nI'm using Simple DNS"), text);
        for (String header : new String[] {"Return-Path", "Received:", "Message-Id", "X-Mailer", "Delivered-To"}) {
            assertFalse(text.contains(header), header + " leaked into " + text);
        }
    }

    @Test
    void encodedSubjectsAreDecoded() throws Exception {
        assertEquals("Re: RE: [zzzzteana] Sitting Bull über alles [Long]",
                parse("easy-ham-1/02434.37126367f2a918fead5ff8ea834cc334.txt").subject());
        // ISO-8859-1 label, byte 0x99: read as windows-1252 like mail clients do
        assertEquals("Matrox Parhelia\u2122 now available", parse("hard-ham-1/00149.f6fddcb1750a61e5e085e22a4fa08912.txt").subject());
        assertEquals("不看會後悔", parse("spam-1/00252.7e355e0c5fd1de609684544262435579.txt").subject());
        assertTrue(parse("hard-ham-1/00042.5b7f2a0e87c853e8c8e13d556c1320d2.txt").subject()
                .startsWith("Re: 三菱化学エンジニアリング様"));
    }

    @Test
    void base64HtmlPartInBig5BecomesItsWords() throws Exception {
        EmailText e = parse("spam-1/00252.7e355e0c5fd1de609684544262435579.txt");
        assertTrue(e.body().startsWith("有一隻烏鴉整天就坐在樹上"), e.body());
        assertFalse(e.body().contains("<"), "tags stripped");
    }

    @Test
    void unknownCharsetFallsBackToTheHtmlMetaCharset() throws Exception {
        // Declared charset "CHINESEBIG5" is unknown to Java; the HTML names big5.
        assertTrue(parse("spam-2/00006.3ca1f399ccda5d897fecb8c57669a283.txt").body().contains("您還在用 20 % 的信用卡嗎"));
    }

    @Test
    void multipartMixedKeepsTheTextPartAndSkipsTheAttachment() throws Exception {
        EmailText e = parse("easy-ham-1/00067.23813c5ac6ce66fd892ee5501fd5dbd2.txt");
        assertTrue(e.body().contains("You'll save up to 70% on international phone calls"), e.body());
        assertFalse(e.body().contains("application/ms-tnef"));
        assertFalse(e.body().contains("_NextPart_"), "boundaries are not text");
        assertTrue(e.body().contains("***\n***"), "banner runs of * shortened to three: " + e.body());
    }

    @Test
    void capCutsTextButNeverSplitsSurrogatePairs() {
        EmailText e = new EmailText("Subject", "a\uD83D\uDE00b");
        assertEquals("Subject", e.classificationText(7));
        assertEquals("Subject\n\na", e.classificationText(11), "the emoji would be cut in half: dropped");
        assertEquals("Subject\n\na\uD83D\uDE00", e.classificationText(12));
    }

    @Test
    void quotedPrintableSoftBreaksAndCrlfLineEndings() {
        String raw = "Subject: =?utf-8?B?SGVsbG8gd8O2cmxk?=\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe aus K=\r\n=C3=B6ln=3F\r\n";
        EmailText e = EmailText.parse(raw.getBytes(StandardCharsets.ISO_8859_1));
        assertEquals("Hello wörld", e.subject());
        assertEquals("Grüße aus Köln?", e.body());
    }
}
