package org.mailferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mailferry.message.QueueId;
import org.mailferry.submission.Drop;
import org.mailferry.submission.LocalSubmission;
import org.mailferry.submission.SendRequest;
import org.mailferry.submission.SubmitSocket;

/**
 * The daemon's side of the native client: which requests it answers itself (and then with the
 * Java command's words and exit code) and which it hands back to the Java command ("jvm").
 */
class SendmailInDaemonTest {
    @TempDir
    Path dir;

    private final List<Drop> queued = new ArrayList<>();
    private SubmitSocket.Queue queue = (head, body) -> {
        queued.add(new Drop(head.sender(), head.recipients(), head.dsnNotify(), head.ret(), head.envId(),
                body.readAllBytes(), head.recipientDsn()));
        return QueueId.next(System.currentTimeMillis());
    };

    private final String config = "[queue]\nspool = \"/spool\"\n[sendmail]\norigin_domain = \"origin.test\"\n";

    private SendRequest request(List<String> args, String configOption, String toml, String spool, int zone) {
        return new SendRequest(args, configOption, "/c.toml", toml.getBytes(StandardCharsets.UTF_8), spool, zone);
    }

    private SendRequest.Answer start(String... args) {
        return new SendmailInDaemon().start(request(List.of(args), null, config, "/spool", 0), "alice", queue);
    }

    private static SendRequest.Answer send(SendRequest.Answer first, String message) {
        assertThat(first).isInstanceOf(SendRequest.NeedInput.class);
        return ((SendRequest.NeedInput) first).rest().send(
                new java.io.ByteArrayInputStream(message.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void queuesAPlainSendAndSaysNothing() {
        SendRequest.Answer a = send(start("-i", "bob"), "Subject: x\n\n.\nbody\n");
        assertThat(a).isEqualTo(new SendRequest.Exit(0, ""));
        assertThat(queued).hasSize(1);
        assertThat(queued.get(0).sender()).isEqualTo("alice@origin.test");
        assertThat(queued.get(0).recipients()).containsExactly("bob@origin.test");
        assertThat(new String(queued.get(0).body(), StandardCharsets.UTF_8)).endsWith("\r\n\r\n.\r\nbody\r\n");
    }

    @Test
    void tellsTheClientWhetherALoneDotEndsTheMessage() {
        assertThat(((SendRequest.NeedInput) start("bob")).dotEnds()).isTrue();
        assertThat(((SendRequest.NeedInput) start("-i", "bob")).dotEnds()).isFalse();
        assertThat(((SendRequest.NeedInput) start("-oi", "bob")).dotEnds()).isFalse();
        assertThat(((SendRequest.NeedInput) start("-ti")).dotEnds()).isFalse();
    }

    @Test
    void theDateIsInTheClientsTimeZone() {
        SendRequest r = request(List.of("bob"), null, config, "/spool", 5 * 3600 + 1800);
        send(new SendmailInDaemon().start(r, "alice", queue), "Subject: z\n\nx\n");
        assertThat(new String(queued.get(0).body(), StandardCharsets.UTF_8)).containsPattern("\r\nDate: [^\r\n]+ \\+0530\r\n");
    }

    @Test
    void whatTheJavaCommandMustDoGoesBackToIt() {
        assertThat(start("-v", "bob")).isInstanceOf(SendRequest.Jvm.class);
        assertThat(start("-bp")).isInstanceOf(SendRequest.Jvm.class);
        assertThat(start("-q")).isInstanceOf(SendRequest.Jvm.class);
        assertThat(start("-bs")).isInstanceOf(SendRequest.Jvm.class);
        SendmailInDaemon d = new SendmailInDaemon();
        // the client found no -C, or another spool, than the daemon's reading: its scan was wrong
        assertThat(d.start(request(List.of("-C", "/c.toml", "bob"), null, config, "/spool", 0), "alice", queue))
                .isInstanceOf(SendRequest.Jvm.class);
        assertThat(d.start(request(List.of("bob"), null, config, "/elsewhere", 0), "alice", queue))
                .isInstanceOf(SendRequest.Jvm.class);
        SendRequest latin1 = new SendRequest(List.of("bob"), null, "/c.toml",
                "# caf\u00e9\n[queue]\nspool = \"/spool\"\n".getBytes(StandardCharsets.ISO_8859_1), "/spool", 0);
        assertThat(d.start(latin1, "alice", queue)).isInstanceOf(SendRequest.Jvm.class);
        queue = (head, body) -> {
            throw new IOException("No space left on device");
        };
        assertThat(send(start("bob"), "Subject: full\n\nx\n")).isInstanceOf(SendRequest.Jvm.class);
    }

    @Test
    void mistakesAreAnsweredAsTheJavaCommandPrintsThem() throws Exception {
        Path file = Files.writeString(dir.resolve("bad.toml"), "[queue]\nspool = \n");
        SendmailRun java = SendmailRun.run("sendmail", "x\n", List.of("-C", file.toString(), "bob"));
        SendRequest bad = new SendRequest(List.of("-C", file.toString(), "bob"), file.toString(), file.toString(),
                Files.readAllBytes(file), "./var/spool", 0);
        assertThat(new SendmailInDaemon().start(bad, "alice", queue))
                .isEqualTo(new SendRequest.Exit(Sysexits.EX_CONFIG, java.err()));

        queue = (head, body) -> {
            throw new LocalSubmission.RefusedException("message size 99 exceeds the limit of 10 bytes (smtpd.max_message_size)");
        };
        assertThat(send(start("bob"), "Subject: big\n\nx\n")).isEqualTo(new SendRequest.Exit(Sysexits.EX_DATAERR,
                "sendmail: message refused: message size 99 exceeds the limit of 10 bytes (smtpd.max_message_size)\n"));
        SendRequest.Answer usage = start("-k");
        assertThat(usage).isInstanceOf(SendRequest.Exit.class);
        assertThat(((SendRequest.Exit) usage).text()).startsWith("sendmail: unknown option -k\nusage: sendmail");
    }
}
