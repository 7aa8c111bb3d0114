package org.mailferry.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.mailferry.config.Config;
import org.mailferry.config.ConfigException;
import org.mailferry.config.GenericMap;

/**
 * The header side of sender rewriting, table-driven over whole messages: the rewritten fields,
 * every other byte as it was (odd folding, 8-bit text, the body's look-alike lines), send as the
 * login with Reply-To, and the DKIM h= coverage that makes the caller warn.
 */
class SenderHeadersTest {
    private static final String TAIL = "Subject: =?utf-8?q?caf=C3=A9?= \u00e9t\u00e9\n"
            + "X-Odd:   folded\n\t  twice  \n  and thrice\n"
            + "\n"
            + "From: root@localhost is a body line\n"
            + ".dot line\n";

    record Case(String name, List<String> classes, String sendAs, String in, String out, List<String> changed,
                List<String> breaks) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> cases() {
        List<String> senders = List.of("header_sender");
        List<String> all = List.of("header_sender", "header_recipient");
        return List.of(
                new Case("nothing configured: byte for byte", List.of(), null,
                        "From: root@localhost\nTo: root\n" + TAIL,
                        "From: root@localhost\nTo: root\n" + TAIL, List.of(), List.of()),
                new Case("a local From masqueraded, To left (no header_recipient)", senders, null,
                        "Received: by x\nFrom: root@localhost\nTo: root@localhost\n" + TAIL,
                        "Received: by x\nFrom: root@example.com\nTo: root@localhost\n" + TAIL,
                        List.of("From"), List.of()),
                new Case("display name and comment kept (the comment re-spaced)", senders, null,
                        "From: \"Cron Daemon\" <root@host.internal> (cron)\n" + TAIL,
                        "From: \"Cron Daemon\" <root@example.com>(cron)\n" + TAIL, List.of("From"), List.of()), // as Postfix writes it
                new Case("Sender and Reply-To too; a folded To with a local name", all, null,
                        "Sender: www-data@host.internal\nReply-To: nobody\nTo: a@b.example,\n root\nCc: x@y.example\n"
                                + TAIL,
                        "Sender: www-data@example.com\nReply-To: nobody@example.com\n"
                                + "To: a@b.example, root@example.com\nCc: x@y.example\n" + TAIL,
                        List.of("Sender", "Reply-To", "To"), List.of()),
                new Case("send as the login: From becomes it, the original kept in Reply-To", senders,
                        "relay@example.com",
                        "From: App <app@internal.example>\nTo: a@b.example\n" + TAIL,
                        "From: App <relay@example.com>\nTo: a@b.example\n" + TAIL.replace("\n\nFrom: root",
                                "\nReply-To: App <app@internal.example>\n\nFrom: root"),
                        List.of("From", "Reply-To"), List.of()),
                new Case("send as the login: the rules apply first, then the login", senders,
                        "relay@example.com",
                        "From: Cron <root@localhost>\n" + TAIL,
                        "From: Cron <relay@example.com>\n" + TAIL.replace("\n\nFrom: root",
                                "\nReply-To: Cron <root@example.com>\n\nFrom: root"),
                        List.of("From", "Reply-To"), List.of()),
                new Case("send as the login: an existing Reply-To is kept", List.of(), "relay@example.com",
                        "Reply-To: support@example.com\nFrom: app@internal.example\n" + TAIL,
                        "Reply-To: support@example.com\nFrom: relay@example.com\n" + TAIL, List.of("From"),
                        List.of()),
                new Case("send as the login: From is the login already", List.of(), "relay@example.com",
                        "From: Relay <RELAY@example.com>\n" + TAIL, "From: Relay <RELAY@example.com>\n" + TAIL,
                        List.of(), List.of()),
                new Case("DKIM h= covers From: the signature breaks", senders, null,
                        "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;\n\th=From : To:\n Subject;"
                                + " bh=x; b=y\nFrom: root@localhost\nTo: a@b.example\n" + TAIL,
                        "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;\n\th=From : To:\n Subject;"
                                + " bh=x; b=y\nFrom: root@example.com\nTo: a@b.example\n" + TAIL,
                        List.of("From"), List.of("From")),
                new Case("DKIM oversigning Reply-To: the added one breaks it", List.of(), "relay@example.com",
                        "From: app@internal.example\nDKIM-Signature: v=1; h=from:reply-to:reply-to; b=y\n" + TAIL,
                        "From: relay@example.com\nDKIM-Signature: v=1; h=from:reply-to:reply-to; b=y\n"
                                + TAIL.replace("\n\nFrom: root", "\nReply-To: app@internal.example\n\nFrom: root"),
                        List.of("From", "Reply-To"), List.of("From", "Reply-To")),
                new Case("a message that ends inside its header", senders, null,
                        "Subject: x\nFrom: root", "Subject: x\nFrom: root@example.com\n", List.of("From"), List.of()),
                new Case("a header without the empty line: the body's first line ends it", senders, "relay@example.com",
                        "From: root\nnot a field\nFrom: root\n",
                        "From: relay@example.com\nReply-To: root@example.com\nnot a field\nFrom: root\n",
                        List.of("From", "Reply-To"), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rewritesTheAddressFieldsAndNothingElse(Case c) throws Exception {
        SenderHeaders editor = new SenderHeaders(rules(c.classes()), c.sendAs());
        byte[] in = crlf(c.in());
        byte[] out;
        try (InputStream s = new HeaderStream(new ByteArrayInputStream(in), editor)) {
            out = s.readAllBytes();
        }
        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo(new String(crlf(c.out()), StandardCharsets.UTF_8));
        assertThat(editor.changed()).isEqualTo(c.changed());
        assertThat(editor.breaksSignature()).isEqualTo(c.breaks());
    }

    @Test
    void aLargeBodyPassesInBlocksUnchanged() throws IOException, ConfigException {
        byte[] head = crlf("From: root@localhost\n\n");
        byte[] body = new byte[8 << 20];
        Arrays.fill(body, (byte) 'x');
        for (int i = 998; i < body.length; i += 1000) {
            body[i] = '\r';
            body[i + 1] = '\n';
        }
        byte[] msg = new byte[head.length + body.length];
        System.arraycopy(head, 0, msg, 0, head.length);
        System.arraycopy(body, 0, msg, head.length, body.length);
        int[] largest = {0};
        InputStream source = new ByteArrayInputStream(msg) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                largest[0] = Math.max(largest[0], len);
                return super.read(b, off, len);
            }
        };
        try (InputStream s = new HeaderStream(source, new SenderHeaders(rules(List.of("header_sender")), null))) {
            byte[] first = s.readNBytes(crlf("From: root@example.com\n\n").length);
            assertThat(new String(first, StandardCharsets.US_ASCII)).isEqualTo("From: root@example.com\r\n\r\n");
            byte[] buf = new byte[65536];
            long total = 0;
            int n;
            while ((n = s.read(buf)) > 0) {
                assertThat(Arrays.equals(buf, 0, n, body, (int) total, (int) total + n)).isTrue();
                total += n;
            }
            assertThat(total).isEqualTo(body.length);
        }
        assertThat(largest[0]).as("read from the spool in blocks, never the whole body at once").isLessThan(1 << 20);
    }

    @Test
    void signedFieldsReadTheHTag() {
        assertThat(SenderHeaders.signedFields(" v=1; a=rsa-sha256; H=x; h = From:\n\tReply-To ; b=abc"))
                .containsExactly("from", "reply-to");
        assertThat(SenderHeaders.signedFields(" v=1; b=abc")).isEmpty();
    }

    private static AddressRules rules(List<String> classes) throws ConfigException {
        return new AddressRules(new Config.Rewrite("example.com", List.of("localhost", "host.internal"), List.of(),
                List.of(), classes, GenericMap.parse("g", ""), List.of(), List.of()));
    }

    private static byte[] crlf(String s) {
        return s.replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
